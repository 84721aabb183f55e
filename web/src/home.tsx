import { useEffect } from 'preact/hooks';
import { get } from './api';
import { time } from './format';
import { useData } from './live';
import type { EnvironmentStatus, Incident, Plan } from './types';
import { VerdictBadge } from './verdict-badge';

const optional = <T,>(promise: Promise<T>, fallback: T) => promise.catch(() => fallback);

/** Every environment: live release, verdict with its reason, open incidents, last known good, last rollback. */
export function Home() {
  const { data, error } = useData(
    async () => {
      const [status, incidents, rollbacks] = await Promise.all([
        get<{ service?: string; environments: EnvironmentStatus[] }>('/api/v1/status'),
        optional(get<{ incidents: Incident[] }>('/api/v1/incidents?open=true'), { incidents: [] }),
        optional(get<{ plans: Plan[] }>('/api/v1/rollbacks?limit=50'), { plans: [] }),
      ]);
      return { status, incidents: incidents.incidents, plans: rollbacks.plans };
    },
    [],
  );
  // Time to first render, for the performance budget (the browser test reads this mark).
  useEffect(() => {
    if (data && performance.getEntriesByName('ripcord:home-rendered').length === 0) performance.mark('ripcord:home-rendered');
  }, [data]);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  return (
    <section data-view="home" aria-labelledby="home-title">
      <h1 id="home-title">{data.status.service ?? 'ripcord'}: where things stand</h1>
      {data.status.environments.length === 0 && <p>No environment yet: record a release with <code>ripcord deploy record</code>.</p>}
      <div class="cards">
        {data.status.environments.map((env) => {
          const open = data.incidents.filter((i) => i.environment === env.environment);
          const last = data.plans.find((p) => p.environment === env.environment);
          return (
            <article class={`card ${env.verdict?.state ?? ''}`} key={env.environment} data-environment={env.environment}>
              <h2>
                <a href={`#/env/${env.environment}`}>
                  {env.service} / {env.environment}
                </a>{' '}
                <VerdictBadge state={env.verdict?.state} />
              </h2>
              <dl>
                <dt>Live release</dt>
                <dd data-field="current">{env.current ? `${env.current.version} (${env.current.status}, ${time(env.current.deployedAt)})` : 'none'}</dd>
                <dt>Verdict</dt>
                <dd data-field="verdict">{env.verdict ? env.verdict.explanation : 'not watched yet'}</dd>
                <dt>Last known good</dt>
                <dd data-field="last-known-good">{env.lastKnownGood?.version ?? 'none yet'}</dd>
                <dt>Last rollback</dt>
                <dd data-field="last-rollback">{last ? `${last.status} — ${last.reason} (${time(last.createdAt)})` : 'none'}</dd>
                <dt>Open incidents</dt>
                <dd data-field="incidents">
                  {open.length === 0
                    ? 'none'
                    : open.map((i) => (
                        <a key={i.id} href={`#/incident/${i.id}`}>
                          {i.severity} {i.title} ({i.status})
                        </a>
                      ))}
                </dd>
              </dl>
              <p>
                <a href={`#/env/${env.environment}`}>Release view</a> · <a href={`#/env/${env.environment}/flags`}>Kill switches</a>
              </p>
            </article>
          );
        })}
      </div>
    </section>
  );
}
