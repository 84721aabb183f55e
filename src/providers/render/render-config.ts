import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';

/**
 * `provider: { kind: render, service, token, auto_deploy_off?, wait?, poll?, api? }`. `service` is the
 * service id (`srv-…`); `auto_deploy_off` (default true) turns auto-deploy off after a rollback, since
 * Render's API rollback leaves it on; `api` replaces https://api.render.com/v1 (RENDER_API_URL-style base).
 */
export const renderConfigSchema = z.strictObject({
  kind: z.literal('render'),
  service: z.string().min(1),
  token: z.string().min(1),
  auto_deploy_off: z.boolean().optional(),
  wait: durationField.optional(),
  poll: durationField.optional(),
  api: urlField.optional(),
});
export type RenderConfig = z.output<typeof renderConfigSchema>;

export const RENDER_API_URL = 'https://api.render.com/v1';
export const DEFAULT_RENDER_WAIT_MS = 15 * 60_000;
export const DEFAULT_RENDER_POLL_MS = 3_000;
