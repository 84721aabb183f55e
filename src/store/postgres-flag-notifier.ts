import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FlagChangeNotifier } from '../flags/flag-change-feed.js';
import type { FlagChange } from '../flags/flag-definition.js';

const CHANNEL = 'ripcord_flag_changes';

/**
 * Flag changes across servers sharing PostgreSQL: NOTIFY after each committed change, LISTEN for the
 * others'. The payload carries only the change id (and which server sent it); receivers read the
 * change from the store, so nothing is lost to NOTIFY's 8 kB limit and no definition travels twice.
 */
export async function startPostgresFlagNotifier(databaseUrl: string, onRemoteChange: (changeId: string) => void, onError: (error: unknown) => void): Promise<FlagChangeNotifier> {
  const origin = randomBytes(8).toString('hex');
  let closing = false;
  const report = (error: unknown) => {
    // Connections ended by our own close() (or a dropped test database) are not failures.
    if (!closing) onError(error);
  };
  const sender = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  sender.on('error', report);
  let listener: pg.Client | undefined;
  let retryMs = 500;
  let timer: NodeJS.Timeout | undefined;
  const listen = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    listener = client;
    let lost = false;
    // The database went away (restart, outage): report once, then connect again with backoff.
    const reconnect = (error?: unknown) => {
      if (lost || closing) return;
      lost = true;
      if (error) report(error);
      client.end().catch(() => undefined);
      timer = setTimeout(() => {
        listen().then(
          () => {
            retryMs = 500;
          },
          (failure) => {
            report(failure);
            lost = false;
            reconnect();
          },
        );
      }, retryMs);
      timer.unref();
      retryMs = Math.min(retryMs * 2, 10_000);
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect());
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        const payload = JSON.parse(message.payload) as { origin: string; id: string };
        if (payload.origin !== origin) onRemoteChange(payload.id);
      } catch (error) {
        report(error);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
  };
  await listen();
  return {
    async notify(change: FlagChange) {
      await sender.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ origin, id: change.id })]);
    },
    async close() {
      closing = true;
      clearTimeout(timer);
      await listener?.end().catch(() => undefined);
      await sender.end().catch(() => undefined);
    },
  };
}
