import type { Incident } from './incident.js';

/** Marks a section only a person can write; the pre-filled parts come from the record. */
export const TO_BE_WRITTEN = '_To be written by the incident commander._';

const SEVERITY_WORDS: Record<string, string> = { P0: 'Critical (Sev 1)', P1: 'High (Sev 2)', P2: 'Medium (Sev 3)', P3: 'Low (Sev 4)' };

function minutesBetween(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return 'unknown';
  const ms = Date.parse(to) - Date.parse(from);
  return ms < 60_000 ? `${Math.round(ms / 1000)} seconds` : `${Math.round(ms / 60_000)} minutes`;
}

function hhmm(iso: string): string {
  return iso.slice(11, 16);
}

/** Seconds matter on a timeline where detection and rollback take seconds. */
function hhmmss(iso: string): string {
  return iso.slice(11, 19);
}

function shortDuration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${(ms / 60_000).toFixed(1)}min`;
}

/** The log's Trigger cell: the first trigger that fired and its first clause, not the whole explanation. */
function triggerCell(incident: Incident, fallback: string): string {
  const fired = incident.timeline.find((t) => t.kind === 'trigger')?.text.match(/^Trigger (.+?) fired \(P\d\): (.*)$/);
  if (fired) return `${fired[1]}: ${fired[2]?.split('; ')[0]}`;
  return fallback.split('. Because')[0]?.slice(0, 160) ?? fallback;
}

/** The log's Method cell: the rollback's first action step ("switch traffic to the previous release"). */
function methodCell(incident: Incident): string {
  const step = incident.timeline.find((t) => t.kind === 'rollback_step' && !t.text.startsWith('Step verify'));
  return step?.text.match(/^Step (.+?) (running|succeeded|failed|skipped)/)?.[1] ?? 'ripcord';
}

function impactLines(incident: Incident): string[] {
  const { usersAffectedPercent, errorRate, dataLoss } = incident.impact;
  return [
    `- **Users Affected**: ${usersAffectedPercent !== undefined ? `~${usersAffectedPercent}% of users` : TO_BE_WRITTEN}`,
    `- **Features Impacted**: ${incident.affected.join(', ')}`,
    `- **Error Rate**: ${errorRate !== undefined ? `${(errorRate * 100).toFixed(1)}%` : 'not recorded'}`,
    `- **Data Loss**: ${dataLoss === undefined ? 'not recorded' : dataLoss ? 'yes' : 'no'}`,
  ];
}

function timelineLines(incident: Incident): string[] {
  return incident.timeline.map((t) => `- ${hhmmss(t.at)} - ${t.text}${t.actor !== 'ripcord' ? ` (${t.actor})` : ''}`);
}

function actionLines(incident: Incident): string[] {
  if (incident.actionItems.length === 0) return [TO_BE_WRITTEN];
  return incident.actionItems.map((a) => `- [${a.done ? 'x' : ' '}] ${a.text}${a.owner ? ` (${a.owner})` : ''}`);
}

function resolutionLines(incident: Incident): string[] {
  const lines = incident.timeline.filter((t) => t.kind === 'rollback' || t.kind === 'verification').map((t) => `- ${t.text}`);
  return lines.length > 0 ? lines : [TO_BE_WRITTEN];
}

function triggerLines(incident: Incident): string[] {
  return incident.timeline.filter((t) => t.kind === 'trigger' || t.kind === 'decision' || t.kind === 'first_bad').map((t) => `- ${t.text}`);
}

/** Both seeds' templates end alike: the action items tracked on the incident, then lessons for people to write. */
function closingSections(incident: Incident): string[] {
  return ['## Action Items', '', ...actionLines(incident), '', '## Lessons Learned', '', TO_BE_WRITTEN, ''];
}

/** Seed 000's incident report, pre-filled from the record. */
export function renderIncidentReport(incident: Incident): string {
  const m = incident.milestones;
  return [
    `# Incident Report: [${incident.id}] ${incident.title}`,
    '',
    '## Summary',
    '',
    `- **Date/Time**: ${(m.started ?? m.detected ?? '').replace('T', ' ').slice(0, 16)} UTC`,
    `- **Duration**: ${minutesBetween(m.started ?? m.detected, m.resolved)}`,
    `- **Severity**: ${SEVERITY_WORDS[incident.severity]} (${incident.severity})`,
    `- **Status**: ${incident.status}`,
    `- **Service / environment**: ${incident.service} / ${incident.environment}${incident.releaseId ? ` (release ${incident.releaseId})` : ''}`,
    `- **Incident commander**: ${incident.commander ?? 'not assigned'}`,
    '',
    '## Impact',
    '',
    ...impactLines(incident),
    '',
    '## Root Cause',
    '',
    'What the system saw:',
    ...triggerLines(incident),
    '',
    `Why it happened: ${incident.rootCause ?? TO_BE_WRITTEN}`,
    '',
    '## Resolution',
    '',
    ...resolutionLines(incident),
    '',
    '## Timeline',
    '',
    ...timelineLines(incident),
    '',
    ...closingSections(incident),
  ].join('\n');
}

