import type { IncidentMessage } from '../incidents/incident-message.js';
import { DEFAULT_TEMPLATES, renderTemplate } from '../incidents/incident-message.js';
import type { Notifier } from '../incidents/notifier.js';

const SEVERITY_EMOJI: Record<string, string> = { P0: '🔴', P1: '🟠', P2: '🟡', P3: '🔵' };

/**
 * Slack incoming webhooks: POST a JSON body with `text` (the fallback shown in notifications) and
 * Block Kit `blocks`; Slack answers 200 with the body `ok`, or 4xx with an error word such as
 * `invalid_payload` or `no_service`. Modelled on seed 003's incident notification.
 */
export class SlackNotifier implements Notifier {
  readonly name: string;

  constructor(
    private readonly webhookUrl: string,
    private readonly options: { channel?: string | undefined; template?: string | undefined; timeoutMs?: number } = {},
  ) {
    this.name = `slack ${new URL(webhookUrl).host}${options.channel ? ` ${options.channel}` : ''}`;
  }

  body(message: IncidentMessage): Record<string, unknown> {
    const f = message.fields;
    const text = renderTemplate(this.options.template ?? DEFAULT_TEMPLATES.slack, f);
    const heading =
      message.kind === 'resolved' ? `✅ RESOLVED: ${f.title}` : message.kind === 'update' ? `Update: ${f.title}` : `🚨 INCIDENT: ${f.title}`;
    const mentions = message.recipients?.length ? `Paging ${message.recipients.join(' ')}` : undefined;
    const blocks: Record<string, unknown>[] = [
      { type: 'header', text: { type: 'plain_text', text: heading.slice(0, 150), emoji: true } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Severity:*\n${SEVERITY_EMOJI[f.severity ?? ''] ?? ''} ${f.severity}` },
          { type: 'mrkdwn', text: `*Affected:*\n${f.affected}` },
          { type: 'mrkdwn', text: `*Reason:*\n${f.reason}` },
          { type: 'mrkdwn', text: `*Action:*\n${f.action}` },
          { type: 'mrkdwn', text: `*ETA:*\n${f.eta}` },
          { type: 'mrkdwn', text: `*Incident Lead:*\n${f.lead}` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${f.service} / ${f.environment} · ${f.id} · status ${f.status} · updates every ${f.update_every}` }] },
    ];
    if (mentions) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mentions } });
    if (message.ackUrl) {
      blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, url: message.ackUrl, style: 'primary' }] });
    }
    return { text, blocks, ...(this.options.channel ? { channel: this.options.channel } : {}) };
  }

  async send(message: IncidentMessage): Promise<void> {
    const response = await fetch(this.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.body(message)),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const answer = await response.text();
    if (!response.ok) throw new Error(`Slack answered ${response.status}: ${answer.slice(0, 200)}`);
  }
}
