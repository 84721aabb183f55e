// Steady traffic to the router, like real users: TARGET (default http://127.0.0.1:8080), RATE req/s (default 100).
const target = process.env.TARGET ?? 'http://127.0.0.1:8080';
const rate = Number(process.env.RATE ?? 100);
let sent = 0;
let failed = 0;
setInterval(() => {
  for (let i = 0; i < rate / 10; i++) {
    sent++;
    fetch(`${target}/items/${Math.floor(Math.random() * 10_000)}`)
      .then(async (r) => {
        await r.arrayBuffer();
        if (r.status >= 500) failed++;
      })
      .catch(() => failed++);
  }
}, 100);
setInterval(() => {
  if (process.env.QUIET !== '1') console.log(`traffic: ${sent} requests, ${failed} failed`);
}, 10_000).unref();
