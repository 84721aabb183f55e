import { z } from 'zod';
import { flagDefinitionSchema, flagKeyField } from '../../flags/flag-definition.js';
import { slugField } from './fields.js';
import { incidentsSchema, peopleSchema } from './incidents-schema.js';
import { detectionSettingsSchema } from './detection-schema.js';
import { configFilesSchema, databaseSchema, gitSettingsSchema } from './environment-extras-schema.js';
import { escalationSchema, notifierSchema } from './notify-schema.js';
import { policySchema } from './policy-schema.js';
import { providerSchema } from './provider-schema.js';
import { signalSchema } from './signals-schema.js';
import { rollbackStepSchema, verifyStepSchema } from './steps-schema.js';
import { triggerSchema } from './triggers-schema.js';

export const environmentSchema = z.strictObject({
  provider: providerSchema.optional(),
  signals: z.record(slugField, signalSchema).optional(),
  /** Omitted: the seeds' triggers for the signals this environment has (see config/defaults.ts). */
  triggers: z.array(triggerSchema).optional(),
  /** Paging when the environment cannot be judged; see detection-schema.ts. */
  detection: detectionSettingsSchema.optional(),
  rollback: z.array(rollbackStepSchema).optional(),
  verify: z.array(verifyStepSchema).optional(),
  notify: z.array(notifierSchema).optional(),
  escalation: escalationSchema.optional(),
  /** Feature flags in flagd's format, inline (`key: definition`) or a path to a flagd JSON file; synced on start. */
  flags: z.union([z.string().min(1), z.record(flagKeyField, flagDefinitionSchema)]).optional(),
  /** The database the `backup` safeguard dumps and `{database: …}` rollback steps act on (postgres provider). */
  database: databaseSchema.optional(),
  /** Environment files the config safeguard snapshots and `{config: restore}` restores (config provider). */
  config_files: configFilesSchema.optional(),
  /** The deploy repository, for the `tag` safeguard (git provider). */
  git: gitSettingsSchema.optional(),
});

/** `ripcord.yaml`: the rollback plan of one service, as configuration. */
export const configSchema = z.strictObject({
  service: slugField,
  policy: policySchema.optional(),
  environments: z
    .record(slugField, environmentSchema)
    .refine((envs) => Object.keys(envs).length > 0, { error: 'declare at least one environment' }),
  people: peopleSchema.optional(),
  incidents: incidentsSchema.optional(),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
