import { useState } from 'preact/hooks';
import { get, post } from './api';
import { canOperate, time } from './format';
import { useData } from './live';
import type { Incident, Me } from './types';

const NEXT: Record<string, string[]> = {
  detected: ['mitigating', 'monitoring', 'resolved'],
  acknowledged: ['mitigating', 'monitoring', 'resolved'],
  mitigating: ['monitoring', 'resolved'],
  monitoring: ['resolved'],
  resolved: [],
};

export function IncidentList() {
  const { data, error } = useData(() => get<{ incidents: Incident[] }>('/api/v1/incidents'), [], 5000);
  if (error) return <p role="alert" class="error">{error}</p>;
  return (
    <section data-view="incidents" aria-labelledby="incidents-title">
      <h1 id="incidents-title">Incidents</h1>
      {data?.incidents.length === 0 && <p>No incidents.</p>}
      <ul class="list">
        {(data?.incidents ?? []).map((i) => (
          <li key={i.id}>
            <a href={`#/incident/${i.id}`}>
              {i.severity} {i.title}
            </a>{' '}
            — {i.environment}, {i.status}, {time(i.milestones.detected)}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Pages and acknowledgements are timeline entries; these kinds make up the escalation state. */
const ESCALATION_KINDS = /page|escalat|ack/i;

export function IncidentView(props: { id: string; me: Me }) {
  const incident = useData(() => get<Incident>(`/api/v1/incidents/${props.id}`), [props.id], 3000);
  const postmortem = useData(() => get<string>(`/api/v1/incidents/${props.id}/postmortem`), [props.id]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const allowed = canOperate(props.me.role);
  const act = async (path: string, body?: unknown) => {
    setError(undefined);
    try {
      await post(`/api/v1/incidents/${props.id}${path}`, body);
      incident.reload();
      postmortem.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const i = incident.data;
  if (incident.error) return <p role="alert" class="error">{incident.error}</p>;
  if (!i) return <p aria-busy="true">Loading…</p>;
  const detected = i.milestones.detected ? Date.parse(i.milestones.detected) : undefined;
  const overdue = (item: Incident['checklist'][number]) => !item.doneAt && detected !== undefined && Date.now() - detected > item.dueMinutes * 60_000;
  const escalation = i.timeline.filter((t) => ESCALATION_KINDS.test(t.kind));
  return (
    <section data-view="incident" aria-labelledby="incident-title" data-status={i.status}>
      <h1 id="incident-title">
        {i.severity} {i.title}
      </h1>
      <p>
        <a href="#/incidents">← incidents</a> · {i.environment} · status <strong data-field="status">{i.status}</strong>
        {i.commander ? ` · commander ${i.commander}` : ''}
      </p>
      {error && <p role="alert" class="error">{error}</p>}
      <p>
        <button type="button" disabled={!allowed || i.status !== 'detected'} onClick={() => act('/ack')}>
          Acknowledge
        </button>{' '}
        {NEXT[i.status]?.map((status) => (
          <button type="button" key={status} disabled={!allowed} onClick={() => act('/status', { status })}>
            Mark {status}
          </button>
        ))}
      </p>
      {!allowed && <p class="why">Your token has role {props.me.role}; acting on incidents needs operator.</p>}
      <div class="columns">
        <section aria-labelledby="milestones-title">
          <h2 id="milestones-title">Milestones</h2>
          <dl>
            {['started', 'detected', 'acknowledged', 'mitigated', 'resolved'].map((m) => (
              <>
                <dt key={`${m}-t`}>{m}</dt>
                <dd key={`${m}-d`}>{time(i.milestones[m])}</dd>
              </>
            ))}
          </dl>
          <h2>Escalation</h2>
          {escalation.length === 0 ? <p>Nobody paged yet.</p> : (
            <ul data-field="escalation">
              {escalation.map((t) => (
                <li key={`${t.at}${t.text}`}>
                  {time(t.at)} {t.text}
                </li>
              ))}
            </ul>
          )}
          <h2>Checklist</h2>
          <ul class="checklist">
            {i.checklist.map((item) => (
              <li key={item.item} class={overdue(item) ? 'overdue' : ''}>
                {item.doneAt ? '✔' : '○'} {item.phase}: {item.item} (within {item.dueMinutes} min)
                {item.doneAt ? ` — ${item.doneBy ?? ''} ${time(item.doneAt)}` : overdue(item) ? ' — overdue' : ''}
                {!item.doneAt && allowed && (
                  <>
                    {' '}
                    <button type="button" onClick={() => act('/checklist', { item: item.item })}>
                      Tick “{item.item}”
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <ol class="timeline">
            {i.timeline.map((t) => (
              <li key={`${t.at}${t.kind}${t.text}`}>
                <time dateTime={t.at}>{time(t.at)}</time> <span class="kind">{t.kind}</span> {t.text} <small>({t.actor})</small>
              </li>
            ))}
          </ol>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!note.trim()) return;
              void act('/notes', { text: note.trim() }).then(() => setNote(''));
            }}
          >
            <label for="note">Add a note</label>
            <textarea id="note" value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} disabled={!allowed} />
            <button type="submit" disabled={!allowed}>
              Add note
            </button>
          </form>
        </section>
      </div>
      <h2>Post-mortem (preview)</h2>
      <pre class="postmortem">{postmortem.data ?? postmortem.error ?? '…'}</pre>
    </section>
  );
}
