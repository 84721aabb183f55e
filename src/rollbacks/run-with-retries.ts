import { RipcordError } from '../core/errors.js';

export interface RetryOptions {
  timeoutMs: number;
  retries: number;
  /** First backoff; doubles per attempt (200 ms, 400 ms, 800 ms…), capped at 30 s. */
  backoffMs: number;
  onAttempt?: ((attempt: number) => void | Promise<void>) | undefined;
  onRetry?: ((attempt: number, error: unknown, waitMs: number) => void) | undefined;
  /** Aborting it (lease lost, shutting down) aborts the attempt under way and stops the retries. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `work` with a per-attempt deadline (an AbortSignal the provider sees, and a race so a provider
 * that ignores it cannot hang the plan) and retries with exponential backoff.
 */
export async function runWithRetries<T>(work: (signal: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
    if (options.signal?.aborted) throw options.signal.reason;
    await options.onAttempt?.(attempt);
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new RipcordError('unavailable', `timed out after ${formatMs(options.timeoutMs)}`);
        controller.abort(error);
        reject(error);
      }, options.timeoutMs);
    });
    try {
      const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
      return await Promise.race([work(controller.signal), deadline, aborted]);
    } catch (error) {
      lastError = error;
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt <= options.retries) {
        const waitMs = Math.min(options.backoffMs * 2 ** (attempt - 1), 30_000);
        options.onRetry?.(attempt, error, waitMs);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
  }
  throw lastError;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10}s` : `${ms}ms`;
}
