import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What one Lighthouse run of one URL yields: the performance score (0–100) and the Web Vitals it measured. */
export interface LighthouseMeasurement {
  url: string;
  score: number;
  /** Milliseconds, except CLS (unitless). */
  lcpMs?: number | undefined;
  fcpMs?: number | undefined;
  tbtMs?: number | undefined;
  cls?: number | undefined;
}

/** Debian's Chromium (`apt-get install -y chromium`), headless, as the rest of the project runs it. */
const CHROME_FLAGS = '--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync';

const lighthouseCli = () => join(dirname(createRequire(import.meta.url).resolve('lighthouse/package.json')), 'cli', 'index.js');

interface Lhr {
  runtimeError?: { message?: string };
  categories?: { performance?: { score?: number | null } };
  audits?: Record<string, { numericValue?: number }>;
}

/**
 * Measures `url` with the `lighthouse` package (performance category only) in Chromium. It runs the
 * package's own CLI in a plain Node process: Lighthouse serialises functions into the page, which a
 * TypeScript loader's helpers (tsx's `__name`) would break. `{ error }` in words, never an exception.
 */
export function runLighthouse(url: string, options: { chromePath?: string | undefined; timeoutMs?: number | undefined } = {}): Promise<LighthouseMeasurement | { error: string }> {
  const chromePath = options.chromePath ?? process.env.CHROME_PATH ?? '/usr/bin/chromium';
  const args = [lighthouseCli(), url, '--output=json', '--quiet', '--only-categories=performance', `--chrome-path=${chromePath}`, `--chrome-flags=${CHROME_FLAGS}`, `--max-wait-for-load=${options.timeoutMs ?? 30_000}`];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: (options.timeoutMs ?? 30_000) * 3, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      if (error && !stdout) return resolve({ error: `Lighthouse failed on ${url}: ${(stderr || error.message).trim().split('\n').at(-1)}` });
      let lhr: Lhr;
      try {
        lhr = JSON.parse(stdout) as Lhr;
      } catch {
        return resolve({ error: `Lighthouse gave no JSON for ${url}` });
      }
      if (lhr.runtimeError?.message) return resolve({ error: `Lighthouse could not load ${url}: ${lhr.runtimeError.message}` });
      const score = lhr.categories?.performance?.score;
      if (typeof score !== 'number') return resolve({ error: `Lighthouse gave no performance score for ${url}` });
      const audit = (id: string) => {
        const value = lhr.audits?.[id]?.numericValue;
        return typeof value === 'number' ? value : undefined;
      };
      resolve({ url, score: Math.round(score * 100), lcpMs: audit('largest-contentful-paint'), fcpMs: audit('first-contentful-paint'), tbtMs: audit('total-blocking-time'), cls: audit('cumulative-layout-shift') });
    });
  });
}
