#!/usr/bin/env node
// Builds what bin/ripcord runs: src/cli/main.ts and everything it imports, bundled by esbuild into
// dist/ripcord.js, with each lazily imported part (`await import(...)`: the store, the server, the
// config loader, ...) split into its own chunk beside it. No list of files: a new command or module
// is built because something imports it. esbuild only strips types; `npm run typecheck` is the type
// check. Packages stay in node_modules except the few listed in BUNDLED (ADR 0003).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
// Pure-JS packages made of many small files, bundled so the CLI reads a few files instead of hundreds
// (kysely's ESM build alone took ~1 s to load on a busy 2-core machine). Every other package is loaded
// from node_modules as usual: native ones (better-sqlite3), ones that load files or workers by path
// (pino, fastify), and whatever is added later, until someone measures and adds it here.
const BUNDLED = ['commander', 'kysely', 'zod', 'yaml'];
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].filter((name) => !BUNDLED.includes(name));

rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints: { ripcord: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  // Chunks sit beside ripcord.js: code that finds package.json as ../package.json works from any of them.
  outdir: 'dist',
  chunkNames: '[name]-[hash]',
  // commander is CommonJS: its require('node:events') needs a require in the ES module bundle.
  banner: { js: "import { createRequire as __ripcordRequire } from 'node:module'; const require = __ripcordRequire(import.meta.url);" },
  format: 'esm',
  platform: 'node',
  target: 'node22',
  external,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
// bin/ripcord runs dist/ only while this stamp is newer than every source file.
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
const inputs = Object.keys(result.metafile.inputs).filter((file) => file.startsWith('src/')).length;
console.log(`build: ${inputs} files of src/ into dist/ripcord.js and ${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length - 1} chunks`);
