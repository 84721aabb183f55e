import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/ripcord');
const run = promisify(execFile);

async function ripcord(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd, env: { ...process.env, RIPCORD_SERVER: '', RIPCORD_TOKEN: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('ripcord watch and decision', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-watch-'));
  let health: Server;
  beforeAll(async () => {
    health = createServer((_req, res) => {
      res.statusCode = 503;
      res.end('down');
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    const port = (health.address() as AddressInfo).port;
    writeFileSync(
      join(dir, 'ripcord.yaml'),
      `service: pulse\nenvironments:\n  production:\n    signals:\n      health: { http: http://127.0.0.1:${port}/health }\n      requests: { ingest: true }\n`,
    );
  });
  afterAll(() => new Promise<void>((r) => health.close(() => r())));

  it('reads the verdict on the local store: probes run, missing request data is inconclusive, not unhealthy', async () => {
    expect((await ripcord(['deploy', 'record', '--env', 'production', '--version', 'v2'], dir)).code).toBe(0);
    const json = await ripcord(['watch', 'production', '--once', '--json'], dir);
    expect(json.code).toBe(0);
    const watch = JSON.parse(json.stdout);
    expect(watch).toMatchObject({ environment: 'production', version: 'v2', verdict: 'inconclusive' });
    expect(watch.signals['health.failures'].value).toBe(1);
    const plain = await ripcord(['watch', 'production', '--once'], dir);
    expect(plain.stdout).toContain('INCONCLUSIVE (cannot judge: a person should look)');
    expect(plain.stdout).toContain('requests.error_rate: no measurements yet');
    expect(plain.stdout).toContain('decision: none');
    expect((await ripcord(['watch', '--help'], dir)).stdout).toContain('Example:');
  }, 120_000);

  it('approving a decision needs the server, and says so', async () => {
    const result = await ripcord(['decision', 'approve', 'dec_x'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('decisions live on the server');
  });
});

describe('ripcord watch exit codes and pipes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-watch-exit-'));
  beforeAll(async () => {
    writeFileSync(
      join(dir, 'ripcord.yaml'),
      'service: pulse\nenvironments:\n  production:\n    signals:\n      probe: { static: { values: { failures: 5 } } }\n    triggers:\n      - { signal: probe.failures, above: 3, within: 5m, severity: P3 }\n',
    );
    expect((await ripcord(['deploy', 'record', '--env', 'production', '--version', 'v2'], dir)).code).toBe(0);
  }, 120_000);

  it('--once exits 1 when the verdict is unhealthy, and says so on stderr', async () => {
    const result = await ripcord(['watch', 'production', '--once', '--json'], dir);
    expect(JSON.parse(result.stdout)).toMatchObject({ verdict: 'unhealthy', version: 'v2' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pulse/production v2 is unhealthy; decision dec_');
  }, 120_000);

  it('ends quietly when the reader of its output goes away (| head)', async () => {
    const { stdout, stderr } = await run('sh', ['-c', `"${BIN}" watch production --interval 0.2 | head -n 1`], { cwd: dir, env: { ...process.env, RIPCORD_SERVER: '', RIPCORD_TOKEN: '' } });
    expect(stdout).toContain('pulse/production v2');
    expect(stderr).toBe('');
  }, 120_000);
});
