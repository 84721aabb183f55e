import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RipcordError } from '../core/errors.js';
import { DEFAULT_DATA_DIR } from '../store/open-store.js';
import { ApiClient } from './api-client.js';

export interface CliDefaults {
  server?: string | undefined;
  token?: string | undefined;
  environment?: string | undefined;
}

/**
 * `.ripcord/cli-defaults.json`, written by the quickstart (`npm start`) so `ripcord release 2.0.0`
 * finds its local server without flags. Flags and RIPCORD_SERVER/RIPCORD_TOKEN always win.
 */
export function cliDefaults(dataDir = DEFAULT_DATA_DIR): CliDefaults {
  const file = join(dataDir, 'cli-defaults.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CliDefaults;
  } catch {
    return {};
  }
}

/**
 * The server of a command that only works through one (incidents, decisions): --server, then
 * RIPCORD_SERVER, then the quickstart's defaults; the token likewise. `why` finishes the error.
 */
export function serverClient(options: { server?: string | undefined; token?: string | undefined }, why: string): ApiClient {
  const defaults = cliDefaults();
  const server = options.server ?? (process.env.RIPCORD_SERVER || defaults.server);
  if (!server) throw new RipcordError('usage', `${why}: pass --server <url> (or set RIPCORD_SERVER) and --token`);
  return new ApiClient(server, options.token ?? (process.env.RIPCORD_TOKEN || defaults.token));
}
