import { FlagdCore } from '@openfeature/flagd-core';
import type { FlagDefinition } from './flag-definition.js';

export interface FlagsClientOptions {
  /** The ripcord server, e.g. http://127.0.0.1:4747 */
  server: string;
  /** A `flags` token limited to this environment. */
  token: string;
  environment: string;
  /** Needed only when the server runs without a ripcord.yaml naming the service. */
  service?: string;
  /** Wait before reconnecting after the stream drops (doubles up to 30 s). */
  reconnectMs?: number;
}

type Context = Parameters<FlagdCore['resolveBooleanEvaluation']>[2];

/**
 * `ripcord/flags`: keeps an in-memory copy of an environment's flags from the change stream and
 * evaluates them locally with flagd-core, so a kill switch reaches the app as soon as the server
 * commits it and an evaluation costs no request. Reconnects on its own and resumes with
 * Last-Event-ID, so no change is missed while the connection was down.
 *
 *   const flags = new RipcordFlagsClient({ server, token, environment: 'production' });
 *   await flags.ready();
 *   if (flags.getBoolean('splitViewLayout', false, { targetingKey: user.id })) …
 */
export class RipcordFlagsClient {
  private readonly definitions = new Map<string, FlagDefinition & { version: number }>();
  private core = new FlagdCore();
  /** The flag set of the last snapshot: `$evaluators` for `$ref`, and the set's metadata. */
  private set: { $evaluators: Record<string, unknown>; metadata: Record<string, unknown> } = { $evaluators: {}, metadata: {} };
  private lastEventId: string | undefined;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<(key: string | undefined) => void>();
  private readonly started: Promise<void>;
  private resolveStarted!: () => void;
  private closed = false;

  constructor(private readonly options: FlagsClientOptions) {
    this.started = new Promise((resolve) => {
      this.resolveStarted = resolve;
    });
    void this.run();
  }

  /** Resolves once the first snapshot has arrived. */
  ready(): Promise<void> {
    return this.started;
  }

  /** Called after each applied change (the key), or after a snapshot (undefined). */
  onChange(listener: (key: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The flag's value for this context; `fallback` when unknown, disabled or not yet loaded. */
  getBoolean(key: string, fallback: boolean, context: Context = {}): boolean {
    const flag = this.definitions.get(key);
    if (!flag || flag.state === 'DISABLED') return fallback;
    const result = this.core.resolveBooleanEvaluation(key, fallback, context);
    return result.errorCode ? fallback : result.value;
  }

  getString(key: string, fallback: string, context: Context = {}): string {
    const flag = this.definitions.get(key);
    if (!flag || flag.state === 'DISABLED') return fallback;
    const result = this.core.resolveStringEvaluation(key, fallback, context);
    return result.errorCode ? fallback : result.value;
  }

  version(key: string): number | undefined {
    return this.definitions.get(key)?.version;
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
  }

  private async run(): Promise<void> {
    let wait = this.options.reconnectMs ?? 500;
    while (!this.closed) {
      try {
        await this.stream();
        wait = this.options.reconnectMs ?? 500;
      } catch {
        if (this.closed) return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 30_000);
    }
  }

  private async stream(): Promise<void> {
    const url = new URL(`/api/v1/environments/${encodeURIComponent(this.options.environment)}/flags/stream`, this.options.server);
    if (this.options.service) url.searchParams.set('service', this.options.service);
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${this.options.token}`, accept: 'text/event-stream', ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}) },
      signal: this.controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`flag stream answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        this.handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  private handle(block: string): void {
    let event = 'message';
    let id: string | undefined;
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    const payload = JSON.parse(data) as {
      flags?: { key: string; version: number; definition: FlagDefinition }[];
      $evaluators?: Record<string, unknown>;
      metadata?: Record<string, unknown>;
      key?: string;
      version?: number;
      definition?: FlagDefinition;
    };
    if (event === 'snapshot' && payload.flags) {
      this.set = { $evaluators: payload.$evaluators ?? {}, metadata: payload.metadata ?? {} };
      this.definitions.clear();
      for (const flag of payload.flags) this.definitions.set(flag.key, { ...flag.definition, version: flag.version });
      this.rebuild();
      this.resolveStarted();
      for (const listener of this.listeners) listener(undefined);
    } else if (event === 'change' && payload.key && payload.definition && payload.version !== undefined) {
      // A change may arrive twice around a reconnect; versions only move forward.
      if ((this.definitions.get(payload.key)?.version ?? 0) < payload.version) {
        this.definitions.set(payload.key, { ...payload.definition, version: payload.version });
        this.rebuild();
        for (const listener of this.listeners) listener(payload.key);
      }
      this.resolveStarted();
    }
    if (id) this.lastEventId = id;
  }

  private rebuild(): void {
    const core = new FlagdCore();
    const flags = Object.fromEntries([...this.definitions].map(([key, { version: _version, ...definition }]) => [key, definition]));
    core.setConfigurations(JSON.stringify({ flags, ...(Object.keys(this.set.$evaluators).length ? { $evaluators: this.set.$evaluators } : {}), ...(Object.keys(this.set.metadata).length ? { metadata: this.set.metadata } : {}) }));
    this.core = core;
  }
}
