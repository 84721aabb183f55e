import { starterConfig } from '../config/starter-config.js';
import { RipcordError } from '../core/errors.js';
import { providerDefinitions } from './provider-kinds.js';

/** The kinds `ripcord init --platform` can write a starter for: those whose definition has one. */
export function starterPlatforms(): string[] {
  return providerDefinitions.filter((definition) => 'starter' in definition && definition.starter).map((definition) => definition.kind);
}

const PROVIDER_LINE = /^ {4}# How ripcord acts on this environment\..*\n {4}provider: .*\n/m;

/**
 * `ripcord init --platform <kind>`: the seeds' starter plan with the platform's `provider:` line (and
 * a comment saying what `previous_release` does there), taken from the provider's own definition.
 */
export function platformStarterConfig(kind: string, service: string): string {
  const definition = providerDefinitions.find((d) => d.kind === kind);
  const starter = definition && 'starter' in definition ? definition.starter : undefined;
  if (!starter) throw new RipcordError('usage', `ripcord init --platform: no starter for "${kind}" (platforms: ${starterPlatforms().join(', ')})`);
  const base = starterConfig(service);
  if (!PROVIDER_LINE.test(base)) throw new RipcordError('internal', 'the starter config has no provider line to replace');
  const lines = [...starter.comment.map((c) => `    # ${c}`), '    # Secrets come from the environment: ${VAR}.', `    provider: ${starter.provider}`];
  return base.replace(PROVIDER_LINE, `${lines.join('\n')}\n`);
}
