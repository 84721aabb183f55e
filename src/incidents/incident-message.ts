import type { Incident } from './incident.js';

export type MessageKind = 'opened' | 'update' | 'page' | 'resolved';

/** What every notifier renders from: the incident plus why this message goes out now. */
export interface IncidentMessage {
  kind: MessageKind;
  incident: Incident;
  /** Fields filled into templates (seed 003's Slack notification). */
  fields: Record<string, string>;
  /** For pages: who is paged and the signed link that acknowledges. */
  recipients?: string[] | undefined;
  ackUrl?: string | undefined;
}

/** Seed 003's Slack incident notification; `{{name}}` placeholders, overridable in `incidents.templates.slack`. */
export const DEFAULT_TEMPLATES = {
  slack: [
    '🚨 INCIDENT: {{title}}',
    '',
    'Severity: {{severity}}',
    'Affected: {{affected}}',
    'Reason: {{reason}}',
    'Action: {{action}}',
    'ETA: {{eta}}',
    '',
    'Status updates will be posted every {{update_every}}.',
    'Incident Lead: {{lead}}',
  ].join('\n'),
  email_subject: '[{{severity}}] {{service}} incident: {{title}}',
  email_body: ['Incident {{id}} ({{severity}}) on {{service}} / {{environment}}', '', 'Reason: {{reason}}', 'Action: {{action}}', 'Status: {{status}}', '', '{{ack}}'].join('\n'),
  /** Seed 002's user email after recovery. */
  resolved_email_subject: '[RESOLVED] {{service}} Service Interruption',
  resolved_email_body: [
    'Dear {{service}} users,',
    '',
    'We experienced a brief technical issue that required us to roll back a recent update.',
    'The issue has been resolved and all systems are operating normally.',
    '',
    '{{data_loss_sentence}}',
    '',
    'We apologize for any inconvenience.',
  ].join('\n'),
  /** In-app banner text apps show while an incident is open. */
  banner: 'We are experiencing issues with {{affected}} and are working on a fix. Next update in {{update_every}}.',
} as const;

export type TemplateName = keyof typeof DEFAULT_TEMPLATES;

export function renderTemplate(template: string, fields: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => fields[name] ?? whole);
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} minutes` : `${Math.round(ms / 1000)} seconds`;
}

/** The template fields for an incident, from its record. */
export function messageFields(incident: Incident, options: { updateEveryMs: number; people?: Record<string, { slack?: string | undefined; name?: string | undefined }> }): Record<string, string> {
  const lastRollback = incident.rollbacks.at(-1);
  const action =
    incident.status === 'resolved'
      ? 'Resolved'
      : lastRollback
        ? lastRollback.outcome === 'succeeded'
          ? `Rolled back (${lastRollback.planId}); monitoring`
          : lastRollback.outcome === 'failed'
            ? `Rollback ${lastRollback.planId} failed; people are working on it`
            : `Rolling back (${lastRollback.planId})`
        : 'Investigating';
  const commander = incident.commander ? (options.people?.[incident.commander]?.slack ?? `@${incident.commander}`) : 'not assigned yet';
  const eta = incident.status === 'resolved' ? 'done' : lastRollback && !lastRollback.outcome ? 'rollback in progress; < 15 minutes (RTO)' : '< 15 minutes (RTO)';
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    service: incident.service,
    environment: incident.environment,
    affected: incident.affected.join(', '),
    reason: incident.title,
    action,
    eta,
    lead: commander,
    status: incident.status,
    update_every: minutes(options.updateEveryMs),
    data_loss_sentence: incident.impact.dataLoss ? 'Some data written during the incident may need to be re-entered; we will contact affected users.' : 'No data was lost and no action is required on your part.',
    ack: '',
  };
}
