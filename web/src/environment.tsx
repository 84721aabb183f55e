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

const COLORS = ['#cf222e', '#0969da', '#1a7f37', '#9a6700', '#8250df', '#bc4c00'];
const MARKED = new Set(['release.recorded', 'decision.made', 'decision.approved', 'decision.vetoed', 'rollback.started', 'rollback.finished']);

/** Every number the watcher reported at one look: signal values and the triggers' numbers, flattened. */
function sampleOf(watch: Watch): Sample {
  const values: Record<string, number> = {};
  for (const [name, signal] of Object.entries(watch.signals)) if (typeof signal.value === 'number') values[name] = signal.value;
  for (const trigger of watch.triggers) {
    for (const [key, value] of Object.entries(trigger.values)) if (typeof value === 'number') values[`${trigger.trigger}|${key}`] = value;
    const canaryBad = Object.keys(trigger.values).filter((k) => k.endsWith('.canary_bad'));
    for (const key of canaryBad) {
      const ref = key.slice(0, -'.canary_bad'.length);
      const rate = (bad: string, total: string) => {
        const t = Number(trigger.values[`${ref}.${total}`] ?? 0);
        return t > 0 ? Number(trigger.values[`${ref}.${bad}`] ?? 0) / t : undefined;
      };
      const canary = rate('canary_bad', 'canary_total');
      const baseline = rate('baseline_bad', 'baseline_total');
      if (canary !== undefined) values[`${ref}|canary`] = canary;
      if (baseline !== undefined) values[`${ref}|baseline`] = baseline;
    }
  }
  return { at: Date.parse(watch.updatedAt) / 1000, values };
}

function seriesFor(samples: Sample[], keys: { key: string; label: string }[], lines: { label: string; value: number }[] = []): { times: number[]; series: Series[] } {
  const times = samples.map((s) => s.at);
  const series: Series[] = keys.map((k, i) => ({ label: k.label, color: COLORS[i % COLORS.length] as string, values: samples.map((s) => s.values[k.key] ?? null) }));
  for (const line of lines) series.push({ label: line.label, color: '#57606a', dashed: true, values: samples.map(() => line.value) });
  return { times, series };
}

/** The release view: verdict and triggers explained, live charts, pending decisions, the rollback button. */
export function EnvironmentView(props: { environment: string; me: Me }) {
  const env = props.environment;
  const live = useLive();
  const status = useData(() => get<{ environments: EnvironmentStatus[] }>('/api/v1/status').then((s) => s.environments.find((e) => e.environment === env)), [env]);
  const watch = useData(() => get<Watch>(`/api/v1/environments/${env}/verdict`).catch(() => undefined), [env], 2000);
  const decisions = useData(() => get<{ decisions: Decision[] }>(`/api/v1/decisions?environment=${env}&limit=10`).catch(() => ({ decisions: [] as Decision[] })), [env]);
  const [samples, setSamples] = useState<Sample[]>([]);
  const lastAt = useRef<string | undefined>(undefined);
  useEffect(() => {
    const w = watch.data;
    if (!w || w.updatedAt === lastAt.current) return;
    lastAt.current = w.updatedAt;
    setSamples((old) => [...old, sampleOf(w)].slice(-300));
  }, [watch.data]);

  const markers = useMemo(
    () => live.events.filter((e) => e.environment === env && MARKED.has(e.type)).map((e) => ({ at: Date.parse(e.at) / 1000, label: e.type.replace('release.recorded', 'deploy').replace('.', ' ') })),
    [live.events, env],
  );
  const w = watch.data;
  const current = status.data?.current;
  const charts = useMemo(() => {
    if (!w) return [];
    const out: { title: string; data: { times: number[]; series: Series[] } }[] = [];
    const signalKeys = Object.keys(w.signals).filter((k) => samples.some((s) => s.values[k] !== undefined));
    for (const name of signalKeys) {
      const lines = w.triggers
        .filter((t) => t.kind === 'threshold' && t.trigger.startsWith(name) && typeof t.values.above === 'number')
        .map((t) => ({ label: `${t.trigger} threshold`, value: t.values.above as number }));
      out.push({ title: name, data: seriesFor(samples, [{ key: name, label: name }], lines) });
    }
    for (const t of w.triggers.filter((x) => x.kind === 'canary')) {
      const refs = Object.keys(t.values).filter((k) => k.endsWith('.bayes_factor')).map((k) => k.slice(0, -'.bayes_factor'.length));
      for (const ref of refs) {
        out.push({ title: `${ref}: error rate per arm`, data: seriesFor(samples, [{ key: `${ref}|canary`, label: 'canary' }, { key: `${ref}|baseline`, label: 'baseline' }]) });
        const thresholdKey = Object.keys(t.values).find((k) => k === `${ref}.threshold`);
        const lines = thresholdKey ? [{ label: 'threshold', value: t.values[thresholdKey] as number }] : [];
        out.push({ title: `${ref}: Bayes factor (evidence against the canary)`, data: seriesFor(samples, [{ key: `${t.trigger}|${ref}.bayes_factor`, label: 'Bayes factor' }], lines) });
      }
    }
    return out;
  }, [w, samples]);

  const pending = (decisions.data?.decisions ?? []).filter((d) => d.status === 'pending');
  return (
    <section data-view="environment" aria-labelledby="env-title">
      <h1 id="env-title">
        {env} <VerdictBadge state={w && current && w.releaseId === current.id ? w.verdict : status.data?.verdict?.state} />
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
        <dd data-field="explanation">{w ? w.explanation : 'not watched (no signals configured, or no release yet)'}</dd>
      </dl>
      {w && w.triggers.length > 0 && (
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
      {charts.length === 0 ? <p>No numbers yet: charts fill in as the watcher reports.</p> : charts.map((c) => <Chart key={c.title} title={c.title} times={c.data.times} series={c.data.series} markers={markers} />)}
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
