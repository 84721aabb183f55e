import type { IncidentMessage } from './incident-message.js';
import type { Notifier } from './notifier.js';

export interface DeliveryResult {
  notifier: string;
  ok: boolean;
  attempts: number;
  error?: string | undefined;
}

export interface RetryPolicy {
  attempts: number;
  /** First wait; doubles after each failure. */
  baseDelayMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one message to every notifier, each retried with exponential backoff, independently of the
 * others. The caller writes every result on the timeline, so a failed delivery is never silent.
 */
export async function dispatch(
  notifiers: Notifier[],
  message: IncidentMessage,
  retry: RetryPolicy = { attempts: 3, baseDelayMs: 500 },
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<DeliveryResult[]> {
  return Promise.all(
    notifiers.map(async (notifier) => {
      let lastError = '';
      for (let attempt = 1; attempt <= retry.attempts; attempt++) {
        try {
          await notifier.send(message);
          return { notifier: notifier.name, ok: true, attempts: attempt };
        } catch (error) {
          lastError = (error as Error).message;
          if (attempt < retry.attempts) await wait(retry.baseDelayMs * 2 ** (attempt - 1));
        }
      }
      return { notifier: notifier.name, ok: false, attempts: retry.attempts, error: lastError };
    }),
  );
}
