import { CommanderError } from 'commander';
import type { ErrorCode } from '../core/errors.js';
import { isRipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';

/** The one place an error becomes an exit code: 0 success, 1 failure, 2 usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const USAGE_CODES: readonly ErrorCode[] = ['usage'];

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
  }
  if (isRipcordError(error) && USAGE_CODES.includes(error.code)) return EXIT.usage;
  return EXIT.failure;
}

/** What a person reads when a command fails: the message, and each field at fault, secrets masked. */
export function describeError(error: unknown): string {
  if (isRipcordError(error)) {
    const lines = [`error: ${error.message}`];
    if (error.issues.length > 0 && !error.message.includes(error.issues[0]?.message ?? '\u0000')) {
      for (const issue of error.issues) lines.push(`  ${issue.path}: ${issue.message}`);
    }
    return redact(lines.join('\n'));
  }
  const message = error instanceof Error ? error.message : String(error);
  return redact(`error: ${message}`);
}
