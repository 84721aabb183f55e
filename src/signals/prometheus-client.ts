/** A read from Prometheus: a value, or why there is none. Never throws. */
export type PromReading = { value: number } | { error: string };

/** `{release}` and `{arm}` in a PromQL template, filled in (escaped for a label matcher's string). */
export function fillQuery(template: string, values: { release?: string | undefined; arm?: string | undefined }): string {
  const quote = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return template.replace(/\{(release|arm)\}/g, (whole, name: 'release' | 'arm') => (values[name] !== undefined ? quote(values[name] as string) : whole));
}

interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown };
}

async function call(url: string, headers: Record<string, string> | undefined, timeoutMs: number): Promise<PromResponse | { error: string }> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => undefined)) as PromResponse | undefined;
    if (!body) return { error: `Prometheus answered ${response.status} without JSON` };
    if (body.status !== 'success') return { error: `Prometheus: ${body.error ?? `status ${response.status}`}` };
    return body;
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string }; message?: string };
    if (e.name === 'TimeoutError') return { error: `Prometheus did not answer within ${timeoutMs}ms` };
    return { error: `Prometheus unreachable: ${e.cause?.code ?? e.message}` };
  }
}

/** One number from a vector/scalar answer: the sum over series (queries should aggregate anyway). */
function single(data: { resultType: string; result: unknown }): PromReading {
  if (data.resultType === 'scalar') return { value: Number((data.result as [number, string])[1]) };
  const series = data.result as { value: [number, string] }[];
  if (series.length === 0) return { error: 'query returned no series' };
  const value = series.reduce((sum, s) => sum + Number(s.value[1]), 0);
  return Number.isFinite(value) ? { value } : { error: `query returned ${series[0]?.value[1]}` };
}

/** Prometheus's HTTP API: `/api/v1/query` (instant) and `/api/v1/query_range`. */
export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly headers?: Record<string, string>,
    private readonly timeoutMs = 5000,
  ) {}

  async instant(query: string, at?: number): Promise<PromReading> {
    const params = new URLSearchParams({ query });
    if (at !== undefined) params.set('time', String(at / 1000));
    const body = await call(`${this.baseUrl.replace(/\/$/, '')}/api/v1/query?${params}`, this.headers, this.timeoutMs);
    if ('error' in body && !('status' in body)) return { error: body.error };
    return single((body as PromResponse).data as { resultType: string; result: unknown });
  }

  /** Points of the summed series between `from` and `to` (epoch ms), every `stepMs`. */
  async range(query: string, from: number, to: number, stepMs: number): Promise<{ points: { at: number; value: number }[] } | { error: string }> {
    const params = new URLSearchParams({ query, start: String(from / 1000), end: String(to / 1000), step: `${Math.max(1, Math.round(stepMs / 1000))}s` });
    const body = await call(`${this.baseUrl.replace(/\/$/, '')}/api/v1/query_range?${params}`, this.headers, this.timeoutMs);
    if ('error' in body && !('status' in body)) return { error: body.error };
    const series = ((body as PromResponse).data?.result ?? []) as { values: [number, string][] }[];
    const sums = new Map<number, number>();
    for (const s of series) for (const [t, v] of s.values) sums.set(t * 1000, (sums.get(t * 1000) ?? 0) + Number(v));
    return { points: [...sums.entries()].sort(([a], [b]) => a - b).map(([at, value]) => ({ at, value })) };
  }
}
