import { z } from 'zod';
import { durationField } from './fields.js';

export const POLICY_ACTIONS = ['rollback', 'rollback_after_approval', 'kill_switch', 'fix_forward'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

const policyEntrySchema = z.strictObject({
  action: z.enum(POLICY_ACTIONS, { error: `expected one of: ${POLICY_ACTIONS.join(', ')}` }),
  /** Deadline to act by; `next_deploy` for P3's "fix forward in the next deployment". */
  within: z.union([durationField, z.literal('next_deploy')]).optional(),
  /** Who must approve before the action runs (the seeds: "Team lead approval" for High). */
  approval: z.string().min(1).optional(),
});

/** The decision matrix, severity → action and deadline. Missing rows come from the seeds' defaults. */
export const policySchema = z.strictObject({
  P0: policyEntrySchema.optional(),
  P1: policyEntrySchema.optional(),
  P2: policyEntrySchema.optional(),
  P3: policyEntrySchema.optional(),
});

export type PolicyEntry = z.output<typeof policyEntrySchema>;
