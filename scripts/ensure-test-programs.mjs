#!/usr/bin/env node
// The one pre-test step, run by `npm test` and `.ci/run` alike: makes sure every external program the
// suites drive is present, and every service they talk to is up on loopback. Idempotent: on a machine
// that has everything it only checks (well under a second). As root with apt, it installs what is
// missing from Debian's packages; otherwise it fails at once with one line saying what to install.
//
// To add a program a new suite needs, add one line to NEEDS below (and say in the README which suite).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * What the suites need. `program`: a command that must be on PATH (or at one of `paths`); `port`: a
 * service that must accept TCP on 127.0.0.1; `debian`: the package that brings it; `start`: how to
 * start the service once installed (Debian packages do not start services on these machines), and
 * `installed`: whether the package is there though the service is down (then it is only started).
 */
export const NEEDS = [
  { name: 'git', program: 'git', debian: 'git', for: 'git provider (src/providers/git)' },
  { name: 'psql', program: 'psql', debian: 'postgresql-client', for: 'postgres provider, store suites' },
  { name: 'pg_dump', program: 'pg_dump', debian: 'postgresql-client', for: 'postgres provider backups' },
  { name: 'prometheus', program: 'prometheus', paths: ['/usr/bin/prometheus'], debian: 'prometheus', for: 'Prometheus signal (*.prometheus.test.ts)' },
  { name: 'chromium', program: 'chromium', paths: ['/usr/bin/chromium'], debian: 'chromium', for: 'dashboard browser tests and the Lighthouse signal (*.browser.test.ts, src/signals/lighthouse)' },
  { name: 'PostgreSQL on 127.0.0.1:5432', port: 5432, debian: 'postgresql', installed: () => existsSync('/etc/postgresql'), start: startPostgres, for: 'store suites on PostgreSQL (*.postgres.test.ts, *.store.test.ts)' },
];

function onPath(program, paths = []) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const candidate of [...dirs.map((dir) => join(dir, program)), ...paths]) {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

function answers(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function isPresent(need) {
  if (need.program) return onPath(need.program, need.paths);
  if (need.port) return answers(need.port);
  return false;
}

/** PostgreSQL's Debian cluster, the way this kind of machine starts it; then the `test` database the suites use. */
function startPostgres() {
  const versions = readdirSync('/etc/postgresql').sort();
  const version = versions.at(-1);
  if (!version) throw new Error('no cluster under /etc/postgresql');
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
}

async function ensureTestDatabase() {
  const url = process.env.RIPCORD_TEST_POSTGRES_URL;
  if (url) return; // someone else's PostgreSQL: theirs to prepare
  const psql = (sql) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-tAc', sql], { encoding: 'utf8' });
  const found = psql("SELECT 1 FROM pg_database WHERE datname = 'test'");
  if (found.status !== 0) throw new Error(`PostgreSQL on 127.0.0.1:5432 refuses user postgres without a password (${found.stderr.trim()}): the suites need trust auth for 127.0.0.1, or set RIPCORD_TEST_POSTGRES_URL`);
  if (found.stdout.trim() !== '1') run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-c', 'CREATE DATABASE test']);
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})`);
}

async function until(check, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return check();
}

/** What to do about what is missing: install (root with apt), or stop with the one line to run. Pure, so it is tested. */
export function plan(missing, { root, apt }) {
  if (missing.length === 0) return { action: 'none' };
  const packages = [...new Set(missing.map((need) => need.debian))];
  if (root && apt) return { action: 'install', packages };
  const names = missing.map((need) => need.name).join(', ');
  const how = apt ? `sudo apt-get install -y ${packages.join(' ')} (or run npm test as root, which installs them)` : `install ${packages.join(', ')} (Debian package names)`;
  return { action: 'fail', message: `ripcord's test suites need ${names}, missing on this machine: ${how}` };
}

export async function ensureTestPrograms() {
  const missing = [];
  for (const need of NEEDS) if (!(await isPresent(need))) missing.push(need);
  for (const need of missing.filter((n) => n.installed?.())) await start(need);
  missing.splice(0, missing.length, ...missing.filter((n) => !(n.installed?.())));
  const step = plan(missing, { root: process.getuid?.() === 0, apt: onPath('apt-get') });
  if (step.action === 'fail') throw new Error(step.message);
  if (step.action === 'install') {
    console.log(`ensure-test-programs: installing ${step.packages.join(' ')} for ${missing.map((need) => need.name).join(', ')}`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const install = ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', ...step.packages];
    // A fresh machine's package lists may be missing or stale: update once, only when the install needs it.
    if (spawnSync('apt-get', install, { stdio: 'inherit', env: { ...process.env, ...env } }).status !== 0) {
      run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update'], env);
      run('apt-get', install, env);
    }
  }
  for (const need of missing) {
    if (await isPresent(need)) continue;
    if (!need.start) throw new Error(`${need.name} is still missing after installing ${need.debian}`);
    await start(need);
  }
  await ensureTestDatabase();
}

async function start(need) {
  console.log(`ensure-test-programs: ${need.name} is down; starting it`);
  try {
    need.start();
  } catch (error) {
    throw new Error(`${need.name} is installed but down, and starting it failed: ${error.message}; start it by hand (as root)`);
  }
  if (!(await until(() => isPresent(need), 30_000))) throw new Error(`${need.name} did not come up within 30 s after starting it`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await ensureTestPrograms();
  } catch (error) {
    // One line: what is missing and what to run.
    console.error(error.message);
    process.exit(1);
  }
}
