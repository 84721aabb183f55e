import { useState } from 'preact/hooks';
import { api, session } from './api';
import type { Me } from './types';

/** Sign in with an API token: checked against the server, then kept in session storage only. */
export function Login(props: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const me = await api<Me>('GET', '/api/v1/session', undefined, token.trim());
      session.save(token.trim());
      setToken('');
      props.onSignedIn(me);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <h1>ripcord</h1>
      <p>Your rollback plan, executable. Sign in with an API token (<code>ripcord token create</code>); it is kept for this tab only.</p>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
