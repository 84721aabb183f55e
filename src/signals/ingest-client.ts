/**
 * `ripcord/ingest`: report request outcomes from an app to `POST /api/v1/ingest`, batched and gzipped.
 * Works as Node `http` / Express middleware and as a Fastify plugin. Never throws into the app: a failed
 * send is reported to `onError` and the batch dropped (the watcher then sees less data, never wrong data).
 *
 *   import { createIngestClient, ingestMiddleware } from 'ripcord/ingest';
 *   const ripcord = createIngestClient({ url: 'http://ripcord:4747', token: process.env.RIPCORD_INGEST_TOKEN, environment: 'production', release: process.env.RELEASE });
 *   app.use(ingestMiddleware(ripcord));
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

export interface IngestClientOptions {
  /** The ripcord server, e.g. `http://127.0.0.1:4747`. */
  url: string;
  /** A token with the `ingest` role (limit it to the environment). */
  token: string;
  environment: string;
  service?: string | undefined;
  /** What served the requests: the release version, or give `arm` when a router splits traffic. */
  release?: string | undefined;
  arm?: 'canary' | 'baseline' | undefined;
  /** Send at least this often (ms); default 1000. */
  flushIntervalMs?: number | undefined;
  /** Send as soon as this many outcomes wait; default 1000 (the server takes up to 10,000). */
  maxBatch?: number | undefined;
  /** Outcomes kept while the server is unreachable; older ones are dropped first. Default 50,000. */
  maxBuffer?: number | undefined;
  gzip?: boolean | undefined;
  onError?: ((error: Error) => void) | undefined;
}

export interface OutcomeInput {
  status?: number | undefined;
  ok?: boolean | undefined;
  latency_ms: number;
  route?: string | undefined;
  /** Epoch ms; default now. */
  at?: number | undefined;
  release?: string | undefined;
  arm?: 'canary' | 'baseline' | undefined;
}

export interface IngestClient {
  record(outcome: OutcomeInput): void;
  /** Sends what is waiting now; resolves when the server has answered. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
  /** Outcomes dropped because the buffer was full or a send failed. */
  readonly dropped: number;
}

export function createIngestClient(options: IngestClientOptions): IngestClient {
  if (!options.release && !options.arm) throw new Error('ripcord/ingest: give "release" (the version serving) or "arm"');
  const maxBatch = options.maxBatch ?? 1000;
  const maxBuffer = options.maxBuffer ?? 50_000;
  const endpoint = `${options.url.replace(/\/$/, '')}/api/v1/ingest`;
  let buffer: OutcomeInput[] = [];
  let dropped = 0;
  let sending: Promise<void> = Promise.resolve();

  const send = async (batch: OutcomeInput[]) => {
    try {
      const json = JSON.stringify({ environment: options.environment, ...(options.service ? { service: options.service } : {}), outcomes: batch });
      const useGzip = options.gzip ?? true;
      const body = useGzip ? await gzip(json) : json;
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}`, ...(useGzip ? { 'content-encoding': 'gzip' } : {}) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status !== 202) throw new Error(`ripcord ingest answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      await response.arrayBuffer();
    } catch (error) {
      dropped += batch.length;
      options.onError?.(error as Error);
    }
  };

  const flush = (): Promise<void> => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      buffer = buffer.slice(maxBatch);
      sending = sending.then(() => send(batch));
    }
    return sending;
  };

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    record(outcome) {
      buffer.push({
        ...outcome,
        at: outcome.at ?? Date.now(),
        ...(outcome.release || outcome.arm ? {} : options.arm ? { arm: options.arm } : { release: options.release }),
      });
      if (buffer.length > maxBuffer) {
        dropped += buffer.length - maxBuffer;
        buffer = buffer.slice(buffer.length - maxBuffer);
      }
      if (buffer.length >= maxBatch) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get dropped() {
      return dropped;
    },
  };
}

/** Node `http` and Express (`app.use(...)`): records status and latency when each response finishes. */
export function ingestMiddleware(client: IngestClient) {
  return (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const started = performance.now();
    res.once('finish', () => {
      client.record({ status: res.statusCode, latency_ms: performance.now() - started, route: (req as { route?: { path?: string } }).route?.path ?? req.url?.split('?')[0] });
    });
    next?.();
  };
}

interface FastifyLike {
  addHook(name: 'onResponse', hook: (request: { routeOptions?: { url?: string }; url: string }, reply: { statusCode: number; elapsedTime: number }) => Promise<void>): unknown;
}

/** Fastify: `fastify.register(fastifyIngest(client))`; applies to every route (not encapsulated). */
export function fastifyIngest(client: IngestClient) {
  const plugin = (fastify: FastifyLike, _options: unknown, done: () => void) => {
    fastify.addHook('onResponse', async (request, reply) => {
      client.record({ status: reply.statusCode, latency_ms: reply.elapsedTime, route: request.routeOptions?.url ?? request.url });
    });
    done();
  };
  // What fastify-plugin does: register the hook on the parent, not in a child context.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
