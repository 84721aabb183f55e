import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR } from '../store/open-store.js';

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
