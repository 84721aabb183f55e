import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { RipcordError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Incident, IncidentStatus } from './incident.js';
import type { IncidentMessage } from './incident-message.js';
import type { IncidentService } from './incident-service.js';
import { dispatch, type RetryPolicy } from './notification-dispatcher.js';
import type { Notifier } from './notifier.js';
import { PUBLIC_STATUS, type PublicIncident, publicIncident } from './status-page.js';
import type { StatusSubscriber, StatusSubscriberRepository } from './status-subscriber.js';

/** Templates of subscriber mail: public words only (the fields below), never the team's. */
export interface SubscriberTemplates {
  email_subject: string;
  email_body: string;
  resolved_email_subject: string;
  resolved_email_body: string;
}

const UPDATE_TEMPLATES: SubscriberTemplates = {
  email_subject: '[{{service}}] {{title}}: {{status}}',
  email_body: '{{body}}\n\nFollow it on {{page}}\n\nUnsubscribe (one click): {{unsubscribe}}',
  resolved_email_subject: '[{{service}}] Resolved: {{title}}',
  resolved_email_body: '{{body}}\n\n{{page}}\n\nUnsubscribe (one click): {{unsubscribe}}',
};

const CONFIRM_TEMPLATES: SubscriberTemplates = {
  email_subject: 'Confirm your subscription to {{service}} status updates',
  email_body: 'Someone (hopefully you) asked to get {{service}} status updates at this address.\n\nConfirm: {{confirm}}\n\nIf it was not you, ignore this mail: nothing will be sent.',
  resolved_email_subject: '',
  resolved_email_body: '',
};

/** How the composition root turns a subscriber into one of the existing notifiers. */
export interface SubscriberChannels {
  email?: ((to: string, templates: SubscriberTemplates) => Notifier) | undefined;
  webhook: (url: string, secret: string) => Notifier;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Status page subscriptions: subscribe by email (double opt-in: a confirmation link, nothing sent before)
 * or webhook (signed payloads; the secret is shown once), per component if wanted; one-click unsubscribe.
 * Each public incident update goes to the active subscribers through the existing notifiers, retried, and
 * every delivery is written on the incident's timeline. What is sent is the public incident only.
 */
export class StatusSubscriptions {
  constructor(
    private readonly repo: StatusSubscriberRepository,
    private readonly incidents: IncidentService,
    private readonly channels: SubscriberChannels,
    private readonly clock: Clock,
    private readonly page: { service: string; title: string; components: string[]; publicUrl?: string | undefined; retry?: RetryPolicy | undefined },
    /** Signs the subscriber id into the confirm and unsubscribe links, so every mail can carry them. */
    private readonly linkKey: string,
  ) {}

  private tokenOf(id: string): string {
    return `${id}.${createHmac('sha256', this.linkKey).update(`status-subscriber:${id}`).digest('hex')}`;
  }

  attach(): void {
    this.incidents.observe((incident, previous) => this.onChange(incident, previous));
  }

  private link(path: string, token: string): string {
    return `${this.page.publicUrl?.replace(/\/$/, '') ?? ''}/status/${path}?token=${token}`;
  }

  async subscribe(input: { email?: string | undefined; webhook?: string | undefined; components?: string[] | undefined }): Promise<{ subscriber: StatusSubscriber; secret?: string | undefined }> {
    const unknown = (input.components ?? []).filter((c) => !this.page.components.includes(c));
    if (unknown.length) throw new RipcordError('invalid_input', `components: ${unknown.join(', ')} not on this status page (its components: ${this.page.components.join(', ')})`, [{ path: 'body.components', message: 'unknown component' }]);
    if (!input.email === !input.webhook) throw new RipcordError('invalid_input', 'give either email or webhook', [{ path: 'body', message: 'give either email or webhook' }]);
    if (!this.page.publicUrl) throw new RipcordError('unavailable', 'subscriptions need incidents.public_url in ripcord.yaml (the links in confirmation and unsubscribe mail point there)');
    const email = this.channels.email;
    if (input.email && !email) throw new RipcordError('unavailable', 'email subscriptions need incidents.email (an SMTP server) in ripcord.yaml');
    const now = this.clock.now().toISOString();
    const secret = input.webhook ? randomBytes(24).toString('hex') : undefined;
    const subscriber: StatusSubscriber = {
      id: newId('sub', this.clock.now()),
      service: this.page.service,
      kind: input.email ? 'email' : 'webhook',
      target: (input.email ?? input.webhook) as string,
      components: input.components ?? [],
      secret,
      createdAt: now,
      confirmedAt: input.webhook ? now : undefined,
    };
    const token = this.tokenOf(subscriber.id);
    await this.repo.insert(subscriber, hash(token));
    if (input.email && email) {
      // Double opt-in: the only mail before confirmation is the one that asks for it.
      const message = this.message(undefined, { service: this.page.title, confirm: this.link('subscribe/confirm', token) });
      const notifier = email(input.email, CONFIRM_TEMPLATES);
      const [result] = await dispatch([notifier], message, this.page.retry);
      (notifier as Notifier & { close?: () => void }).close?.();
      if (!result?.ok) throw new RipcordError('unavailable', `the confirmation mail could not be sent (${result?.error ?? 'no result'}); the subscription stays unconfirmed: try again later`);
    }
    return { subscriber, secret };
  }

