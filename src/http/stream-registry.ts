import type { FastifyReply } from 'fastify';
import { RipcordError } from '../core/errors.js';

export interface StreamLimits {
  /** Open streams one token may hold (a `flags` token ships in browser code, so anyone may hold it). */
  perToken: number;
  /** Open streams on this server in all. */
  total: number;
}

// A browser app's `flags` token is shared by every visitor, so the per-token cap is high: it bounds what one leaked
// token can hold, not what one app uses. bench:flags measures the memory an open stream costs.
export const DEFAULT_STREAM_LIMITS: StreamLimits = { perToken: 5_000, total: 20_000 };

/**
 * Long-lived streams (the flag stream, OFREP's event stream) by token: capped per token and overall,
 * and closed at once when their token is revoked (here or, through the token service's revocation
 * watch, on another server sharing the store).
 */
export class StreamRegistry {
  private readonly byToken = new Map<string, Set<() => void>>();
  private open = 0;

  constructor(readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  /** Registers a stream; throws `rate_limited` past a cap. Returns the function that forgets it. */
  add(tokenId: string, tokenName: string, close: () => void): () => void {
    const streams = this.byToken.get(tokenId) ?? new Set<() => void>();
    if (streams.size >= this.limits.perToken) {
      throw new RipcordError('rate_limited', `token "${tokenName}" holds ${streams.size} open streams, the most one token may (${this.limits.perToken}); close one or raise --stream-limit-per-token`);
    }
    if (this.open >= this.limits.total) throw new RipcordError('rate_limited', `this server holds ${this.open} open streams, the most it takes (${this.limits.total}); retry later or raise --stream-limit`);
    streams.add(close);
    this.byToken.set(tokenId, streams);
    this.open += 1;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      streams.delete(close);
      this.open -= 1;
      if (streams.size === 0) this.byToken.delete(tokenId);
    };
  }

  /**
   * A route's stream: registered for its token (destroyed when the token is revoked); past a cap, the
   * refusal carries `Retry-After`. Returns the function that forgets it when the connection closes.
   */
  admit(token: { id: string; name: string }, reply: FastifyReply): () => void {
    try {
      return this.add(token.id, token.name, () => reply.raw.destroy());
    } catch (error) {
      void reply.header('retry-after', '5');
      throw error;
    }
  }

  /** Ends every stream of a revoked token; returns how many were open. */
  closeToken(tokenId: string): number {
    const streams = [...(this.byToken.get(tokenId) ?? [])];
    for (const close of streams) close();
    return streams.length;
  }

  get size(): number {
    return this.open;
  }
}
