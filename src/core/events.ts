import type { Severity } from './severity.js';

/**
 * What happens, as data. Detection, decisions, rollbacks and flags publish; incidents, notifiers,
 * the timeline and metrics subscribe. Every event names its environment and, when known, the release.
 */
interface EventBase {
  at: string;
  service: string;
  environment: string;
  releaseId?: string | undefined;
}

export type RipcordEvent =
  | (EventBase & { type: 'release.recorded'; version: string; actor: string })
  | (EventBase & { type: 'release.status_changed'; version: string; from: string | null; to: string; actor: string; reason?: string | undefined })
  | (EventBase & { type: 'signal.first_bad'; signal: string; explanation: string })
  | (EventBase & { type: 'trigger.fired'; trigger: string; severity: Severity; explanation: string })
  | (EventBase & { type: 'trigger.resolved'; trigger: string; explanation: string })
  /** The environment could not be judged for longer than `page_after_inconclusive`: page, never roll back. */
  | (EventBase & { type: 'detection.blind'; severity: Severity; since: string; explanation: string })
  | (EventBase & { type: 'verdict.changed'; verdict: 'healthy' | 'unhealthy' | 'inconclusive'; explanation: string })
  | (EventBase & {
      type: 'decision.made';
      decisionId: string;
      severity: Severity;
      action: 'rollback' | 'rollback_after_approval' | 'kill_switch' | 'fix_forward';
      deadline?: string | undefined;
      explanation: string;
    })
  | (EventBase & { type: 'decision.approved' | 'decision.vetoed'; decisionId: string; actor: string; reason?: string | undefined })
  | (EventBase & { type: 'rollback.started'; planId: string; targetReleaseId?: string | undefined; reason: string; actor: string })
  | (EventBase & {
      type: 'rollback.step';
      planId: string;
      step: string;
      status: 'running' | 'succeeded' | 'failed' | 'skipped';
      durationMs?: number | undefined;
      detail?: string | undefined;
    })
  | (EventBase & {
      type: 'rollback.finished';
      planId: string;
      outcome: 'succeeded' | 'failed';
      durationMs: number;
      /** The environment's state in words, for the person reading the timeline. */
      state: string;
    })
  | (EventBase & { type: 'verification.finished'; planId?: string | undefined; passed: boolean; explanation: string })
  | (EventBase & { type: 'flag.changed'; key: string; enabled: boolean; version: number; actor: string; reason?: string | undefined });

export type RipcordEventType = RipcordEvent['type'];
export type EventOf<T extends RipcordEventType> = Extract<RipcordEvent, { type: T }>;

type Handler = (event: RipcordEvent) => void | Promise<void>;

/**
 * In-process publish/subscribe. A failing subscriber never breaks the publisher or the others: its
 * error goes to `onError` (the server logs it). `publish` resolves when every subscriber has run, so
 * tests and the executor can wait for the timeline to be written.
 */
export class EventBus {
  private readonly handlers = new Set<Handler>();

  constructor(private readonly onError: (error: unknown, event: RipcordEvent) => void = () => undefined) {}

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async publish(event: RipcordEvent): Promise<void> {
    await Promise.all(
      [...this.handlers].map(async (handler) => {
        try {
          await handler(event);
        } catch (error) {
          this.onError(error, event);
        }
      }),
    );
  }
}
