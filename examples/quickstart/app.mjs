// The example app: a tiny catalogue API. VERSION and PORT come from the environment.
// Version 2.0.0 has a real bug: it "optimised" item lookup with a cache keyed by id % 100 that
// forgets to handle ids it has not seen warm, so about 8% of item requests crash with a 500.
import { createServer } from 'node:http';

const version = process.env.VERSION ?? '1.0.0';
const port = Number(process.env.PORT ?? 8081);
const warm = new Set(Array.from({ length: 92 }, (_, i) => i)); // ids 0..91 of every hundred are cached

function item(id) {
  if (version === '2.0.0' && !warm.has(id % 100)) throw new TypeError(`Cannot read properties of undefined (reading 'price') for item ${id}`);
  return { id, name: `item ${id}`, price: (id % 50) + 0.99 };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://local');
  try {
    if (url.pathname === '/health') return json(res, 200, { status: 'ok', version });
    const match = /^\/items\/(\d+)$/.exec(url.pathname);
    if (match) return json(res, 200, { ...item(Number(match[1])), served_by: version });
    return json(res, 404, { error: 'not found' });
  } catch (error) {
    return json(res, 500, { error: error.message, served_by: version });
  }
});
// PORT=0: the OS picks the port; the line below tells start.mjs which.
server.listen(port, '127.0.0.1', () => console.log(`app ${version} on http://127.0.0.1:${server.address().port}`));

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
