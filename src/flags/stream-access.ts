import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Access to an OFREP event stream without headers. Browsers' EventSource cannot send Authorization, so
 * the stream URL advertised in the bulk evaluation answer carries `access=<token id>.<expiry ms>.<sig>`:
 * an HMAC-SHA256 over the token id, the environment and the expiry. It opens that one environment's
 * stream for the token that asked, until it expires; a revoked token's access stops working too
 * (checked on connect). The client fetches a fresh URL with every bulk evaluation.
 */
export const STREAM_ACCESS_LIFETIME_MS = 60 * 60_000;

function signature(secret: string, tokenId: string, environment: string, expires: number): string {
  return createHmac('sha256', secret).update(`${tokenId}\n${environment}\n${expires}`).digest('hex');
}

export function streamAccess(secret: string, tokenId: string, environment: string, expiresAt: Date): string {
  return `${tokenId}.${expiresAt.getTime()}.${signature(secret, tokenId, environment, expiresAt.getTime())}`;
}

export type StreamAccessCheck = { ok: true; tokenId: string } | { ok: false; reason: string };

export function verifyStreamAccess(secret: string, access: string, environment: string, now: Date): StreamAccessCheck {
  const [tokenId, expiresText, sig] = access.split('.');
  const expires = Number(expiresText);
  if (!tokenId || !sig || !Number.isFinite(expires)) return { ok: false, reason: 'the access parameter is malformed' };
  const expected = Buffer.from(signature(secret, tokenId, environment, expires), 'hex');
  const given = Buffer.from(sig, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the access parameter does not match this environment' };
  if (now.getTime() > expires) return { ok: false, reason: 'the access parameter has expired; evaluate again for a fresh stream URL' };
  return { ok: true, tokenId };
}
