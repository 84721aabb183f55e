import { z } from 'zod';
import { configFilesSchema } from '../../config/schema/environment-extras-schema.js';

/**
 * The config provider's settings: the environment's `config_files` (paths relative to `base_dir`,
 * normally the folder of ripcord.yaml) and where snapshots are kept (default: the state dir).
 */
export const configProviderConfigSchema = z.strictObject({
  files: configFilesSchema,
  base_dir: z.string().min(1).optional(),
  snapshots: z.string().min(1).optional(),
});

export type ConfigProviderConfig = z.output<typeof configProviderConfigSchema>;
