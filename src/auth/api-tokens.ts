import * as crypto from 'node:crypto';
import { randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PREFIX = 'rcp_';

/** A new token: `rcp_` + 32 random bytes in base64url (256 bits; guessing is not an attack). */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of the token. Tokens are long random strings, not passwords, so a fast hash is enough:
 * a stolen table reveals nothing usable, and checking a request costs microseconds.
 */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

// Every authenticated request hashes its token: the one-shot crypto.hash (Node ≥ 20.12) costs about
// a third of a Hash object's create/update/digest; older Node 20 releases fall back to the latter.
const sha256Hex: (value: string) => string =
  typeof crypto.hash === 'function' ? (value) => crypto.hash('sha256', value, 'hex') : (value) => crypto.createHash('sha256').update(value).digest('hex');

/** The part of a token safe to show in lists: `rcp_AbCd…`. */
export function tokenPrefix(token: string): string {
  return `${token.slice(0, TOKEN_PREFIX.length + 4)}…`;
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function looksLikeToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && value.length > TOKEN_PREFIX.length + 16;
}
