import { useEffect, useState } from 'preact/hooks';
import { type LiveEvent, session, subscribeEvents } from './api';
import { EnvironmentView } from './environment';
import { FlagsView } from './flags';
import { Home } from './home';
import { IncidentList, IncidentView } from './incidents';
import { type Live, LiveContext } from './live';
import { Login } from './login';
import { NumbersView } from './numbers';
import { get } from './api';
import type { Me } from './types';

/** Routes live in the hash (#/env/production): nothing secret, nothing the server must know. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function useLiveEvents(enabled: boolean): Live {
  const [live, setLive] = useState<Live>({ version: 0, connected: false, events: [] });
  useEffect(() => {
    if (!enabled) return;
    return subscribeEvents(
      (event: LiveEvent) => setLive((old) => ({ version: old.version + 1, connected: true, events: [...old.events, event].slice(-200) })),
      (connected) => setLive((old) => ({ ...old, connected })),
    );
  }, [enabled]);
  return live;
}

export function App() {
  const [me, setMe] = useState<Me | undefined>();
  const [checking, setChecking] = useState(Boolean(session.token()));
  const route = useRoute();
  const live = useLiveEvents(Boolean(me));
  useEffect(() => {
    if (!session.token()) return;
    get<Me>('/api/v1/session').then(setMe, () => session.clear()).finally(() => setChecking(false));
  }, []);
  if (checking) return <p aria-busy="true">Signing in…</p>;
  if (!me) return <Login onSignedIn={setMe} />;
  const [first, id, sub] = route;
  let view = <Home />;
  if (first === 'env' && id && sub === 'flags') view = <FlagsView environment={id} me={me} />;
  else if (first === 'env' && id) view = <EnvironmentView environment={id} me={me} />;
  else if (first === 'incidents') view = <IncidentList />;
  else if (first === 'incident' && id) view = <IncidentView id={id} me={me} />;
  else if (first === 'numbers') view = <NumbersView />;
  return (
    <LiveContext.Provider value={live}>
      <header>
        <nav aria-label="main">
          <strong>ripcord</strong> <a href="#/">Home</a> <a href="#/incidents">Incidents</a> <a href="#/numbers">Numbers</a> <a href="/status">Status page</a>
        </nav>
        <p class="who">
          <span class={`dot ${live.connected ? 'on' : 'off'}`} aria-label={live.connected ? 'live updates connected' : 'live updates disconnected'} role="img" />
          {me.name} ({me.role}){' '}
          <button
            type="button"
            onClick={() => {
              session.clear();
              setMe(undefined);
            }}
          >
            Sign out
          </button>
        </p>
      </header>
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </LiveContext.Provider>
  );
}
