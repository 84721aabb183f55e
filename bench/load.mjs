// Load generator for bench:recovery (its own process): CONCURRENCY keep-alive clients hitting TARGET/health for
// DURATION_MS; prints one JSON line: totals, failures, requests/s, and when each version last answered.
import http from 'node:http';

const target = new URL(process.env.TARGET);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const until = Date.now() + Number(process.env.DURATION_MS ?? 6000);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const last = {};
let total = 0;
let failed = 0;
const started = Date.now();
// SIGINT ends the run early (bench:recovery's control-plane restart row) and still prints the totals.
let stopped = false;
process.on('SIGINT', () => {
  stopped = true;
});

function once() {
  return new Promise((resolve) => {
    const req = http.get({ hostname: target.hostname, port: target.port, path: '/health', agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        total++;
        if (res.statusCode !== 200) failed++;
        else {
          const version = JSON.parse(body).version;
          last[version] = Date.now();
        }
        resolve();
      });
    });
    req.on('error', () => {
      total++;
      failed++;
      resolve();
    });
  });
}

await Promise.all(Array.from({ length: concurrency }, async () => {
  while (!stopped && Date.now() < until) await once();
}));
const seconds = (Date.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ total, failed, rps: Math.round(total / seconds), last })}\n`);
agent.destroy();
