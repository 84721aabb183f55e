import type { ProviderConfig, ProviderKind } from '../config/schema/provider-schema.js';
import { RipcordError } from '../core/errors.js';
import type { Provider, ProviderCapabilities } from './provider.js';
import type { ProviderDefinition } from './provider-definition.js';
import type { ProviderDeps } from './provider-deps.js';
import { providerDefinitions } from './provider-kinds.js';

const byKind = new Map<string, ProviderDefinition>(providerDefinitions.map((definition) => [definition.kind, definition as unknown as ProviderDefinition]));

/** Every kind ripcord can build, in the order of the kinds list. */
export function providerKinds(): ProviderKind[] {
  return providerDefinitions.map((definition) => definition.kind);
}

export function providerDefinition(kind: string): ProviderDefinition | undefined {
  return byKind.get(kind);
}

/** What the environment's `provider:` can do (nothing, without one): read by the plan builder and `ripcord release`. */
export function capabilitiesFor(config: Pick<ProviderConfig, 'kind'> | undefined): ProviderCapabilities {
  return (config && byKind.get(config.kind)?.capabilities) ?? {};
}

/** The kinds that declare a capability, for error messages ("kinds that can deploy: …"). */
export function kindsWith(capability: keyof ProviderCapabilities): string[] {
  return providerDefinitions.filter((definition) => (definition.capabilities as ProviderCapabilities)[capability]).map((definition) => definition.kind);
}

export function createProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  const definition = byKind.get(config.kind);
  // Validation refuses unknown kinds already; this guards configs built in code.
  if (!definition) {
    throw new RipcordError('invalid_input', `ripcord cannot act through a "${config.kind}" provider (kinds it can: ${providerKinds().join(', ')})`, [
      { path: 'provider.kind', message: `no provider implementation for ${config.kind}` },
    ]);
  }
  return definition.create(config as never, deps);
}
