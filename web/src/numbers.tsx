import { get } from './api';
import { Chart, type Series } from './chart';
import { duration, percent } from './format';
import { useData } from './live';
import type { MetricLine } from './types';

const show = (m: MetricLine, value: number | null) => (m.unit === 'ms' ? duration(value) : m.unit === 'ratio' ? percent(value) : value === null ? '—' : String(value));

const WEEK = 7 * 86_400_000;
const WEEKS = 12;

/** What each chart shows: the API's metric, or DORA's deployment frequency counted from the release ledger. */
const CHARTED: { name: string; title: string }[] = [
  { name: 'deployment_frequency', title: 'Deployment frequency (releases per week)' },
  { name: 'change_failure_rate', title: 'Change failure rate (incidents per release)' },
  { name: 'total_recovery_time', title: 'Failed deployment recovery time (start → resolved), minutes' },
  { name: 'mttd', title: 'MTTD, minutes' },
  { name: 'mtta', title: 'MTTA, minutes' },
  { name: 'mttr', title: 'MTTR, minutes' },
  { name: 'rollback_success_rate', title: 'Rollback success rate' },
  { name: 'false_positive_rate', title: 'False positives (rollbacks marked unnecessary)' },
];

interface Weekly {
  times: number[];
  lines: Record<string, (number | null)[]>;
  targets: Record<string, number | null>;
}

/** The same numbers week by week (12 calls of the metrics route, one per week) and releases per week. */
async function weekly(): Promise<Weekly> {
  const end = Math.ceil(Date.now() / WEEK) * WEEK;
  const starts = Array.from({ length: WEEKS }, (_, i) => end - (WEEKS - i) * WEEK);
  const [answers, releases] = await Promise.all([
    Promise.all(starts.map((from) => get<{ metrics: MetricLine[] }>(`/api/v1/metrics/recovery?from=${new Date(from).toISOString()}&to=${new Date(from + WEEK).toISOString()}`))),
    get<{ releases: { deployedAt: string }[] }>('/api/v1/releases?limit=200').catch(() => ({ releases: [] })),
  ]);
  const lines: Weekly['lines'] = {};
  const targets: Weekly['targets'] = {};
  answers.forEach((answer, week) => {
    for (const m of answer.metrics) {
      const list = lines[m.name] ?? new Array<number | null>(WEEKS).fill(null);
      lines[m.name] = list;
      list[week] = m.value === null ? null : m.unit === 'ms' ? m.value / 60_000 : m.value;
      targets[m.name] = m.target === null ? null : m.unit === 'ms' ? m.target / 60_000 : m.target;
    }
  });
  lines.deployment_frequency = starts.map((from) => releases.releases.filter((r) => Date.parse(r.deployedAt) >= from && Date.parse(r.deployedAt) < from + WEEK).length);
  return { times: starts.map((t) => t / 1000), lines, targets };
}

function WeeklyCharts() {
  const { data, error } = useData(weekly, [], 0, false);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data) return <p aria-busy="true">Loading the weekly numbers…</p>;
  return (
    <>
      {CHARTED.map((c) => {
        const values = data.lines[c.name] ?? data.times.map(() => null);
        const target = data.targets[c.name];
        const series: Series[] = [{ label: c.name, color: '#0969da', values }];
        if (target !== null && target !== undefined && Number.isFinite(target)) series.push({ label: 'seed target', color: '#57606a', dashed: true, values: data.times.map(() => target) });
        return <Chart key={c.name} title={c.title} times={data.times} series={series} height={160} />;
      })}
    </>
  );
}

/** The recovery numbers against the seeds' targets: the last 90 days as bars, and week by week as charts. */
export function NumbersView() {
  const { data, error } = useData(() => get<{ period: { from: string; to: string }; incidents: number; metrics: MetricLine[] }>('/api/v1/metrics/recovery'), []);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  return (
    <section data-view="numbers" aria-labelledby="numbers-title">
      <h1 id="numbers-title">Numbers (last 90 days, {data.incidents} incidents)</h1>
      <table>
        <caption class="visually-hidden">Recovery metrics against targets</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Value</th>
            <th scope="col">Target</th>
            <th scope="col">Against target</th>
            <th scope="col">Samples</th>
          </tr>
        </thead>
        <tbody>
          {data.metrics.map((m) => {
            const scale = Math.max(m.value ?? 0, m.target ?? 0) || 1;
            return (
              <tr key={m.name} class={m.meetsTarget === false ? 'missed' : ''}>
                <th scope="row">{m.name}</th>
                <td>{show(m, m.value)}</td>
                <td>{show(m, m.target)}</td>
                <td>
                  <svg width="160" height="14" role="img" aria-label={`${m.name} ${show(m, m.value)} against target ${show(m, m.target)}`}>
                    <rect x="0" y="2" width={(160 * (m.value ?? 0)) / scale} height="10" fill={m.meetsTarget === false ? '#cf222e' : '#1a7f37'} />
                    {m.target !== null && <line x1={(160 * m.target) / scale} x2={(160 * m.target) / scale} y1="0" y2="14" stroke="#24292f" stroke-width="2" />}
                  </svg>{' '}
                  {m.meetsTarget === null ? 'no data' : m.meetsTarget ? 'meets' : 'misses'}
                </td>
                <td>{m.samples}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Week by week (last {WEEKS} weeks)</h2>
      <WeeklyCharts />
    </section>
  );
}
