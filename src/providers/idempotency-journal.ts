import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepResult } from './provider.js';
import { readJsonFile, writeJsonAtomically } from './state-file.js';

/**
 * What a provider remembers per idempotency key, so a step retried or resumed after a crash answers
 * with its first result instead of acting twice. `FileJournal` survives restarts (one small JSON file
 * per key, written atomically); `MemoryJournal` lives as long as the provider (the memory provider).
 */
export interface IdempotencyJournal {
  get(key: string): StepResult | undefined;
  put(key: string, result: StepResult): void;
}

export class MemoryJournal implements IdempotencyJournal {
  private readonly results = new Map<string, StepResult>();

  get(key: string): StepResult | undefined {
    const found = this.results.get(key);
    return found ? structuredClone(found) : undefined;
  }

  put(key: string, result: StepResult): void {
    this.results.set(key, structuredClone(result));
  }
}

export class FileJournal implements IdempotencyJournal {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
  }

  get(key: string): StepResult | undefined {
    const entry = readJsonFile<{ key: string; result: StepResult }>(this.file(key));
    return entry?.key === key ? entry.result : undefined;
  }

  put(key: string, result: StepResult): void {
    writeJsonAtomically(this.file(key), { key, result, at: new Date().toISOString() });
  }
}

/**
 * Run `act` once per key: a second call with the same key returns the recorded result. Concurrent
 * calls with one key share the same promise.
 */
export class OncePerKey {
  private readonly inFlight = new Map<string, Promise<StepResult>>();

  constructor(private readonly journal: IdempotencyJournal) {}

  async run(key: string, act: () => Promise<StepResult>): Promise<StepResult> {
    const done = this.journal.get(key);
    if (done) return done;
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = act()
      .then((result) => {
        this.journal.put(key, result);
        return result;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }
}
