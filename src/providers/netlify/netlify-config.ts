import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';

/**
 * `provider: { kind: netlify, site, token, lock?, wait?, poll?, api? }`. `site` is the site id (or
 * `name.netlify.app`); `lock` (default true) locks auto-publishing after a rollback so the next git
 * push does not publish the bad commit again; `api` replaces https://api.netlify.com/api/v1
 * (the client's scheme, host and pathPrefix), for a proxy or the local fake.
 */
export const netlifyConfigSchema = z.strictObject({
  kind: z.literal('netlify'),
  site: z.string().min(1),
  token: z.string().min(1),
  lock: z.boolean().optional(),
  wait: durationField.optional(),
  poll: durationField.optional(),
  api: urlField.optional(),
});
export type NetlifyConfig = z.output<typeof netlifyConfigSchema>;

export const NETLIFY_API_URL = 'https://api.netlify.com/api/v1';
export const DEFAULT_NETLIFY_WAIT_MS = 5 * 60_000;
export const DEFAULT_NETLIFY_POLL_MS = 2_000;
