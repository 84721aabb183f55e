import type { z } from 'zod';
import { providerSchemas } from '../../config/schema/provider-schema.js';

/**
 * `provider: { kind: git, repository, branch?, remote?, force? }`. `repository` is what `git clone`
 * takes (a URL or a path to the deploy repository); ripcord works in its own clone under its state dir.
 */
export const gitConfigSchema = providerSchemas.git;
export type GitConfig = z.output<typeof gitConfigSchema>;

export const DEFAULT_GIT_BRANCH = 'main';
export const DEFAULT_GIT_REMOTE = 'origin';
