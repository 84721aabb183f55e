import type { RipcordConfig } from './config/ripcord-config.js';
import { registerSecret } from './core/secrets.js';
import { EmailNotifier } from './notify/email-notifier.js';
import { SlackNotifier } from './notify/slack-notifier.js';
import { WebhookNotifier } from './notify/webhook-notifier.js';
import { ackUrl } from './incidents/ack-link.js';
import type { CommunicationSetup } from './incidents/incident-communicator.js';
import type { Incident } from './incidents/incident.js';
import type { Notifier } from './incidents/notifier.js';

const FIVE_MINUTES = 5 * 60_000;
/** A signed acknowledgement link is good for a day: long enough for any escalation, short enough to expire. */
const ACK_LINK_LIFETIME_MS = 24 * 60 * 60_000;
const DEFAULT_FROM = 'ripcord@localhost';

export interface ChannelOptions {
  retry?: { attempts: number; baseDelayMs: number } | undefined;
  /** The key signed acknowledgement links are made with; links need `incidents.public_url` too. */
  ackSecret?: string | undefined;
  now?: () => Date;
}

/** The SMTP URL's password is a secret: register it (and the URL) so logs and errors never show it. */
function smtpUrl(url: string): string {
  registerSecret(url);
  try {
    registerSecret(decodeURIComponent(new URL(url).password));
  } catch {
    // Not a URL: nodemailer reports it when it first sends, and the timeline records the failure.
  }
  return url;
}

/**
 * Part of the composition root (app.ts): incidents/ knows only the Notifier seam, notify/ the platforms;
 * this is the one place that picks a notifier per `notify:` entry. Builds the notifiers of every environment's `notify:` (Slack incoming webhooks, signed webhooks, email
 * over SMTP) and of every person in `people:` (their email and personal webhook, for pages), with the
 * templates of `incidents.templates`. `status_page` needs no notifier: the public /status reads incidents.
 */
export function channelSetup(config: RipcordConfig, options: ChannelOptions = {}): CommunicationSetup {
  const templates = config.incidents?.templates ?? {};
  const defaultSmtp = config.incidents?.email?.smtp;
  const defaultFrom = config.incidents?.email?.from ?? DEFAULT_FROM;
  const now = options.now ?? (() => new Date());
  const channels = new Map<string, Notifier[]>();
  for (const [name, env] of Object.entries(config.environments)) {
    const list: Notifier[] = [];
    for (const entry of env.notify ?? []) {
      if (typeof entry === 'string') continue;
      if ('slack' in entry) {
        const url = typeof entry.slack === 'string' ? entry.slack : entry.slack.webhook;
        registerSecret(url);
        list.push(new SlackNotifier(url, { channel: typeof entry.slack === 'string' ? undefined : entry.slack.channel, template: templates.slack }));
      } else if ('webhook' in entry) {
        const url = typeof entry.webhook === 'string' ? entry.webhook : entry.webhook.url;
        const secret = typeof entry.webhook === 'string' ? undefined : entry.webhook.secret;
        registerSecret(secret);
        list.push(new WebhookNotifier(url, secret));
      } else if ('email' in entry) {
        // Validation guarantees an SMTP server here or in `incidents.email.smtp`.
        const smtp = entry.email.smtp ?? defaultSmtp;
        if (smtp) list.push(new EmailNotifier(smtpUrl(smtp), entry.email.to, entry.email.from ?? defaultFrom, templates));
      }
    }
    channels.set(name, list);
  }

  const personal = new Map<string, Notifier[]>();
  for (const [key, person] of Object.entries(config.people ?? {})) {
    const list: Notifier[] = [];
    if (person.email && defaultSmtp) list.push(new EmailNotifier(smtpUrl(defaultSmtp), [person.email], defaultFrom, templates));
    if (person.webhook) list.push(new WebhookNotifier(person.webhook, undefined));
    personal.set(key, list);
  }

  const publicUrl = config.incidents?.public_url;
  return {
    channels: (incident: Incident) => channels.get(incident.environment) ?? [],
    personNotifiers: (person) => personal.get(person) ?? [],
    handle: (person) => `@${(config.people?.[person]?.slack ?? person).replace(/^@/, '')}`,
    ackLink: (incident, person) =>
      publicUrl && options.ackSecret ? ackUrl(publicUrl, options.ackSecret, incident.id, person, new Date(now().getTime() + ACK_LINK_LIFETIME_MS)) : undefined,
    people: Object.fromEntries(Object.entries(config.people ?? {}).map(([key, person]) => [key, { slack: person.slack, name: person.name }])),
    updateEveryMs: config.incidents?.update_every ?? FIVE_MINUTES,
    retry: options.retry ?? { attempts: 3, baseDelayMs: 500 },
  };
}
