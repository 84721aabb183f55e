import type { z } from 'zod';
import type { Provider, ProviderCapabilities } from './provider.js';
import type { ProviderDeps } from './provider-deps.js';

/** A `provider: { kind, … }` schema: a strict object whose `kind` is one literal. */
export type ProviderSchema<K extends string = string> = z.ZodObject<{ kind: z.ZodLiteral<K> } & z.ZodRawShape>;

/**
 * Everything ripcord needs to know about one `provider:` kind, declared in the provider's own folder:
 * its config schema (composed by config/ into `ripcord.yaml`'s schema), what it can do, and how it is
 * built. `provider-kinds.ts` lists them; nothing else names a kind.
 */
export interface ProviderDefinition<K extends string = string, S extends ProviderSchema<K> = ProviderSchema<K>> {
  kind: K;
  schema: S;
  capabilities: ProviderCapabilities;
  /** One line for `ripcord init --platform` and the docs: what this kind acts on. */
  summary: string;
  /** For `ripcord init --platform <kind>`: the `provider:` line of a starter plan and a comment above it. */
  starter?: { provider: string; comment: string[] } | undefined;
  create(config: z.output<S>, deps: ProviderDeps): Provider;
}

/** Keeps the kind literal and the schema's output type, so `create` gets its own config type. */
export function defineProvider<const K extends string, S extends ProviderSchema<K>>(definition: ProviderDefinition<K, S>): ProviderDefinition<K, S> {
  return definition;
}
