import type { Command } from 'commander';
import { RipcordError } from '../../core/errors.js';
import { print, printJson } from '../output.js';

/** store/signing-keys.ts's KEYS_DOC, spelled out so that `--help` does not load the store (ADR 0003). */
const KEYS_DOC = 'docs/configuration.md#keys-and-secrets';

interface RotateOptions {
  newKeyFile?: string;
  secretKeyFile?: string;
  dataDir?: string;
  database?: string;
  json?: boolean;
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('the secret key that seals the signing keys in the store');
  keys
    .command('rotate')
    .description('re-seal every signing key in the store under a new secret key (made in --new-key-file if that file does not exist)')
    .requiredOption('--new-key-file <file>', 'the new secret key; made (0600) when missing')
    .option('--secret-key-file <file>', 'the current key file (default: RIPCORD_SECRET_KEY, else RIPCORD_SECRET_KEY_FILE, else ~/.config/ripcord/secret.key)')
    .option('--data-dir <dir>', 'the SQLite store directory (default ./.ripcord)')
    .option('--database <url>', 'the store on PostgreSQL (env RIPCORD_DATABASE_URL)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\nExample:\n  ripcord keys rotate --new-key-file /etc/ripcord/secret.key.new\nThen restart every server with the new key (see ${KEYS_DOC}).`)
    .action(async (options: RotateOptions) => {
      const [{ openStore }, { loadSecretKey }, { resealSigningKeys }] = await Promise.all([import('../../store/open-store.js'), import('../../store/secret-key.js'), import('../../store/signing-keys.js')]);
      // The current key must exist: making one now would only prove nothing opens with it.
      const current = loadSecretKey({ env: options.secretKeyFile ? {} : process.env, file: options.secretKeyFile, create: false });
      const next = loadSecretKey({ env: {}, file: options.newKeyFile });
      if (next.key.id === current.key.id) throw new RipcordError('usage', `--new-key-file ${options.newKeyFile} holds the current key (${current.key.id}); give a file that does not exist yet, and ripcord makes a new key in it`);
      const store = await openStore({ databaseUrl: options.database ?? process.env.RIPCORD_DATABASE_URL, dataDir: options.dataDir });
      try {
        const result = await resealSigningKeys(store.db, current.key, next.key);
        const newKeyFile = next.key.source;
        if (options.json) {
          printJson({ store: store.location, from: current.key.id, to: next.key.id, newKeyFile, created: next.generated !== undefined, ...result });
          return;
        }
        print(`${store.location}: ${result.resealed.length} signing key${result.resealed.length === 1 ? '' : 's'} re-sealed under secret key ${next.key.id} (was ${current.key.id})${result.alreadyUnderNewKey.length ? `; ${result.alreadyUnderNewKey.length} already were` : ''}`);
        if (next.generated) print(`new key made at ${newKeyFile} (0600)`);
        print(`next: restart every server that shares this store with the new key (RIPCORD_SECRET_KEY_FILE=${newKeyFile}, or move it to where the old one was).`);
        print('Servers already running keep working until then; one started with the old key refuses to start and names both keys. Ack links and stream URLs already sent keep working.');
      } finally {
        await store.close();
      }
    });
}
