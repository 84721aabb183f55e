import { z } from 'zod';

/** Flag and flag-set metadata: OFREP and flagd's schema allow only strings, numbers and booleans. */
export const flagMetadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type FlagMetadata = z.output<typeof flagMetadataSchema>;

/**
 * One flag in flagd's flag-definition format (https://flagd.dev/reference/flag-definitions/):
 * state, variants, defaultVariant (a variant's name, or null / missing: the caller's default applies),
 * optional JsonLogic targeting (incl. fractional, `$ref` to the set's `$evaluators`), metadata.
 * Evaluation itself is flagd-core's: this schema only names what flagd-core would throw on, and
 * flag-validation.ts asks flagd-core whether the targeting compiles. Keys ripcord does not know are
 * kept as written (flagd-core ignores them), never dropped.
 */
export const flagDefinitionSchema = z
  .looseObject({
    state: z.enum(['ENABLED', 'DISABLED']),
    variants: z.record(z.string(), z.unknown()),
    defaultVariant: z.string().nullable().optional(),
    targeting: z.unknown().optional(),
    metadata: flagMetadataSchema.optional(),
  })
  // flagd-core treats "" as no default variant; any other name must be a variant.
  .refine((flag) => !flag.defaultVariant || Object.hasOwn(flag.variants, flag.defaultVariant), {
    error: 'defaultVariant must name one of the variants (or be null for the caller’s default)',
    path: ['defaultVariant'],
  });

export type FlagDefinition = z.output<typeof flagDefinitionSchema>;

/** The part of a flagd document shared by all its flags: `$evaluators` (for `$ref`) and the set's `metadata`. */
export const flagSetSchema = z.strictObject({
  evaluators: z.record(z.string().min(1), z.unknown()),
  metadata: flagMetadataSchema,
});
export type FlagSet = z.output<typeof flagSetSchema>;
export const EMPTY_FLAG_SET: FlagSet = Object.freeze({ evaluators: {}, metadata: {} }) as FlagSet;

/** A flag set as stored for one service and environment. Version 0: never written. */
export interface FlagSetRecord extends FlagSet {
  service: string;
  environment: string;
  version: number;
  updatedAt?: string | undefined;
  updatedBy?: string | undefined;
}

/**
 * The metadata key ripcord adds to every evaluation: the flag's version in ripcord's store. A user's own
 * key of that name wins (their metadata passes through unchanged); see docs/flags.md.
 */
export const RIPCORD_VERSION_KEY = 'ripcord.version';

/**
 * flagd allows any non-empty key; ripcord keys also travel in URL paths and CLI arguments, so they are
 * limited to printable characters without `/`, `?`, `#`, `%` or spaces, and may not start with `$`
 * (flagd's own `$evaluators`, `$ref`).
 */
export const flagKeyField = z.string().regex(/^[^\s/?#%$\p{Cc}][^\s/?#%\p{Cc}]{0,255}$/u, {
  error: 'expected a flag key of up to 256 printable characters without spaces, "/", "?", "#" or "%", not starting with "$"',
});

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

/** An environment's flags when a release was recorded: each flag's version, and the flag set's. */
export interface ReleaseFlagSnapshot {
  releaseId: string;
  service: string;
  environment: string;
  flags: Record<string, number>;
  setVersion: number;
  takenAt: string;
}
