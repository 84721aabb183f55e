import { z } from 'zod';

/** `provider: { kind: process, command: "node app.js", cwd, env, port: 9000, health: /health }` */
export const processConfigSchema = z.strictObject({
  kind: z.literal('process'),
  command: z.string().min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  health: z.string().optional(),
});
export type ProcessConfig = z.output<typeof processConfigSchema>;

/** How long a started version has to answer its health URL. */
export const HEALTH_TIMEOUT_MS = 30_000;
