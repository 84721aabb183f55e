import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';

/** `provider: { kind: router, listen: 127.0.0.1:8080, upstreams: { "1.0.0": http://127.0.0.1:5001 }, drain: 10s }` */
export const routerConfigSchema = z.strictObject({
  kind: z.literal('router'),
  listen: z.string().regex(/^[\w.-]*:\d+$/, { error: 'expected host:port like 127.0.0.1:8080' }),
  upstreams: z.record(z.string(), urlField).optional(),
  drain: durationField.optional(),
  /** Path probed on the target upstream before traffic moves to it (default `/`); any answer below 500 is healthy. */
  health: z.string().regex(/^\//, { error: 'expected a path starting with /, like /health' }).optional(),
  /** Probes that must all pass before a switch (default 3; 0 turns the check off). */
  health_probes: z.number().int().min(0).max(20).optional(),
  /** The admin interface of `ripcord router` (its own process): host:port; default a port picked at first start, kept in the state folder. */
  admin: z.string().regex(/^[\w.-]*:\d+$/, { error: 'expected host:port like 127.0.0.1:8081' }).optional(),
});
export type RouterConfig = z.output<typeof routerConfigSchema>;

/** How long a switch waits for requests in flight on the old upstream to finish, by default. */
export const DEFAULT_DRAIN_MS = 10_000;

/** How many health probes of the target must pass before a traffic switch, by default. */
export const DEFAULT_HEALTH_PROBES = 3;
