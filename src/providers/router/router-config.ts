import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';

/** `provider: { kind: router, listen: 127.0.0.1:8080, upstreams: { "1.0.0": http://127.0.0.1:5001 }, drain: 10s }` */
export const routerConfigSchema = z.strictObject({
  kind: z.literal('router'),
  listen: z.string().regex(/^[\w.-]*:\d+$/, { error: 'expected host:port like 127.0.0.1:8080' }),
  upstreams: z.record(z.string(), urlField).optional(),
  drain: durationField.optional(),
});
export type RouterConfig = z.output<typeof routerConfigSchema>;

/** How long a switch waits for requests in flight on the old upstream to finish, by default. */
export const DEFAULT_DRAIN_MS = 10_000;
