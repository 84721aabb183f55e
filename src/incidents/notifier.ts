import type { IncidentMessage } from './incident-message.js';

/** One destination for incident messages (Slack, webhook, email…). `send` throws when delivery failed. */
export interface Notifier {
  /** Shown on the timeline: `slack`, `webhook https://…`, `email ops@…` (never a secret). */
  readonly name: string;
  send(message: IncidentMessage): Promise<void>;
}
