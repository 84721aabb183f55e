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

function matches(i: Incident, filter: IncidentFilter): boolean {
  return (
    (!filter.service || i.service === filter.service) &&
    (!filter.environment || i.environment === filter.environment) &&
    (!filter.environments || filter.environments.includes(i.environment)) &&
    (!filter.openOnly || i.status !== 'resolved')
  );
}

export class InMemoryIncidentRepository implements IncidentRepository {
  private readonly items = new Map<string, Incident>();
  private readonly timers = new Map<string, EscalationTimer>();

  async save(incident: Incident): Promise<void> {
    this.items.set(incident.id, structuredClone(incident));
  }

  async get(id: string): Promise<Incident | undefined> {
    const found = this.items.get(id);
    return found ? structuredClone(found) : undefined;
  }

  async list(filter: IncidentFilter = {}): Promise<Incident[]> {
    return [...this.items.values()]
      .filter((i) => matches(i, filter))
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((i) => ({ ...structuredClone(i), ...(filter.timeline === false ? { timeline: [] } : {}) }));
  }

  async setTimer(incidentId: string, timer: EscalationTimer | undefined): Promise<void> {
    if (timer) this.timers.set(incidentId, { ...timer });
    else this.timers.delete(incidentId);
  }

  async dueTimers(now: string): Promise<EscalationTimer[]> {
    return [...this.timers.values()]
      .filter((t) => t.dueAt <= now)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .map((t) => ({ ...t }));
  }

  async claimPeriodicUpdate(incidentId: string, last: string | undefined, now: string): Promise<boolean> {
    const incident = this.items.get(incidentId);
    if (!incident || incident.lastUpdateAt !== last) return false;
    incident.lastUpdateAt = now;
    return true;
  }

  async claimTimer(timer: EscalationTimer, retryAt: string): Promise<boolean> {
    const current = this.timers.get(timer.incidentId);
    if (!current || current.dueAt !== timer.dueAt || current.kind !== timer.kind || current.step !== timer.step || current.round !== timer.round) return false;
    current.dueAt = retryAt;
    return true;
  }
}
