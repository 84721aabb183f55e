#!/usr/bin/env node
// Compiles every TypeScript file under src/ (tests and test-support aside) to ESM JavaScript in dist/,
// one output file per source file, so the CLI starts without transpiling (ADR 0003). No list of files:
// whatever lands in src/ is built. esbuild only strips types; `npm run typecheck` is the type check.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = readdirSync('src', { recursive: true })
  .map((file) => `src/${file}`)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith('src/test-support/'));

rmSync('dist', { recursive: true, force: true });
await build({ entryPoints, outdir: 'dist', outbase: 'src', format: 'esm', platform: 'node', target: 'node22', sourcemap: 'linked', logLevel: 'warning' });
mkdirSync('dist', { recursive: true });
// bin/ripcord runs dist/ only while this stamp is newer than every source file.
writeFileSync('dist/.built', `${new Date().toISOString()}\n`);
console.log(`build: ${entryPoints.length} files from src/ into dist/`);
