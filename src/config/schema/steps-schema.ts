import { z } from 'zod';
import { durationField, quantityField } from './fields.js';

/** What every step may carry: how long it may take, how often it is retried, what runs if it fails. */
const stepOptions = {
  timeout: durationField.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  /** Human label for plans and timelines. */
  name: z.string().min(1).optional(),
};

const commandSpec = z.union([
  z.string().min(1),
  z.strictObject({
    run: z.string().min(1),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
  }),
]);

/** Rollback steps, run in order. */
const baseRollbackSteps = [
  z.literal('previous_release'),
  z.strictObject({ ...stepOptions, previous_release: z.literal(true) }),
  z.strictObject({ ...stepOptions, flags_off: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...stepOptions, flags_set: z.record(z.string(), z.unknown()) }),
  /**
   * Flags back to what they were with the release being restored. `kill_switch: keep` (the default):
   * a flag a kill switch turned off since stays off; `restore`: it comes back as it was.
   */
  z.strictObject({
    ...stepOptions,
    flags: z.union([z.literal('restore'), z.strictObject({ restore: z.literal(true), kill_switch: z.enum(['keep', 'restore']).optional() })]),
  }),
  z.strictObject({ ...stepOptions, traffic: z.strictObject({ to: z.enum(['previous', 'stable']) }) }),
  z.strictObject({
    ...stepOptions,
    database: z.enum(['restore-if-migrated', 'down-migrations', 'restore']),
    allow_data_loss: z.boolean().optional(),
  }),
  z.strictObject({ ...stepOptions, config: z.literal('restore') }),
  z.strictObject({ ...stepOptions, command: commandSpec }),
] as const;

const rollbackStepWithoutFallback = z.union(baseRollbackSteps);

/** A step may name a fallback: "traffic switch fails → redeploy previous version". */
export const rollbackStepSchema = z.union([
  ...baseRollbackSteps,
  z.strictObject({ ...stepOptions, step: rollbackStepWithoutFallback, fallback: rollbackStepWithoutFallback }),
]);

/** Verification: what proves the service recovered (seeds: health, smoke tests, data, performance, 15 min watch). */
export const verifyStepSchema = z.union([
  z.literal('health'),
  z.strictObject({ ...stepOptions, health: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ ...stepOptions, command: commandSpec }),
  z.strictObject({
    ...stepOptions,
    sql: z.string().min(1),
    /** `>= snapshot` (no fewer rows than before the release), or a comparison with a number: `> 0`, `== 42`. */
    expect: z.string().regex(/^(>=|<=|==|>|<)\s*(snapshot|\d+(\.\d+)?)$/, {
      error: 'expected a comparison like ">= snapshot", "> 0" or "== 42"',
    }),
  }),
  z.strictObject({ ...stepOptions, budget: z.strictObject({ signal: z.string().min(1), below: quantityField }) }),
  z.strictObject({ observe: durationField }),
  /** A Lighthouse performance score of the restored release's page(s), at least `min_score` (seed 004: 70). */
  z.strictObject({ ...stepOptions, lighthouse: z.strictObject({ url: z.union([z.string().url(), z.array(z.string().url()).min(1)]), min_score: z.number().min(0).max(100) }) }),
]);

export type RollbackStepConfig = z.output<typeof rollbackStepSchema>;
export type VerifyStepConfig = z.output<typeof verifyStepSchema>;
