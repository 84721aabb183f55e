import { z } from 'zod';

/**
 * One flag in flagd's flag-definition format (https://flagd.dev/reference/flag-definitions/):
 * state, variants, defaultVariant, optional JsonLogic targeting (incl. fractional), metadata.
 * Evaluation itself is flagd-core's; this schema only refuses what flagd-core could never evaluate.
 */
export const flagDefinitionSchema = z
  .strictObject({
    state: z.enum(['ENABLED', 'DISABLED']),
    variants: z.record(z.string(), z.union([z.boolean(), z.string(), z.number(), z.record(z.string(), z.unknown()), z.array(z.unknown())])),
    defaultVariant: z.string().min(1),
    targeting: z.record(z.string(), z.unknown()).optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .refine((flag) => flag.defaultVariant in flag.variants, { error: 'defaultVariant must name one of the variants', path: ['defaultVariant'] });

export type FlagDefinition = z.output<typeof flagDefinitionSchema>;

export const flagKeyField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { error: 'expected a flag key of letters, digits, dot, dash or underscore' });

/** A flag as stored: its definition and version, for one service and environment. */
export interface FlagRecord {
  service: string;
  environment: string;
  key: string;
  definition: FlagDefinition;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

export interface FlagChange {
  id: string;
  service: string;
  environment: string;
  key: string;
  version: number;
  definition: FlagDefinition;
  actor: string;
  reason?: string | undefined;
  at: string;
}
