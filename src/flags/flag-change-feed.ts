import type { FlagChange } from './flag-definition.js';

type Listener = (change: FlagChange) => void;

/**
 * Flag changes as they happen, per service/environment, for the SSE stream. In-process; across
 * servers the PostgreSQL notifier (store/postgres-flag-notifier.ts) feeds each server's feed.
 */
export class FlagChangeFeed {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(service: string, environment: string, listener: Listener): () => void {
    const key = `${service}/${environment}`;
    const set = this.listeners.get(key) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  publish(change: FlagChange): void {
    for (const listener of this.listeners.get(`${change.service}/${change.environment}`) ?? []) listener(change);
  }

  /** Connected subscribers, for metrics and tests. */
  size(): number {
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }
}

/** Tells the other servers sharing the store that a flag changed. */
export interface FlagChangeNotifier {
  notify(change: FlagChange): Promise<void>;
  close(): Promise<void>;
}
