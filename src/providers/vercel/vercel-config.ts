import { z } from 'zod';
import { durationField, urlField } from '../../config/schema/fields.js';

/**
 * `provider: { kind: vercel, project, token, team?, domain?, plan?, wait?, poll?, api? }`.
 * `project` is the project id or name; `team` the team id (`team_…`) or slug the project belongs to;
 * `domain` the production domain a `{traffic: …}` step aliases (seed 003's blue-green);
 * `api` replaces https://api.vercel.com (the SDK's `serverURL`), for a proxy or the local fake.
 */
export const vercelConfigSchema = z.strictObject({
  kind: z.literal('vercel'),
  project: z.string().min(1),
  token: z.string().min(1),
  team: z.string().min(1).optional(),
  domain: z.string().min(1).optional(),
  /** Hobby projects can only roll back to the previous production deployment: said before acting. */
  plan: z.enum(['hobby', 'pro', 'enterprise']).optional(),
  /** How long a rollback or promote may take from "accepted" to "current" (default 5m). */
  wait: durationField.optional(),
  /** How often the project is read while waiting (default 2s). */
  poll: durationField.optional(),
  api: urlField.optional(),
});
export type VercelConfig = z.output<typeof vercelConfigSchema>;

export const VERCEL_API_URL = 'https://api.vercel.com';
export const DEFAULT_VERCEL_WAIT_MS = 5 * 60_000;
export const DEFAULT_VERCEL_POLL_MS = 2_000;