/** Seed 000/003's post-mortem, pre-filled from the record; judgement sections are left to people. */
export function renderPostmortem(incident: Incident): string {
  const m = incident.milestones;
  return [
    `# Post-Mortem: ${incident.title}`,
    '',
    '## Incident Summary',
    '',
    `- Date: ${(m.started ?? m.detected ?? '').slice(0, 10)}`,
    `- Duration: ${minutesBetween(m.started ?? m.detected, m.resolved)}`,
    `- Severity: ${SEVERITY_WORDS[incident.severity]} (${incident.severity})`,
    `- Root Cause: ${incident.rootCause ?? TO_BE_WRITTEN}`,
    '',
    '## Milestones',
    '',
    '| Milestone | Time (UTC) |',
    '|-----------|------------|',
    ...(['started', 'detected', 'acknowledged', 'mitigated', 'resolved'] as const).map((k) => `| ${k} | ${m[k] ?? '—'} |`),
    '',
    `- Time to detect: ${minutesBetween(m.started, m.detected)}`,
    `- Time to acknowledge: ${minutesBetween(m.detected, m.acknowledged)}`,
    `- Time to mitigate: ${minutesBetween(m.detected, m.mitigated)}`,
    '',
    '## What Happened',
    '',
    ...timelineLines(incident),
    '',
    '## Impact Assessment',
    '',
    ...impactLines(incident),
    `- Revenue impact: ${TO_BE_WRITTEN}`,
    `- Reputation impact: ${TO_BE_WRITTEN}`,
    '',
    '## Root Cause Analysis',
    '',
    ...triggerLines(incident),
    '',
    incident.rootCause ?? TO_BE_WRITTEN,
    '',
    '## Resolution',
    '',
    ...resolutionLines(incident),
    '',
    '## Response Evaluation',
    '',
    '### Response phases',
    '',
    ...incident.checklist.map((c) => `- [${c.doneAt ? 'x' : ' '}] ${c.phase}: ${c.item} (due ${c.dueMinutes} min${c.doneAt ? `, done ${hhmm(c.doneAt)} by ${c.doneBy}` : ''})`),
    '',
    '### What Went Well',
    '',
    TO_BE_WRITTEN,
    '',
    '### What Could Be Improved',
    '',
    TO_BE_WRITTEN,
    '',
    ...closingSections(incident),
  ].join('\n');
}

/** Seed 004's rollback history log, one row per rollback recorded on an incident. */
export function renderRollbackLog(incidents: Incident[]): string {
  const rows = incidents
    .flatMap((i) => i.rollbacks.map((r) => ({ i, r })))
    .sort((a, b) => a.r.startedAt.localeCompare(b.r.startedAt))
    .map(({ i, r }) => {
      const duration = r.durationMs !== undefined ? shortDuration(r.durationMs) : 'running';
      const outcome = r.outcome === 'failed' ? ' (failed)' : r.unnecessary ? ' (unnecessary)' : '';
      return `| ${r.startedAt.slice(0, 10)} | ${hhmm(r.startedAt)} | ${cell(triggerCell(i, r.reason))} | ${cell(methodCell(i))} | ${duration}${outcome} | ${cell(i.rootCause ?? i.title)} |`;
    });
  return ['| Date | Time | Trigger | Method | Duration | Root Cause |', '|------|------|---------|--------|----------|------------|', ...rows, ''].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
