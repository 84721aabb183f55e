import { useRef, useState } from 'preact/hooks';
import { api, get } from './api';
import { canOperate, time } from './format';
import { useData } from './live';
import type { Flag, FlagChange, Me } from './types';

/** Kill switches: the environment's flags, one action off/on with confirmation and reason, and each flag's history. */
export function FlagsView(props: { environment: string; me: Me }) {
  const env = props.environment;
  const flags = useData(() => get<{ flags: Flag[] }>(`/api/v1/environments/${env}/flags`), [env]);
  const [target, setTarget] = useState<{ flag: Flag; enable: boolean } | undefined>();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [history, setHistory] = useState<{ key: string; changes: FlagChange[] } | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  const allowed = canOperate(props.me.role);

  const ask = (flag: Flag) => {
    setTarget({ flag, enable: flag.definition.state !== 'ENABLED' });
    setReason('');
    dialog.current?.showModal();
  };
  const flip = async (event: Event) => {
    event.preventDefault();
    if (!target) return;
    try {
      const query = reason.trim() ? `?reason=${encodeURIComponent(reason.trim())}` : '';
      await api('PATCH', `/api/v1/environments/${env}/flags${query}`, { [target.flag.key]: { enabled: target.enable } });
      dialog.current?.close();
      flags.reload();
      if (history?.key === target.flag.key) void showHistory(target.flag.key);
    } catch (e) {
      setError((e as Error).message);
      dialog.current?.close();
    }
  };
  const showHistory = async (key: string) => setHistory({ key, changes: (await get<{ changes: FlagChange[] }>(`/api/v1/environments/${env}/flags/${key}/history`)).changes });

  return (
    <section data-view="flags" aria-labelledby="flags-title">
      <h1 id="flags-title">Kill switches: {env}</h1>
      <p>
        <a href={`#/env/${env}`}>← release view</a>
      </p>
      {!allowed && <p class="why">Your token has role {props.me.role}; flipping a flag needs operator.</p>}
      {error && <p role="alert" class="error">{error}</p>}
      {flags.error && <p role="alert" class="error">{flags.error}</p>}
      <table>
        <caption class="visually-hidden">Flags of {env}</caption>
        <thead>
          <tr>
            <th scope="col">Flag</th>
            <th scope="col">State</th>
            <th scope="col">Changed</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(flags.data?.flags ?? []).map((flag) => (
            <tr key={flag.key} data-flag={flag.key}>
              <th scope="row">{flag.key}</th>
              <td data-field="state">{flag.definition.state === 'ENABLED' ? 'on' : 'off'}</td>
              <td>
                v{flag.version} by {flag.updatedBy}, {time(flag.updatedAt)}
              </td>
              <td>
                <button type="button" class={flag.definition.state === 'ENABLED' ? 'danger' : ''} disabled={!allowed} onClick={() => ask(flag)}>
                  Turn {flag.definition.state === 'ENABLED' ? 'off' : 'on'} {flag.key}
                </button>{' '}
                <button type="button" onClick={() => showHistory(flag.key)}>
                  History of {flag.key}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {flags.data?.flags.length === 0 && <p>No flags in {env}.</p>}
      <dialog ref={dialog} aria-labelledby="flip-title">
        {target && (
          <form method="dialog" onSubmit={flip}>
            <h2 id="flip-title">
              Turn {target.enable ? 'on' : 'off'} {target.flag.key} in {env}?
            </h2>
            <p>Every app reading this flag (OFREP, the flag stream) sees the change within seconds.</p>
            <label for="flip-reason">Reason</label>
            <input id="flip-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            <p>
              <button type="submit" class="danger">
                Confirm: turn {target.enable ? 'on' : 'off'}
              </button>{' '}
              <button type="button" onClick={() => dialog.current?.close()}>
                Cancel
              </button>
            </p>
          </form>
        )}
      </dialog>
      {history && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">History of {history.key}</h2>
          <ol class="history">
            {history.changes.map((c) => (
              <li key={c.version}>
                v{c.version} {c.definition.state === 'ENABLED' ? 'on' : 'off'} by {c.actor}, {time(c.at)}
                {c.reason ? ` — ${c.reason}` : ''}
              </li>
            ))}
          </ol>
        </section>
      )}
    </section>
  );
}
