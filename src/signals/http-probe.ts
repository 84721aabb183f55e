/** An HTTP probe as configured (`signals.<name>.http`), normalised. */
export interface ProbeConfig {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST' | undefined;
  expect_status?: number | undefined;
  body_contains?: string | undefined;
  json_path?: string | undefined;
  json_equals?: string | number | boolean | undefined;
  /** Milliseconds; default 5 s. */
  timeout?: number | undefined;
  headers?: Record<string, string> | undefined;
}

export interface ProbeResult {
  /** Epoch ms when the probe started. */
  at: number;
  ok: boolean;
  status?: number | undefined;
  latencyMs: number;
  /** Why it failed, in words: "expected status 200, got 503", "timed out after 5s", "connection refused". */
  reason?: string | undefined;
}

/** `$.checks.db` / `checks.db` / `items[0].status` → the value at that path, or undefined. */
export function readJsonPath(value: unknown, path: string): unknown {
  const parts = path.replace(/^\$\.?/, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let current: unknown = value;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs}ms`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'host not found';
  return e.cause?.message ?? e.message ?? String(error);
}

/**
 * Runs one probe. Never throws: a down service, a timeout or a wrong body is a failed result with a
 * reason, which is exactly what the health triggers count.
 */
export async function runProbe(config: ProbeConfig, now: () => number = Date.now): Promise<ProbeResult> {
  const timeoutMs = config.timeout ?? 5000;
  const at = now();
  const started = performance.now();
  const done = (ok: boolean, status?: number, reason?: string): ProbeResult => ({ at, ok, status, latencyMs: Math.round(performance.now() - started), reason });
  try {
    const response = await fetch(config.url, { method: config.method ?? 'GET', headers: config.headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const expected = config.expect_status;
    const statusOk = expected !== undefined ? response.status === expected : response.status >= 200 && response.status < 400;
    const needsBody = config.body_contains !== undefined || config.json_path !== undefined;
    let body = '';
    if (needsBody) body = await response.text();
    else await response.body?.cancel();
    if (!statusOk) return done(false, response.status, `expected status ${expected ?? '2xx/3xx'}, got ${response.status}`);
    if (config.body_contains !== undefined && !body.includes(config.body_contains)) {
      return done(false, response.status, `body does not contain "${config.body_contains}"`);
    }
    if (config.json_path !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return done(false, response.status, `body is not JSON, cannot read ${config.json_path}`);
      }
      const actual = readJsonPath(parsed, config.json_path);
      if (config.json_equals !== undefined ? actual !== config.json_equals : actual === undefined || actual === false || actual === null) {
        return done(false, response.status, `${config.json_path} is ${JSON.stringify(actual)}${config.json_equals !== undefined ? `, expected ${JSON.stringify(config.json_equals)}` : ''}`);
      }
    }
    return done(true, response.status);
  } catch (error) {
    return done(false, undefined, describeFailure(error, timeoutMs));
  }
}
