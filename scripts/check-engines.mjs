#!/usr/bin/env node
// Fails when a package in package-lock.json declares an `engines.node` range that the lowest version of
// a supported line does not meet (ADR 0100): with engines `^22.13.0 || ^24.0.0`, every dependency must
// accept 22.13.0 and 24.0.0. Run by `npm run lint`, so a dependency that leaves a supported Node fails CI.
import { readFileSync } from 'node:fs';
import semver from 'semver';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const floors = pkg.engines.node.split('||').map((range) => semver.minVersion(range.trim()).version);
const offenders = [];
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  const range = typeof entry.engines === 'object' && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
  if (!path || !range) continue;
  const unmet = floors.filter((floor) => !semver.satisfies(floor, range));
  if (unmet.length) offenders.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}, not met by ${unmet.join(', ')}`);
}
if (offenders.length) {
  console.error(`check-engines: ${offenders.length} locked package(s) exclude a supported Node (${pkg.engines.node}):\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-engines: every locked package accepts Node ${floors.join(' and ')}`);
