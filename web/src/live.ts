import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { LiveEvent } from './api';

/** What the event stream brought: a counter views refetch on, and the recent events (markers, progress). */
export interface Live {
  version: number;
  connected: boolean;
  events: LiveEvent[];
}

export const LiveContext = createContext<Live>({ version: 0, connected: false, events: [] });

export const useLive = () => useContext(LiveContext);

/** Loads `load()` now and again whenever the stream says something changed (unless `followLive` is false), or every `every` ms. */
export function useData<T>(load: () => Promise<T>, deps: unknown[], every = 0, followLive = true): { data: T | undefined; error: string | undefined; reload: () => void } {
  const live = useLive();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
      },
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
    // Reloads on the caller's deps, each streamed event and each reload().
  }, [...deps, followLive ? live.version : 0, nonce]);
  useEffect(() => {
    if (!every) return;
    const timer = setInterval(() => setNonce((n) => n + 1), every);
    return () => clearInterval(timer);
  }, [every]);
  return { data, error, reload: () => setNonce((n) => n + 1) };
}
