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
  const listener = new pg.Client({ connectionString: databaseUrl });
  const sender = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  sender.on('error', report);
  listener.on('error', report);
  await listener.connect();
  listener.on('notification', (message) => {
    if (message.channel !== CHANNEL || !message.payload) return;
    try {
      const payload = JSON.parse(message.payload) as { origin: string; id: string };
      if (payload.origin !== origin) onRemoteChange(payload.id);
    } catch (error) {
      report(error);
    }
  });
  await listener.query(`LISTEN ${CHANNEL}`);
  return {
    async notify(change: FlagChange) {
      await sender.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ origin, id: change.id })]);
    },
    async close() {
      closing = true;
      await listener.end().catch(() => undefined);
      await sender.end().catch(() => undefined);
    },
  };
}
