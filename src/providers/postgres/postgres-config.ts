/** `database: { url, migrations?, migrations_table?, backups?, allow_data_loss?, timeout? }` per environment. */
export { type DatabaseConfig as PostgresConfig, databaseSchema as postgresConfigSchema } from '../../config/schema/environment-extras-schema.js';

/** Without a configured timeout, pg_dump/pg_restore may run this long. */
export const DEFAULT_DUMP_TIMEOUT_MS = 30 * 60_000;
