/**
 * Every error ripcord raises on purpose carries a code. Only `http/` and `cli/`
 * turn a code into a status or an exit code (see http/error-status.ts, cli/exit-codes.ts).
 */
export type ErrorCode =
  | 'invalid_input'
  | 'config_invalid'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'rate_limited'
  | 'usage'
  | 'internal';

export interface ErrorIssue {
  /** Dotted path of the field at fault, e.g. `environments.production.triggers[0].for`. */
  path: string;
  message: string;
}

export class RipcordError extends Error {
  readonly code: ErrorCode;
  readonly issues: ErrorIssue[];

  constructor(code: ErrorCode, message: string, issues: ErrorIssue[] = []) {
    super(message);
    this.name = 'RipcordError';
    this.code = code;
    this.issues = issues;
  }
}

export const notFound = (what: string): RipcordError => new RipcordError('not_found', `${what} was not found`);

export const isRipcordError = (value: unknown): value is RipcordError => value instanceof RipcordError;
