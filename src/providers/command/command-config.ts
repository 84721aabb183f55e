import { z } from 'zod';
import { durationField } from '../../config/schema/fields.js';

/** `provider: { kind: command, deploy, rollback?, cwd?, env?, timeout? }` (timeout already in ms). */
export const commandConfigSchema = z.strictObject({
  kind: z.literal('command'),
  deploy: z.string().min(1),
  rollback: z.string().min(1).optional(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  timeout: durationField.optional(),
});
export type CommandConfig = z.output<typeof commandConfigSchema>;

/** A `{command: …}` step's settings: a string, or `{run, cwd?, env?}`. */
export interface CommandStepParams {
  command: string | { run: string; cwd?: string | undefined; env?: Record<string, string> | undefined };
  timeout?: number | undefined;
}

/** Without a configured timeout a command may run this long before it is killed. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
