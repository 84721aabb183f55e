import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { z } from 'zod';
import { RipcordError } from '../../core/errors.js';
import { defineRoute } from '../api-route.js';
import { PACKAGE_ROOT } from '../../package-root.js';

/** Where `npm run build:web` (run by `npm install`'s prepare) writes the dashboard. */
export const DEFAULT_DASHBOARD_DIR = join(PACKAGE_ROOT, 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The built files, read once: the dashboard is a handful of small files, and only these names are served. */
function loadDashboard(dir: string): Map<string, Buffer> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    if (TYPES[extname(name)]) files.set(name, readFileSync(join(dir, name)));
  }
  return files;
}

/**
 * The dashboard (web/), served by `ripcord serve` itself: no second server, no external host. The page is
 * public (it holds no data); everything it shows comes from the token-checked API. `RIPCORD_DASHBOARD_DIR`
 * points at another build (the browser tests build into a temporary folder).
 */
export function dashboardRoutes(deps: { dashboardDir?: string | undefined } = {}) {
  const dir = deps.dashboardDir ?? process.env.RIPCORD_DASHBOARD_DIR ?? DEFAULT_DASHBOARD_DIR;
  let files: Map<string, Buffer> | undefined;
  const file = (name: string): Buffer => {
    files ??= loadDashboard(dir);
    if (!files) throw new RipcordError('unavailable', `the dashboard is not built (no ${join(dir, 'index.html')}): run npm run build:web`);
    const content = files.get(name);
    if (!content) throw new RipcordError('not_found', `the dashboard has no file ${name}`);
    return content;
  };
  const headers = {
    // The page's own scripts and styles only: nothing from another host, ever.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/dashboard',
      summary: 'The dashboard (sign in with an API token)',
      tag: 'dashboard',
      role: null,
      acts: { on: 'nothing' },
      produces: 'text/html; charset=utf-8',
      handler: async ({ reply }) => {
        const html = file('index.html');
        void reply.headers({ ...headers, 'cache-control': 'no-cache' });
        return html;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/dashboard/{file}',
      summary: "The dashboard's scripts and styles",
      tag: 'dashboard',
      role: null,
      acts: { on: 'nothing' },
      params: z.strictObject({ file: z.string().regex(/^[\w.-]+$/).max(200) }),
      handler: async ({ params, reply }) => {
        const content = file(params.file);
        // Vite names built assets by content hash: they never change under one name.
        const immutable = /-[\w-]{8,}\.\w+$/.test(params.file);
        void reply.headers({ ...headers, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' }).type(TYPES[extname(params.file)] ?? 'application/octet-stream');
        return content;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/session',
      summary: "Who the bearer token is: its name, role and environments (the dashboard's sign-in check)",
      tag: 'dashboard',
      role: 'viewer',
      acts: { on: 'nothing' },
      response: z.object({ name: z.string(), role: z.string(), environments: z.array(z.string()).optional() }),
      handler: async ({ token }) => ({ name: token?.name ?? 'anonymous', role: token?.role ?? 'viewer', ...(token?.environments ? { environments: token.environments } : {}) }),
    }),
  ];
}
