import { z } from 'zod';

/**
 * `provider: { kind: git, repository, branch?, remote?, force? }`. `repository` is what `git clone`
 * takes (a URL or a path to the deploy repository); ripcord works in its own clone under its state dir.
 */
export const gitConfigSchema = z.strictObject({
  kind: z.literal('git'),
  repository: z.string().min(1),
  branch: z.string().min(1).optional(),
  remote: z.string().min(1).optional(),
  force: z.boolean().optional(),
});
export type GitConfig = z.output<typeof gitConfigSchema>;

export const DEFAULT_GIT_BRANCH = 'main';
export const DEFAULT_GIT_REMOTE = 'origin';
