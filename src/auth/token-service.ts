import type { AuditEntry } from '../core/audit.js';
import { type Clock, systemClock } from '../core/clock.js';
import { notFound, RipcordError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { registerSecret } from '../core/secrets.js';
import { generateToken, hashToken, tokenPrefix } from './api-tokens.js';
import type { Role } from './roles.js';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  /** Environments this token may touch; undefined = all. */
  environments?: string[] | undefined;
  prefix: string;
  createdBy: string;
  createdAt: string;
  revokedAt?: string | undefined;
  lastUsedAt?: string | undefined;
}

export interface TokenRepository {
  insert(token: ApiToken, hash: string, audit: AuditEntry): Promise<void>;
  findByHash(hash: string): Promise<ApiToken | undefined>;
  findByName(name: string): Promise<ApiToken[]>;
  list(): Promise<ApiToken[]>;
  revoke(id: string, at: string, audit: AuditEntry): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
  countActiveAdmins(): Promise<number>;
  /** Tokens revoked at or after this time, by any server sharing the store. */
  revokedSince(at: string): Promise<{ id: string; revokedAt: string }[]>;
  /** Replace the hash of the named bootstrap token (RIPCORD_ADMIN_TOKEN changed). */
  upsertBootstrap(token: ApiToken, hash: string): Promise<void>;
}

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';

/** Tokens are shown once, at creation, and only their SHA-256 is stored. */
export class TokenService {
  /** `last_used_at` is written at most once a minute per token, not on every request. */
  private readonly lastTouched = new Map<string, number>();
  /**
   * Tokens seen in the last few seconds, by hash: a busy app (OFREP, ingest) costs no store query per
   * request. A revocation on this server clears it at once; on another server it applies within the TTL.
   */
  private readonly recent = new Map<string, { token: ApiToken; until: number }>();
  static readonly CACHE_TTL_MS = 5_000;
  private readonly revokedListeners = new Set<(tokenId: string) => void>();

  constructor(
    private readonly repository: TokenRepository,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(input: { name: string; role: Role; environments?: string[] | undefined }, actor: string): Promise<{ token: ApiToken; secret: string }> {
    if ((await this.repository.findByName(input.name)).some((t) => !t.revokedAt)) {
      throw new RipcordError('conflict', `a token named "${input.name}" exists already; revoke it first or pick another name`);
    }
    const secret = generateToken();
    registerSecret(secret);
    const now = this.clock.now().toISOString();
    const token: ApiToken = {
      id: newId('tok', this.clock.now()),
      name: input.name,
      role: input.role,
      environments: input.environments,
      prefix: tokenPrefix(secret),
      createdBy: actor,
      createdAt: now,
    };
    await this.repository.insert(token, hashToken(secret), {
      id: newId('aud'),
      at: now,
      actor,
      action: 'token.created',
      target: token.id,
      details: { name: token.name, role: token.role, environments: token.environments },
    });
    return { token, secret };
  }

  /** The token a bearer secret stands for, if it exists and is not revoked. */
  async authenticate(secret: string): Promise<ApiToken | undefined> {
    const hash = hashToken(secret);
    const now = this.clock.now();
    const cached = this.recent.get(hash);
    if (cached && cached.until > now.getTime()) return cached.token;
    const token = await this.repository.findByHash(hash);
    if (!token || token.revokedAt) {
      this.recent.delete(hash);
      return undefined;
    }
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(hash, { token, until: now.getTime() + TokenService.CACHE_TTL_MS });
    if (now.getTime() - (this.lastTouched.get(token.id) ?? 0) > 60_000) {
      this.lastTouched.set(token.id, now.getTime());
      await this.repository.touch(token.id, now.toISOString());
    }
    return token;
  }

  list(): Promise<ApiToken[]> {
    return this.repository.list();
  }

  /** The token with this id if it is not revoked (for credentials that name a token instead of carrying it). */
  async active(id: string): Promise<ApiToken | undefined> {
    return (await this.repository.list()).find((t) => t.id === id && !t.revokedAt);
  }

  async revoke(idOrName: string, actor: string): Promise<void> {
    const all = await this.repository.list();
    const token = all.find((t) => t.id === idOrName) ?? all.find((t) => t.name === idOrName && !t.revokedAt);
    if (!token) throw notFound(`token ${idOrName}`);
    const now = this.clock.now().toISOString();
    const revoked = await this.repository.revoke(token.id, now, {
      id: newId('aud'),
      at: now,
      actor,
      action: 'token.revoked',
      target: token.id,
      details: { name: token.name },
    });
    this.recent.clear();
    if (!revoked) throw new RipcordError('conflict', `token ${token.name} was revoked already`);
    this.announce(token.id);
  }

  /** Called with the id of every token revoked here or (while `watchRevocations` runs) on another server. */
  onRevoked(listener: (tokenId: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /**
   * Reads the store for revocations made by other servers every `everyMs`, so their open streams close
   * and their cached authentications end within about that time, not the cache's TTL. Store errors are
   * reported and the next poll tries again.
   */
  watchRevocations(everyMs: number, onError: (error: unknown) => void): { stop(): Promise<void> } {
    // Looks back a little past the last poll: another server's clock, or a slow commit, may lag.
    const LOOKBACK_MS = 10_000;
    const seen = new Map<string, number>();
    let since = this.clock.now().getTime();
    let running: Promise<void> | undefined;
    const poll = async () => {
      const now = this.clock.now().getTime();
      for (const { id } of await this.repository.revokedSince(new Date(since - LOOKBACK_MS).toISOString())) {
        if (seen.has(id)) continue;
        seen.set(id, now);
        for (const [hash, entry] of this.recent) if (entry.token.id === id) this.recent.delete(hash);
        this.announce(id);
      }
      since = now;
      for (const [id, at] of seen) if (now - at > 6 * LOOKBACK_MS) seen.delete(id);
    };
    const timer = setInterval(() => {
      if (running) return;
      running = poll()
        .catch(onError)
        .finally(() => {
          running = undefined;
        });
    }, everyMs);
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await running;
      },
    };
  }

  private announce(tokenId: string): void {
    for (const listener of this.revokedListeners) listener(tokenId);
  }

  /**
   * First start: make sure someone can administer the server. With `RIPCORD_ADMIN_TOKEN` set, that
   * value is the admin token; otherwise, when no admin token exists, one is generated and returned
   * so the caller can print it once.
   */
  async bootstrap(fromEnvironment: string | undefined): Promise<string | undefined> {
    if (fromEnvironment) {
      registerSecret(fromEnvironment);
      const now = this.clock.now().toISOString();
      this.recent.clear();
      await this.repository.upsertBootstrap(
        { id: newId('tok'), name: BOOTSTRAP_TOKEN_NAME, role: 'admin', prefix: tokenPrefix(fromEnvironment), createdBy: 'RIPCORD_ADMIN_TOKEN', createdAt: now },
        hashToken(fromEnvironment),
      );
      return undefined;
    }
    if ((await this.repository.countActiveAdmins()) > 0) return undefined;
    const { secret } = await this.create({ name: BOOTSTRAP_TOKEN_NAME, role: 'admin' }, 'system');
    return secret;
  }
}
