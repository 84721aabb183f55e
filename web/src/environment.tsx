import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, post } from './api';
import { Chart, type Series } from './chart';
import { canOperate, time } from './format';
import { useData, useLive } from './live';
import { RollbackPanel } from './rollback-panel';
import type { Decision, EnvironmentStatus, Me, Watch } from './types';
import { VerdictBadge } from './verdict-badge';

interface Sample {
  at: number;
  values: Record<string, number>;
}

interface SeriesPoint {
  at: string;
  total: number;
  errors: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

interface SeriesAnswer {
  from: string;
  to: string;
  stepSeconds: number;
  releases: Record<string, SeriesPoint[]>;
}

const COLORS = ['#cf222e', '#0969da', '#1a7f37', '#9a6700', '#8250df', '#bc4c00'];

/** The judge's numbers at one look of the watcher (Bayes factors), kept while the page is open. */
function sampleOf(watch: Watch): Sample {
  const values: Record<string, number> = {};
  for (const trigger of watch.triggers) {
    for (const [key, value] of Object.entries(trigger.values)) if (typeof value === 'number') values[`${trigger.trigger}|${key}`] = value;
  }
  return { at: Date.parse(watch.updatedAt) / 1000, values };
}

/** The step grid of the series answer, and each label's values on it (null where no request came). */
function grid(answer: SeriesAnswer) {
  const to = Date.parse(answer.to) / 1000;
  // Start a minute before the first request of the window, so a fresh release is not a sliver at the right.
  const first = Math.min(...Object.values(answer.releases).flatMap((points) => points.map((p) => Date.parse(p.at) / 1000)));
  const from = Math.max(Date.parse(answer.from) / 1000, Number.isFinite(first) ? first - 60 : to - 300);
  const times: number[] = [];
  for (let t = from; t < to; t += answer.stepSeconds) times.push(t);
  const on = (points: SeriesPoint[], pick: (p: SeriesPoint) => number | null) => {
    const byTime = new Map(points.map((p) => [Date.parse(p.at) / 1000, pick(p)]));
    return times.map((t) => byTime.get(t) ?? null);
  };
  return { times, on };
}

/** The release view: verdict and triggers explained, live charts, pending decisions, the rollback button. */
export function EnvironmentView(props: { environment: string; me: Me }) {
  const env = props.environment;
  const live = useLive();
  const status = useData(() => get<{ environments: EnvironmentStatus[] }>('/api/v1/status').then((s) => s.environments.find((e) => e.environment === env)), [env]);
  const watch = useData(() => get<Watch>(`/api/v1/environments/${env}/verdict`).catch(() => undefined), [env], 2000);
  const decisions = useData(() => get<{ decisions: Decision[] }>(`/api/v1/decisions?environment=${env}&limit=10`).catch(() => ({ decisions: [] as Decision[] })), [env]);
  const w = watch.data;
  const current = status.data?.current;
  const [samples, setSamples] = useState<Sample[]>([]);
  const lastAt = useRef<string | undefined>(undefined);
  useEffect(() => {
    const w = watch.data;
    if (!w || w.updatedAt === lastAt.current) return;
    lastAt.current = w.updatedAt;
    setSamples((old) => [...old, sampleOf(w)].slice(-300));
  }, [watch.data]);

  const series = useData(() => get<SeriesAnswer>(`/api/v1/environments/${env}/series?minutes=30&step_seconds=10`).catch(() => undefined), [env], 5000);
  const history = useData(
    async () => {
      const [releases, plans] = await Promise.all([
        get<{ releases: { version: string; deployedAt: string }[] }>(`/api/v1/releases?environment=${env}&limit=20`).catch(() => ({ releases: [] })),
        get<{ plans: { createdAt: string; status: string }[] }>(`/api/v1/rollbacks?environment=${env}&limit=20`).catch(() => ({ plans: [] })),
      ]);
      return { releases: releases.releases, plans: plans.plans };
    },
    [env],
  );
  // Deploy, decision and rollback markers, from the record (not only what happened while the page was open).
  const markers = useMemo(() => {
    const out: { at: number; label: string }[] = [];
    for (const r of history.data?.releases ?? []) out.push({ at: Date.parse(r.deployedAt) / 1000, label: `deploy ${r.version}` });
    for (const d of decisions.data?.decisions ?? []) out.push({ at: Date.parse(d.madeAt) / 1000, label: `decision: ${d.action}` });
    for (const p of history.data?.plans ?? []) out.push({ at: Date.parse(p.createdAt) / 1000, label: 'rollback' });
    return out;
  }, [history.data, decisions.data]);
  const charts = useMemo(() => {
    const out: { title: string; times: number[]; series: Series[] }[] = [];
    const answer = series.data;
    if (answer && Object.keys(answer.releases).length > 0) {
      const { times, on } = grid(answer);
      const labels = Object.keys(answer.releases).sort();
      const rate: Series[] = labels.map((label, i) => ({ label, color: COLORS[i % COLORS.length] as string, values: on(answer.releases[label] ?? [], (p) => p.errorRate) }));
      for (const t of w?.triggers ?? []) {
        if (t.kind === 'threshold' && t.trigger.includes('error_rate') && typeof t.values.above === 'number') rate.push({ label: `${t.trigger} threshold`, color: '#57606a', dashed: true, values: times.map(() => t.values.above as number) });
      }
      out.push({ title: 'Error rate per release / arm', times, series: rate });
      const watched = labels.includes('canary') ? 'canary' : (current?.version && labels.includes(current.version) ? current.version : labels[0]) ?? '';
      const points = answer.releases[watched] ?? [];
      out.push({
        title: `Latency quantiles, ms (${watched})`,
        times,
        series: [
          { label: 'p50', color: COLORS[2] as string, values: on(points, (p) => p.p50) },
          { label: 'p95', color: COLORS[3] as string, values: on(points, (p) => p.p95) },
          { label: 'p99', color: COLORS[0] as string, values: on(points, (p) => p.p99) },
        ],
      });
      out.push({ title: 'Requests per 10 s', times, series: labels.map((label, i) => ({ label, color: COLORS[i % COLORS.length] as string, values: on(answer.releases[label] ?? [], (p) => p.total) })) });
    }
    // One look is a dot, not a line: the evidence chart starts at the second look of the watcher.
    for (const t of samples.length < 2 ? [] : (w?.triggers ?? []).filter((x) => x.kind === 'canary')) {
      for (const key of Object.keys(t.values).filter((k) => k.endsWith('.bayes_factor'))) {
        const ref = key.slice(0, -'.bayes_factor'.length);
        const lines: Series[] = typeof t.values[`${ref}.threshold`] === 'number' ? [{ label: 'threshold', color: '#57606a', dashed: true, values: samples.map(() => t.values[`${ref}.threshold`] as number) }] : [];
        out.push({ title: `Judge's evidence on ${ref}: log10 Bayes factor (since this page opened)`, times: samples.map((s) => s.at), series: [{ label: 'log10 Bayes factor', color: COLORS[4] as string, values: samples.map((s) => { const v = s.values[`${t.trigger}|${key}`]; return v && v > 0 ? Math.log10(v) : null; }) }, ...lines.map((l) => ({ ...l, values: l.values.map((v) => (v && v > 0 ? Math.log10(v) : null)) }))] });
      }
    }
    return out;
  }, [w, samples, series.data, current]);

  // A verdict or a pending decision about a release that no longer serves (rolled back) is history, not news.
  const fresh = Boolean(w && current && w.releaseId === current.id);
  const pending = (decisions.data?.decisions ?? []).filter((d) => d.status === 'pending' && (!d.releaseId || d.releaseId === current?.id));
  return (
    <section data-view="environment" aria-labelledby="env-title" data-samples={samples.length}>
      <h1 id="env-title">
        {env} <VerdictBadge state={fresh ? w?.verdict : status.data?.verdict?.state} />
      </h1>
      <p>
        <a href="#/">← all environments</a> · <a href={`#/env/${env}/flags`}>Kill switches</a>
      </p>
      <dl class="facts">
        <dt>Live release</dt>
        <dd data-field="current">{current ? `${current.version} (${current.status})` : 'none'}</dd>
        <dt>Last known good</dt>
        <dd>{status.data?.lastKnownGood?.version ?? 'none yet'}</dd>
        <dt>Verdict</dt>
        <dd data-field="explanation">
          {w && fresh ? w.explanation : w ? `not judged yet; the last verdict was on ${w.version}: ${w.verdict} (${w.explanation})` : 'not watched (no signals configured, or no release yet)'}
        </dd>
      </dl>
      {w && fresh && w.triggers.length > 0 && (
        <>
          <h2>Triggers</h2>
          <ul class="triggers">
            {w.triggers.map((t) => (
              <li key={t.trigger} class={t.state}>
                <strong>
                  {t.trigger} ({t.severity}): {t.state}
                </strong>
                <br />
                {t.explanation}
              </li>
            ))}
          </ul>
        </>
      )}
      {pending.map((d) => (
        <DecisionCard key={d.id} decision={d} me={props.me} onDone={decisions.reload} />
      ))}
      <RollbackPanel environment={env} me={props.me} />
      <h2>Signals</h2>
      {charts.length === 0 ? <p>No numbers yet: charts fill in as the watcher reports.</p> : charts.map((c) => <Chart key={c.title} title={c.title} times={c.times} series={c.series} markers={markers} />)}
      <h2>Events</h2>
      <ol class="events">
        {live.events
          .filter((e) => e.environment === env)
          .slice(-20)
          .reverse()
          .map((e) => (
            <li key={`${e.at}${e.type}`}>
              {time(e.at)} <strong>{e.type}</strong> {typeof e.explanation === 'string' ? e.explanation : typeof e.reason === 'string' ? e.reason : ''}
            </li>
          ))}
      </ol>
    </section>
  );
}

function DecisionCard(props: { decision: Decision; me: Me; onDone: () => void }) {
  const d = props.decision;
  const [error, setError] = useState<string | undefined>();
  const allowed = canOperate(props.me.role);
  const act = async (verb: 'approve' | 'veto') => {
    if (!window.confirm(`${verb === 'approve' ? 'Approve' : 'Veto'} this ${d.action} decision?`)) return;
    try {
      await post(`/api/v1/decisions/${d.id}/${verb}`, { reason: `${verb} from the dashboard` });
      props.onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <article class="decision" aria-label="pending decision">
      <h2>
        Pending decision: {d.action} ({d.severity})
      </h2>
      <p>{d.explanation}</p>
      {d.deadline && <p>Deadline: {time(d.deadline)}</p>}
      <button type="button" disabled={!allowed} onClick={() => act('approve')}>
        Approve
      </button>{' '}
      <button type="button" disabled={!allowed} onClick={() => act('veto')}>
        Veto
      </button>
      {!allowed && <p class="why">Your token has role {props.me.role}; approving or vetoing needs operator.</p>}
      {error && <p role="alert" class="error">{error}</p>}
    </article>
  );
}
