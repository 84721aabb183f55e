import { existsSync } from 'node:fs';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { RipcordError } from '../core/errors.js';

/**
 * The config named by --config, or ./ripcord.yaml when it exists; undefined when neither. The loader
 * (YAML, schema) is imported only here, when a command needs the config.
 */
export async function optionalConfig(file: string | undefined): Promise<RipcordConfig | undefined> {
  if (!file && !existsSync('ripcord.yaml')) return undefined;
  const { requireConfig } = await import('../config/load-config.js');
  return requireConfig(file ?? 'ripcord.yaml');
}

/** `--service` or the config's service; a usage error naming both ways when neither is there. */
export function requireService(given: string | undefined, config: RipcordConfig | undefined): string {
  const service = given ?? config?.service;
  if (!service) throw new RipcordError('usage', '--service is required (or run next to a ripcord.yaml that names the service)');
  return service;
}
