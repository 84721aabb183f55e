import type { ProviderConfig } from '../../config/schema/provider-schema.js';

/** `provider: { kind: router, listen: 127.0.0.1:8080, upstreams: { "1.0.0": http://127.0.0.1:5001 }, drain: 10s }` */
export type RouterConfig = Extract<ProviderConfig, { kind: 'router' }>;

/** How long a switch waits for requests in flight on the old upstream to finish, by default. */
export const DEFAULT_DRAIN_MS = 10_000;

/** How many health probes of the target must pass before a traffic switch, by default. */
export const DEFAULT_HEALTH_PROBES = 3;
