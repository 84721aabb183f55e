import { parseConfig } from '../config/load-config.js';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { ManualClock } from '../core/clock.js';
import { EventBus, type RipcordEvent } from '../core/events.js';
import type { Decision, DecisionRepository } from '../decisions/decision.js';
import { DecisionService } from '../decisions/decision-service.js';
import type { Release, Transition } from '../deployments/release.js';
import { DetectionService } from '../detection/detection-service.js';
import { AlertStore } from '../signals/alert-store.js';
import { OutcomeAggregator } from '../signals/outcome-aggregator.js';

/** Decisions kept in memory: the watcher tests need them recorded, not a database. */
class MemoryDecisions implements DecisionRepository {
  readonly all: Decision[] = [];
  async insert(decision: Decision) {
    this.all.push(decision);
  }
  async get(id: string) {
    return this.all.find((d) => d.id === id);
  }
  async settle() {
    return false;
  }
  async list() {
    return this.all;
  }
}

/**
 * A DetectionService over one environment with a ManualClock and in-memory parts: a ledger of releases
 * the test sets, the real aggregator and decision service, every published event kept.
 */
export function watcherHarness(yaml: string, start = '2026-03-01T10:00:00.000Z') {
  const parsed = parseConfig(yaml, 'ripcord.yaml', {});
  if (!parsed.ok) throw new Error(`config should be valid: ${JSON.stringify(parsed.problems ?? parsed)}`);
  const config: RipcordConfig = parsed.config;
  const clock = new ManualClock(start);
  const events = new EventBus();
  const seen: RipcordEvent[] = [];
  events.subscribe((e) => {
    seen.push(e);
  });
  const releases: (Release & { transitions: Transition[] })[] = [];
  let current: Release | undefined;
  const aggregator = new OutcomeAggregator();
  const decisions = new MemoryDecisions();
  const detection = new DetectionService({
    config,
    ledger: {
      summary: async (known) => known.map((k) => ({ ...k, current })),
      get: async (id) => {
        const found = releases.find((r) => r.id === id);
        if (!found) throw new Error(`no release ${id}`);
        return found;
      },
      list: async (filter) => ({ releases: releases.filter((r) => r.status === filter.status).reverse() }),
    },
    aggregator,
    alerts: new AlertStore(),
    reports: { since: async () => [], insert: async () => undefined } as never,
    decisions: new DecisionService(decisions, events, clock),
    events,
    clock,
  });
  const environment = Object.keys(config.environments)[0] as string;
  return {
    config,
    clock,
    events: seen,
    aggregator,
    decisions: decisions.all,
    detection,
    environment,
    /** Records `version` as live in the environment (the previous one superseded). */
    deploy(version: string): Release {
      const at = clock.now().toISOString();
      const release = { id: `rel_${version}`, service: config.service, environment, version, deployedBy: 'ci', deployedAt: at, status: 'live' as const, stable: false, previousReleaseId: current?.id, createdAt: at, updatedAt: at, transitions: [] };
      if (current) current.status = 'superseded';
      releases.push(release);
      current = release;
      return release;
    },
    /** A rollback: the current release rolled back, its previous one live again (superseded → live). */
    rollback(): void {
      const bad = current;
      const back = releases.find((r) => r.id === bad?.previousReleaseId);
      if (!bad || !back) throw new Error('nothing to roll back to');
      const at = clock.now().toISOString();
      bad.status = 'rolled_back';
      back.status = 'live';
      back.transitions.push({ id: `tr_${back.transitions.length}`, releaseId: back.id, from: 'superseded', to: 'live', actor: 'ripcord', at });
      current = back;
    },
    /** `n` outcomes of `release` at the clock's current second. */
    traffic(release: string, n: number, errors: number, latencyMs: number): void {
      const at = clock.now().getTime();
      for (let i = 0; i < n; i++) aggregator.record({ service: config.service, environment, release, ok: i >= errors, latencyMs, at });
    },
    verdict: () => detection.verdict(config.service, environment),
  };
}
