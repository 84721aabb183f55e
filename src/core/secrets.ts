/**
 * The process-wide list of secret values (interpolated `${VARS}`, tokens, webhook URLs).
 * Logs, errors, API answers and CLI output pass through `redact` so a secret never leaves
 * the process in clear text, even when it sneaks into an error message from a library.
 */
const MIN_SECRET_LENGTH = 4;
const secrets = new Set<string>();

export const REDACTED = '[redacted]';

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Deep copy of a JSON-like value with every registered secret replaced. */
export function redactValue<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}
