import type { Kysely } from 'kysely';
import type { RipcordConfig } from './config/ripcord-config.js';
import type { Clock } from './core/clock.js';
import { registerSecret } from './core/secrets.js';
import { EmailNotifier } from './notify/email-notifier.js';
import { WebhookNotifier } from './notify/webhook-notifier.js';
import type { Database } from './store/schema.js';
import { KyselyStatusSubscriberRepository } from './store/kysely-status-subscriber-repository.js';
import type { IncidentService } from './incidents/incident-service.js';
import { StatusSubscriptions } from './incidents/status-subscriptions.js';

/** Status page subscriptions from ripcord.yaml: `incidents.public_url` for links, `incidents.email` for mail. */
export function statusSubscriptionsFor(
  config: RipcordConfig,
  db: Kysely<Database>,
  incidents: IncidentService,
  clock: Clock,
  linkKey: string,
  retry?: { attempts: number; baseDelayMs: number } | undefined,
): StatusSubscriptions {
  const smtp = config.incidents?.email?.smtp;
  if (smtp) registerSecret(smtp);
  const from = config.incidents?.email?.from ?? 'ripcord@localhost';
  return new StatusSubscriptions(
    new KyselyStatusSubscriberRepository(db),
    incidents,
    {
      email: smtp ? (to, templates) => new EmailNotifier(smtp, [to], from, templates) : undefined,
      webhook: (url, secret) => new WebhookNotifier(url, secret, { now: () => clock.now() }),
    },
    clock,
    {
      service: config.service,
      title: config.incidents?.status_page?.title ?? config.service,
      components: config.incidents?.status_page?.components ?? [config.service],
      publicUrl: config.incidents?.public_url,
      retry,
    },
    linkKey,
  );
}
