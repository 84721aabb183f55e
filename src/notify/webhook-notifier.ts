import { createHmac } from 'node:crypto';
import type { IncidentMessage } from '../incidents/incident-message.js';
import type { Notifier } from '../incidents/notifier.js';

export const SIGNATURE_HEADER = 'x-ripcord-signature';
export const TIMESTAMP_HEADER = 'x-ripcord-timestamp';

/**
 * The signature receivers check: hex HMAC-SHA256 of `${timestamp}.${rawBody}` with the shared secret,
 * sent as `x-ripcord-signature: v1=<hex>` next to `x-ripcord-timestamp: <unix seconds>`. Receivers
 * recompute it over the raw bytes, compare in constant time, and reject timestamps older than 5 minutes.
 */
export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** The JSON body: the public facts of the incident plus the template fields; no secrets. */
export function webhookPayload(message: IncidentMessage): Record<string, unknown> {
  const i = message.incident;
  return {
    type: `incident.${message.kind}`,
    incident: {
      id: i.id,
      service: i.service,
      environment: i.environment,
      releaseId: i.releaseId ?? null,
      title: i.title,
      severity: i.severity,
      status: i.status,
      commander: i.commander ?? null,
      affected: i.affected,
      milestones: i.milestones,
    },
    fields: message.fields,
    recipients: message.recipients ?? [],
    ackUrl: message.ackUrl ?? null,
  };
}

export class WebhookNotifier implements Notifier {
  readonly name: string;

  constructor(
    private readonly url: string,
    private readonly secret: string | undefined,
    private readonly options: { timeoutMs?: number; now?: () => Date } = {},
  ) {
    const u = new URL(url);
    this.name = `webhook ${u.host}${u.pathname}`;
  }

  async send(message: IncidentMessage): Promise<void> {
    const body = JSON.stringify(webhookPayload(message));
    const timestamp = String(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp };
    if (this.secret) headers[SIGNATURE_HEADER] = webhookSignature(this.secret, timestamp, body);
    const response = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    if (!response.ok) throw new Error(`${this.name} answered ${response.status}`);
  }
}
