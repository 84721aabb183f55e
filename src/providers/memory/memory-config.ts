import type { z } from 'zod';
import { providerSchemas } from '../../config/schema/provider-schema.js';

/** The memory provider has no settings beyond its kind. */
export const memoryConfigSchema = providerSchemas.memory;
export type MemoryConfig = z.output<typeof memoryConfigSchema>;
