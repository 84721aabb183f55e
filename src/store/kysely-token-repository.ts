import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../auth/roles.js';
import type { ApiToken, TokenRepository } from '../auth/token-service.js';
import type { AuditEntry } from '../core/audit.js';
import { newId } from '../core/ids.js';
import { insertAudit } from './audit-store.js';
import type { ApiTokensTable, Database } from './schema.js';

function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  const scope = row.scope ? (JSON.parse(row.scope) as { environments?: string[] }) : undefined;
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    environments: scope?.environments,
    prefix: row.token_prefix,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at ?? undefined,
    lastUsedAt: row.last_used_at ?? undefined,
  };
}

export class KyselyTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(token: ApiToken, hash: string, audit: AuditEntry): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('api_tokens').values(this.row(token, hash)).execute();
      await insertAudit(trx, audit);
    });
  }

  async findByHash(hash: string): Promise<ApiToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return row ? toToken(row) : undefined;
  }

  async findByName(name: string): Promise<ApiToken[]> {
    return (await this.db.selectFrom('api_tokens').selectAll().where('name', '=', name).execute()).map(toToken);
  }

  async list(): Promise<ApiToken[]> {
    return (await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id').execute()).map(toToken);
  }

  async revoke(id: string, at: string, audit: AuditEntry): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await insertAudit(trx, audit);
      return true;
    });
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async countActiveAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async revokedSince(at: string): Promise<{ id: string; revokedAt: string }[]> {
    const rows = await this.db.selectFrom('api_tokens').select(['id', 'revoked_at']).where('revoked_at', '>=', at).execute();
    return rows.map((row) => ({ id: row.id, revokedAt: row.revoked_at as string }));
  }

  async upsertBootstrap(token: ApiToken, hash: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('api_tokens').select(['id', 'token_hash']).where('name', '=', token.name).where('revoked_at', 'is', null).execute();
      if (existing.some((row) => row.token_hash === hash)) return;
      await trx.updateTable('api_tokens').set({ revoked_at: token.createdAt }).where('name', '=', token.name).where('revoked_at', 'is', null).execute();
      await trx.insertInto('api_tokens').values(this.row(token, hash)).execute();
      await insertAudit(trx, { id: newId('aud'), at: token.createdAt, actor: 'system', action: 'token.bootstrapped', target: token.id, details: { name: token.name } });
    });
  }

  private row(token: ApiToken, hash: string) {
    return {
      id: token.id,
      name: token.name,
      role: token.role,
      scope: token.environments ? JSON.stringify({ environments: token.environments }) : null,
      token_hash: hash,
      token_prefix: token.prefix,
      created_by: token.createdBy,
      created_at: token.createdAt,
      revoked_at: null,
      last_used_at: null,
    };
  }
}
