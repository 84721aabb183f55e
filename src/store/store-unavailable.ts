import { redact } from '../core/secrets.js';

/** What clients are told to wait before trying again while the store is away (the `Retry-After` header). */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** Node's socket errors: the database server is not there (stopped, restarting, unreachable). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOSPC', 'EIO', 'EROFS']);

/**
 * PostgreSQL SQLSTATEs that mean "the database cannot serve now", not "this request is wrong":
 * class 08 (connection exception), 53 (insufficient resources: disk full, out of memory, too many
 * connections), 58 (system error: I/O), 57P01–57P03 (shutting down, crashed, starting up).
 */
const PG_CLASSES = ['08', '53', '58'];
const PG_CODES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);

/** SQLite result codes (better-sqlite3's `code`) for a disk or file that cannot take the write now. */
const SQLITE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|NOMEM|PROTOCOL)/;

/**
 * SQLite rolls a transaction back by itself on SQLITE_FULL/IOERR/NOMEM; Kysely's ROLLBACK then fails with
 * this, and its error replaces the original one.
 */
const SQLITE_MESSAGES = /cannot rollback - no transaction is active|database or disk is full|disk I\/O error/i;

/** pg's own messages when the connection went away mid-query or could not be made in time. */
const PG_MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|the database system is (shutting down|starting up|in recovery mode)|terminating connection due to administrator command|The database connection is not open|Cannot use a pool after calling end/i;

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether an error thrown by a store query means the store is away (stopped, unreachable, disk full),
 * so the request may succeed later: the API answers 503 with Retry-After instead of 500, and
 * background loops count and retry instead of giving up. Looks through `cause` and AggregateError.
 */
export function isStoreUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const code = codeOf(error);
  if (code) {
    if (SOCKET_CODES.has(code) || SQLITE_CODES.test(code) || PG_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_CLASSES.includes(code.slice(0, 2))) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && (PG_MESSAGES.test(message) || SQLITE_MESSAGES.test(message))) return true;
  const errors = (error as { errors?: unknown }).errors;
  const nested = [(error as { cause?: unknown }).cause, ...(Array.isArray(errors) ? errors : [])];
  return nested.some((inner) => isStoreUnavailable(inner, depth + 1));
}

/** One short line for logs and 503 bodies: the driver's code and message, redacted. */
export function describeStoreFault(error: unknown): string {
  if (!error || typeof error !== 'object') return String(error);
  const code = codeOf(error);
  const message = (error as { message?: unknown }).message;
  const text = typeof message === 'string' && message ? message : ((error as { errors?: { message?: string }[] }).errors?.[0]?.message ?? 'no message');
  return redact(code && !text.includes(code) ? `${code}: ${text}` : text);
}