  async confirm(token: string): Promise<StatusSubscriber> {
    const subscriber = await this.find(token);
    await this.repo.confirm(subscriber.id, this.clock.now().toISOString());
    return { ...subscriber, confirmedAt: subscriber.confirmedAt ?? this.clock.now().toISOString() };
  }

  async unsubscribe(token: string): Promise<StatusSubscriber> {
    const subscriber = await this.find(token);
    await this.repo.unsubscribe(subscriber.id, this.clock.now().toISOString());
    return { ...subscriber, unsubscribedAt: subscriber.unsubscribedAt ?? this.clock.now().toISOString() };
  }

  private async find(token: string): Promise<StatusSubscriber> {
    const [id = ''] = token.split('.');
    const expected = Buffer.from(this.tokenOf(id));
    const given = Buffer.from(token);
    const signed = expected.length === given.length && timingSafeEqual(expected, given);
    const subscriber = signed ? await this.repo.byTokenHash(hash(token)) : undefined;
    if (!subscriber) throw new RipcordError('not_found', 'this link is not valid (it may be mistyped, or the subscription removed)');
    return subscriber;
  }

  /** A new public update (opened, or the public status moved): tell the subscribers of its components. */
  async onChange(incident: Incident, previous: IncidentStatus | undefined): Promise<void> {
    if (incident.service !== this.page.service) return;
    if (previous !== undefined && PUBLIC_STATUS[previous] === PUBLIC_STATUS[incident.status]) return;
    const components = incident.affected.filter((a) => this.page.components.includes(a));
    const shown = publicIncident(incident, components.length ? components : this.page.components);
    const subscribers = (await this.repo.active(this.page.service)).filter((s) => s.components.length === 0 || s.components.some((c) => shown.components.includes(c)));
    if (subscribers.length === 0) return;
    const results = [];
    for (const s of subscribers) {
      const fields = { ...this.fields(shown), unsubscribe: this.link('unsubscribe', this.tokenOf(s.id)) };
      const notifier = s.kind === 'email' && this.channels.email ? this.channels.email(s.target, UPDATE_TEMPLATES) : s.kind === 'webhook' && s.secret ? this.channels.webhook(s.target, s.secret) : undefined;
      if (!notifier) continue;
      results.push(...(await dispatch([notifier], this.message(shown, fields), this.page.retry)));
      (notifier as Notifier & { close?: () => void }).close?.();
    }
    await this.incidents.recordDeliveries(incident.id, `status page update to ${results.length} subscriber(s) (${shown.status})`, results);
  }

  private fields(shown: PublicIncident): Record<string, string> {
    return { service: this.page.title, title: shown.name, status: shown.status, body: shown.updates[0]?.body ?? '', page: `${this.page.publicUrl ?? ''}/status`, components: shown.components.join(', ') };
  }

  /**
   * A message for the existing notifiers that carries the public incident only: public name, public status,
   * public components; no release, people, notes, numbers or environment.
   */
  private message(shown: PublicIncident | undefined, fields: Record<string, string>): IncidentMessage {
    const incident: Incident = {
      id: shown?.id ?? 'status-page',
      service: this.page.title,
      environment: 'public',
      title: shown?.name ?? this.page.title,
      severity: shown?.impact === 'critical' ? 'P0' : shown?.impact === 'major' ? 'P1' : 'P2',
      status: shown?.status === 'resolved' ? 'resolved' : 'detected',
      affected: shown?.components ?? [],
      impact: {},
      milestones: shown ? { detected: shown.startedAt, ...(shown.resolvedAt ? { resolved: shown.resolvedAt } : {}) } : {},
      timeline: [],
      checklist: [],
      actionItems: [],
      rollbacks: [],
    };
    return { kind: shown?.status === 'resolved' ? 'resolved' : 'update', incident, fields };
  }
}
