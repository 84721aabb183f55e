#!/usr/bin/env node
// `npm run bench:cli`: how long the CLI takes, whole process, beside a bare `node -e ''` on the same Node.
// Targets (issue 12): --version and --help under 0.3 s, `status` against a running server under 0.5 s
// (medians). Writes bench/results/cli.md. RUNS=N changes the number of runs per command (default 15).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'bin/ripcord');
const RUNS = Number(process.env.RUNS ?? 15);
const TOKEN = 'rcp_bench-cli-token-0000000000000000';

function time(command, args, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0] };
}

/** `ripcord serve` on an OS-assigned port; resolves with its URL once it prints it. */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-cli-'));
  const child = spawn(bin, ['serve', '--port', '0', '--data-dir', join(dir, 'data')], { env: { ...process.env, RIPCORD_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`ripcord serve exited ${code} before listening`)));
  });
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}

const server = await startServer();
const cases = [
  { name: "node -e ''", command: process.execPath, args: ['-e', ''], target: undefined },
  { name: 'ripcord --version', command: bin, args: ['--version'], target: 300 },
  { name: 'ripcord --help', command: bin, args: ['--help'], target: 300 },
  { name: 'ripcord status (server)', command: bin, args: ['status', '--server', server.url, '--token', TOKEN], target: 500 },
  { name: 'ripcord status --json (server)', command: bin, args: ['status', '--json', '--server', server.url, '--token', TOKEN], target: 500 },
];
const rows = [];
try {
  for (const c of cases) time(c.command, c.args); // warm the file cache and Node's compile cache once
  for (const c of cases) {
    const samples = [];
    for (let i = 0; i < RUNS; i++) samples.push(time(c.command, c.args));
    rows.push({ ...c, ...stats(samples) });
  }
} finally {
  server.stop();
}

const s = (ms) => (ms / 1000).toFixed(3);
const table = [
  '| command | median (s) | p90 (s) | min (s) | target | met |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| \`${r.name}\` | ${s(r.median)} | ${s(r.p90)} | ${s(r.min)} | ${r.target ? `< ${s(r.target)}` : 'baseline'} | ${r.target ? (r.median < r.target ? 'yes' : 'NO') : '-'} |`),
].join('\n');
const node = spawnSync(process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim();
const report = `# CLI start-up

Command: \`npm run bench:cli\` (bench/cli/run.mjs), ${RUNS} runs per command after one warm-up, whole process
(spawn to exit) as a user runs it: \`./bin/ripcord\` with the compiled dist/ (\`npm run build\`, done by
\`npm install\`). \`status\` talks to a \`ripcord serve\` started by the benchmark on an OS-assigned port.

Node ${node}, ${cpus().length} cores, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (the machine is shared:
compare each row with the \`node -e ''\` baseline measured in the same run).

${table}
`;
writeFileSync(join(root, 'bench/results/cli.md'), report);
console.log(report);
