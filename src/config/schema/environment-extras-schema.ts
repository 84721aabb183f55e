import { z } from 'zod';
import { durationField } from './fields.js';

/**
 * Settings a rollback plan needs beside the environment's `provider`: the database it backs up and
 * restores, the config files it snapshots, the git repository it tags. Each provider folder re-exports
 * its part (src/providers/<kind>/<kind>-config.ts).
 */
export const databaseSchema = z.strictObject({
  /** Only PostgreSQL for now. */
  kind: z.literal('postgres', { error: 'expected database.kind: postgres (the only database ripcord restores today)' }).default('postgres'),
  url: z.string().regex(/^postgres(ql)?:\/\//, { error: 'expected a PostgreSQL URL like postgres://user@host:5432/db (use ${DATABASE_URL})' }),
  /** Folder of the app's migrations, one folder per migration with a `down.sql` (Prisma layout: prisma/migrations). */
  migrations: z.string().min(1).optional(),
  /** Table that records applied migrations; Prisma's by default. */
  migrations_table: z
    .string()
    .regex(/^[A-Za-z_][\w]*$/, { error: 'expected a table name of letters, digits and underscores' })
    .default('_prisma_migrations'),
  /** Where backups go; default: ripcord's state directory. */
  backups: z.string().min(1).optional(),
  /** Allow restoring a backup (loses data written since the backup) without asking at rollback time. */
  allow_data_loss: z.boolean().default(false),
  /** Longest a pg_dump / pg_restore may run. */
  timeout: durationField.optional(),
});

/** Environment files to snapshot before a release and restore on rollback (`.env.production`). */
export const configFilesSchema = z
  .array(z.string().min(1, { error: 'expected a file path' }))
  .min(1, { error: 'list at least one file, e.g. [.env.production]' });

/** The deploy repository, for the `tag` safeguard and git rollbacks when the provider is something else. */
export const gitSettingsSchema = z.strictObject({
  repository: z.string().min(1),
  branch: z.string().min(1).optional(),
  remote: z.string().min(1).optional(),
  force: z.boolean().optional(),
});

export type DatabaseConfig = z.output<typeof databaseSchema>;
export type ConfigFilesConfig = z.output<typeof configFilesSchema>;
export type GitSettings = z.output<typeof gitSettingsSchema>;
