import { get } from './api';
import { duration, percent } from './format';
import { useData } from './live';
import type { MetricLine } from './types';

const show = (m: MetricLine, value: number | null) => (m.unit === 'ms' ? duration(value) : m.unit === 'ratio' ? percent(value) : value === null ? '—' : String(value));

/** The recovery numbers against the seeds' targets, as bars (value vs target) per metric. */
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
    </section>
  );
}
