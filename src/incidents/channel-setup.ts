import type { RipcordConfig } from '../config/ripcord-config.js';
import { registerSecret } from '../core/secrets.js';
import { SlackNotifier } from '../notify/slack-notifier.js';
import { WebhookNotifier } from '../notify/webhook-notifier.js';
import type { CommunicationSetup } from './incident-communicator.js';
import type { Incident } from './incident.js';
import type { Notifier } from './notifier.js';

const FIVE_MINUTES = 5 * 60_000;

/**
 * The environment's `notify:` channels that are wired today: Slack incoming webhooks and signed
 * webhooks. (Email and personal pages come with escalation; `status_page` is the public /status.)
 */
export function channelSetup(config: RipcordConfig, retry = { attempts: 3, baseDelayMs: 500 }): CommunicationSetup {
  const channels = new Map<string, Notifier[]>();
  for (const [name, env] of Object.entries(config.environments)) {
    const list: Notifier[] = [];
    for (const entry of env.notify ?? []) {
      if (typeof entry === 'string') continue;
      if ('slack' in entry) {
        const url = typeof entry.slack === 'string' ? entry.slack : entry.slack.webhook;
        registerSecret(url);
        list.push(new SlackNotifier(url, { channel: typeof entry.slack === 'string' ? undefined : entry.slack.channel }));
      } else if ('webhook' in entry) {
        const url = typeof entry.webhook === 'string' ? entry.webhook : entry.webhook.url;
        const secret = typeof entry.webhook === 'string' ? undefined : entry.webhook.secret;
        registerSecret(secret);
        list.push(new WebhookNotifier(url, secret));
      }
    }
    channels.set(name, list);
  }
  return {
    channels: (incident: Incident) => channels.get(incident.environment) ?? [],
    personNotifiers: () => [],
    handle: (person) => `@${config.people?.[person]?.slack ?? person}`,
    ackLink: () => undefined,
    people: Object.fromEntries(Object.entries(config.people ?? {}).map(([key, person]) => [key, { slack: person.slack, name: person.name }])),
    updateEveryMs: config.incidents?.update_every ?? FIVE_MINUTES,
    retry,
  };
}
