import { z } from 'zod';
import { providerDefinitions } from '../../providers/provider-kinds.js';

/**
 * `provider: { kind, … }`: composed from each provider's own schema (src/providers/<kind>/<kind>-config.ts),
 * in the order of the one kinds list, so validation accepts exactly the kinds ripcord can build.
 */
type Definition = (typeof providerDefinitions)[number];
export type ProviderKind = Definition['kind'];
export const PROVIDER_KINDS = providerDefinitions.map((definition) => definition.kind) as ProviderKind[];

const schemas = providerDefinitions.map((definition) => definition.schema) as unknown as [Definition['schema'], ...Definition['schema'][]];

export const providerSchema = z.discriminatedUnion('kind', schemas, {
  error: `expected provider.kind to be one of the kinds ripcord can act through: ${PROVIDER_KINDS.join(', ')}`,
});

export type ProviderConfig = z.output<typeof providerSchema>;
