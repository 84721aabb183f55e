import type { Clock } from '../core/clock.js';
import type { Incident, IncidentStatus } from './incident.js';
import { type IncidentMessage, type MessageKind, messageFields } from './incident-message.js';
import type { IncidentRepository } from './incident-repository.js';
import type { IncidentService } from './incident-service.js';
import { dispatch, type RetryPolicy } from './notification-dispatcher.js';
import type { Notifier } from './notifier.js';

/** Where messages go for an incident, built from config by the composition root. */
export interface CommunicationSetup {
  /** The environment's channels (`notify:`): Slack, webhooks, email lists. */
  channels(incident: Incident): Notifier[];
  /** A person's own destinations (`people.<name>.email/webhook`). */
  personNotifiers(person: string, incident: Incident): Notifier[];
  /** How to mention a person in a channel (`@alice`). */
  handle(person: string): string;
  /** A signed acknowledgement link for that person, when the server knows its public URL. */
  ackLink(incident: Incident, person: string): string | undefined;
  people: Record<string, { slack?: string | undefined; name?: string | undefined }>;
  updateEveryMs: number;
  retry?: RetryPolicy | undefined;
}

/**
 * Tells people: the incident notification when it opens (seed 003), an update on every status change and
 * every `update_every` while it is open, the resolution, and pages for escalation. Every delivery, sent or
 * failed, is written on the incident's timeline.
 */
export class IncidentCommunicator {
  constructor(
    private readonly service: IncidentService,
    private readonly repo: IncidentRepository,
    private readonly setup: CommunicationSetup,
    private readonly clock: Clock,
  ) {}

  attach(): void {
    this.service.observe((incident, previous) => this.onChange(incident, previous));
  }

  async onChange(incident: Incident, previous: IncidentStatus | undefined): Promise<void> {
    if (previous === undefined) await this.broadcast(incident, 'opened', 'incident notification');
    else if (incident.status === 'resolved') await this.broadcast(incident, 'resolved', 'resolution notice');
    else await this.broadcast(incident, 'update', `status update (${previous} → ${incident.status})`);
  }

  /** Escalation's pager: one channel message mentioning everyone paged, plus each person's own destinations. */
  readonly page = async (incident: Incident, recipients: string[], reason: string): Promise<void> => {
    const base = this.message(incident, 'page');
    const channelMessage: IncidentMessage = { ...base, recipients: recipients.map((r) => this.setup.handle(r)), ackUrl: this.setup.ackLink(incident, 'on-call') };
    const results = await dispatch(this.setup.channels(incident), channelMessage, this.setup.retry);
    for (const person of recipients) {
      const personal: IncidentMessage = { ...base, recipients: [this.setup.handle(person)], ackUrl: this.setup.ackLink(incident, person) };
      results.push(...(await dispatch(this.setup.personNotifiers(person, incident), personal, this.setup.retry)));
    }
    await this.service.recordDeliveries(incident.id, `page (${reason})`, results);
  };

  /** Sends the periodic update for open incidents whose last one is older than `update_every`. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    // Every second on every server: the rows are enough, the timelines are not read here.
    for (const incident of await this.repo.list({ openOnly: true, timeline: false })) {
      const last = Date.parse(incident.lastUpdateAt ?? incident.milestones.detected ?? now.toISOString());
      if (now.getTime() - last < this.setup.updateEveryMs) continue;
      // Several servers may share the store: the one that moves lastUpdateAt sends the update.
      if (!(await this.repo.claimPeriodicUpdate(incident.id, incident.lastUpdateAt, now.toISOString()))) continue;
      await this.broadcast(incident, 'update', 'periodic update');
    }
  }

  private message(incident: Incident, kind: MessageKind): IncidentMessage {
    return { kind, incident, fields: messageFields(incident, { updateEveryMs: this.setup.updateEveryMs, people: this.setup.people }) };
  }

  private async broadcast(incident: Incident, kind: MessageKind, what: string): Promise<void> {
    const notifiers = this.setup.channels(incident);
    await this.service.update(incident.id, { lastUpdateAt: this.clock.now().toISOString() }, 'ripcord');
    if (notifiers.length === 0) return;
    const results = await dispatch(notifiers, this.message(incident, kind), this.setup.retry);
    await this.service.recordDeliveries(incident.id, what, results);
  }
}
