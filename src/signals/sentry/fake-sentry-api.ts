import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the Sentry API subset sentry-api.ts calls, built from Sentry's documentation (Retrieve Release
 * Health Session Statistics; Discover events with `field=count()`), for tests: Sentry's cloud cannot run
 * here. It keeps sessions and error events in memory, honours `project`, `environment`, `start`/`end`,
 * `query` (`release:"…"` joined by OR, `event.type:error`), `groupBy` (release, session.status) and the
 * fields sum(session), crash_free_rate(session|user), and answers 401 `{ detail }` to a wrong token.
 */
export interface FakeSession {
  release: string;
  status: 'healthy' | 'errored' | 'crashed' | 'abnormal';
  user: string;
  at: number;
  project?: string;
  environment?: string;
}

export interface FakeSentry {
  url: string;
  sessions: FakeSession[];
  errors: { release: string; at: number; project?: string; environment?: string }[];
  requests: string[];
  close(): Promise<void>;
}

const releasesIn = (query: string) => [...query.matchAll(/release:"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] as string).replace(/\\"/g, '"'));

export async function startFakeSentry(options: { org: string; token: string; project: string }): Promise<FakeSentry> {
  const sessions: FakeSession[] = [];
  const errors: FakeSentry['errors'] = [];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(url.pathname + url.search);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${options.token}`) return send(401, { detail: 'Invalid token' });
    const match = /^\/api\/0\/organizations\/([^/]+)\/(sessions|events)\/$/.exec(url.pathname);
    if (!match || match[1] !== options.org) return send(404, { detail: 'The requested resource does not exist' });
    const q = url.searchParams;
    const start = Date.parse(q.get('start') ?? '');
    const end = Date.parse(q.get('end') ?? '');
    const project = q.get('project');
    const environment = q.get('environment');
    const inScope = (r: { at: number; project?: string | undefined; environment?: string | undefined }) =>
      (!Number.isFinite(start) || r.at >= start) && (!Number.isFinite(end) || r.at < end) && (!project || (r.project ?? options.project) === project) && (!environment || r.environment === undefined || r.environment === environment);
    const query = q.get('query') ?? '';
    const wanted = releasesIn(query);
    if (match[2] === 'events') {
      const count = errors.filter((e) => inScope(e) && (wanted.length === 0 || wanted.includes(e.release))).length;
      return send(200, { data: [{ 'count()': count }], meta: { fields: { 'count()': 'integer' } } });
    }
    const fields = q.getAll('field');
    if (fields.length === 0) return send(400, { detail: 'Request is missing a "field"' });
    const groupBy = q.getAll('groupBy');
    const chosen = sessions.filter((s) => inScope(s) && (wanted.length === 0 || wanted.includes(s.release)));
    const groups = new Map<string, { by: Record<string, string>; items: FakeSession[] }>();
    for (const s of chosen) {
      const by = Object.fromEntries(groupBy.map((g) => [g, g === 'release' ? s.release : g === 'session.status' ? s.status : '']));
      const key = JSON.stringify(by);
      const group = groups.get(key) ?? { by, items: [] };
      group.items.push(s);
      groups.set(key, group);
    }
    const total = (items: FakeSession[], field: string): number | null => {
      if (field === 'sum(session)') return items.length;
      if (field === 'count_unique(user)') return new Set(items.map((s) => s.user)).size;
      if (field === 'crash_free_rate(session)') return items.length ? items.filter((s) => s.status !== 'crashed').length / items.length : null;
      if (field === 'crash_free_rate(user)') {
        const users = new Set(items.map((s) => s.user));
        const crashed = new Set(items.filter((s) => s.status === 'crashed').map((s) => s.user));
        return users.size ? 1 - crashed.size / users.size : null;
      }
      return null;
    };
    for (const field of fields) if (total([], field) === null && !field.startsWith('crash_free_rate(')) return send(400, { detail: `Invalid field: "${field}"` });
    send(200, {
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      intervals: [],
      groups: [...groups.values()].map((g) => ({ by: g.by, totals: Object.fromEntries(fields.map((f) => [f, total(g.items, f)])), series: {} })),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions,
    errors,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
