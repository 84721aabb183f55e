import type { Incident } from './incident.js';

/** A persisted escalation due time: the next page (`page`) or an acknowledgement running out (`ack_timeout`). */
export interface EscalationTimer {
  incidentId: string;
  kind: 'page' | 'ack_timeout';
  step: number;
  round: number;
  dueAt: string;
}

export interface IncidentFilter {
  service?: string | undefined;
  environment?: string | undefined;
  /** Only these environments (a token's scope). */
  environments?: readonly string[] | undefined;
  openOnly?: boolean | undefined;
  /** false: incidents without their timeline entries (for the once-a-second checks that never read them). */
  timeline?: boolean | undefined;
}

/** Where incidents live. The domain sees only this; implementations are in-memory (tests) or in src/store. */
export interface IncidentRepository {
  /** Inserts or updates; timeline entries are append-only, so entries already stored are never rewritten. */
  save(incident: Incident): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  list(filter?: IncidentFilter): Promise<Incident[]>;
  /** One timer per incident: setting replaces it, `undefined` clears it. */
  setTimer(incidentId: string, timer: EscalationTimer | undefined): Promise<void>;
  dueTimers(now: string): Promise<EscalationTimer[]>;
  /**
   * Takes a due timer for this server by moving its due time to `retryAt`, only if nobody changed it
   * since it was read. Of several servers one wins; if the winner dies mid-page the timer comes due
   * again at `retryAt` (a page is sent at least once, never lost).
   */
  claimTimer(timer: EscalationTimer, retryAt: string): Promise<boolean>;
  /** Takes the periodic update of an incident whose last update is still `last`; one server wins. */
  claimPeriodicUpdate(incidentId: string, last: string | undefined, now: string): Promise<boolean>;
}
