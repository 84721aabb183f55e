import type { Incident } from './incident.js';

/** Where incidents live. The domain sees only this; implementations are in-memory (tests) or in src/store. */
export interface IncidentRepository {
  save(incident: Incident): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  list(filter?: { service?: string; environment?: string }): Promise<Incident[]>;
}

export class InMemoryIncidentRepository implements IncidentRepository {
  private readonly items = new Map<string, Incident>();

  async save(incident: Incident): Promise<void> {
    this.items.set(incident.id, structuredClone(incident));
  }

  async get(id: string): Promise<Incident | undefined> {
    const found = this.items.get(id);
    return found ? structuredClone(found) : undefined;
  }

  async list(filter: { service?: string; environment?: string } = {}): Promise<Incident[]> {
    return [...this.items.values()]
      .filter((i) => (!filter.service || i.service === filter.service) && (!filter.environment || i.environment === filter.environment))
      .map((i) => structuredClone(i));
  }
}
