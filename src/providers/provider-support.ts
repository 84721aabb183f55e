import { RipcordError } from '../core/errors.js';
import { redact } from '../core/secrets.js';

/** Every provider rejects an action it does not know with the list of the ones it does. */
export function assertKnownAction(kind: string, actions: readonly string[], action: string): void {
  if (!actions.includes(action)) {
    throw new RipcordError(
      'invalid_input',
      `the ${kind} provider has no action "${action}" (allowed actions: ${actions.join(', ')})`,
      [{ path: 'action', message: `expected one of: ${actions.join(', ')}` }],
    );
  }
}

/** Stop before acting when the executor has cancelled the step (timeout, operator abort). */
export function throwIfAborted(signal: AbortSignal, kind: string, action: string): void {
  if (signal.aborted) throw abortedError(kind, action, signal);
}

export function abortedError(kind: string, action: string, signal: AbortSignal): RipcordError {
  const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason ? String(signal.reason) : 'aborted';
  return new RipcordError('unavailable', redact(`${kind} ${action} was aborted before it finished (${reason})`));
}

/** A provider error whose message has passed through the secret redactor. */
export function providerError(message: string): RipcordError {
  return new RipcordError('unavailable', redact(message));
}

/** The last `count` non-empty lines of a command's output, secrets removed: enough to see why it failed. */
export function lastLines(text: string, count = 20): string[] {
  return redact(text)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count);
}

/**
 * Runs a provider's work and rethrows any failure with registered secrets removed from its message
 * and issues (a value the caller passed in, or a library's message, may carry one).
 */
export async function withRedactedErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RipcordError) {
      const clean = new RipcordError(error.code, redact(error.message), error.issues.map((issue) => ({ ...issue, path: redact(issue.path), message: redact(issue.message) })));
      throw clean;
    }
    if (error instanceof Error) throw providerError(error.message);
    throw error;
  }
}

/** Waits `ms` (a poll interval, a Retry-After), or rejects as soon as the step's signal aborts. */
export function waitFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
