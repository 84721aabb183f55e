import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../test-support/until.js';

const BIN = resolve('bin/ripcord');
const run = promisify(execFile);
const TOKEN = 'rcp_incident-cli-admin-token-00000';

describe('ripcord incident (CLI through the server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-incident-cli-'));
  let server: ChildProcess;
  let env: NodeJS.ProcessEnv;
  const ripcord = async (args: string[]) => {
    try {
      const { stdout } = await run(BIN, args, { cwd: dir, env });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout + failed.stderr };
    }
  };

  beforeAll(async () => {
    writeFileSync(join(dir, 'ripcord.yaml'), 'service: pulse-messages\nenvironments:\n  production: {}\n');
    server = spawn(BIN, ['serve', '--port', '0', '--data-dir', join(dir, 'data')], { cwd: dir, env: { ...process.env, RIPCORD_ADMIN_TOKEN: TOKEN } });
    let out = '';
    server.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await until(() => /listening: (http:\S+)/.test(out), 'ripcord serve to print its URL', 30_000);
    env = { ...process.env, RIPCORD_SERVER: /listening: (http:\S+)/.exec(out)?.[1], RIPCORD_TOKEN: TOKEN };
  });
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  // Each command is a new process: on a busy 2-core machine a dozen take a while, hence 90 s.
  it('opens, notes, acknowledges, resolves and reports an incident', async () => {
    const opened = await ripcord(['incident', 'open', '--env', 'production', '--severity', 'Sev2', '--title', 'Split view crashes on load', '--commander', 'alice', '--json']);
    expect(opened.code).toBe(0);
    const incident = JSON.parse(opened.stdout) as { id: string; severity: string };
    expect(incident.severity).toBe('P1');
    expect((await ripcord(['incident', 'note', incident.id, 'Rolled back by hand'])).stdout).toContain('Rolled back by hand');
    expect((await ripcord(['incident', 'ack', incident.id])).stdout).toContain('acknowledged');
    expect((await ripcord(['incident', 'action', 'add', incident.id, 'Add a smoke test for split view', '--owner', 'bob'])).stdout).toContain('[ ] #1 Add a smoke test for split view — bob');
    expect((await ripcord(['incident', 'status', incident.id, 'resolved', '--note', 'verified'])).stdout).toContain('resolved');
    expect((await ripcord(['incident', 'list'])).stdout).toContain('Split view crashes on load');
    const report = await ripcord(['postmortem', incident.id]);
    expect(report.stdout).toContain('# Post-Mortem');
    expect(report.stdout).toContain('Add a smoke test for split view');
    const wrong = await ripcord(['incident', 'status', incident.id, 'detected']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('cannot go back');
  }, 90_000);

  it('corrects the record: impact, root cause, a milestone, a checklist item', async () => {
    const opened = await ripcord(['incident', 'open', '--env', 'production', '--severity', 'P2', '--title', 'Slow search', '--json']);
    const incident = JSON.parse(opened.stdout) as { id: string };
    const updated = await ripcord(['incident', 'update', incident.id, '--users-affected', '12', '--data-loss', 'no', '--root-cause', 'null check missing in the resume parser', '--json']);
    expect(JSON.parse(updated.stdout)).toMatchObject({ impact: { usersAffectedPercent: 12, dataLoss: false }, rootCause: 'null check missing in the resume parser' });
    expect((await ripcord(['incident', 'update', incident.id, '--data-loss', 'maybe'])).stdout).toContain('--data-loss must be yes or no, not "maybe"');
    const corrected = await ripcord(['incident', 'milestone', incident.id, 'started', '2026-03-01T14:20:00Z']);
    expect(corrected.stdout).toContain('Milestone started corrected from unset to 2026-03-01T14:20:00.000Z');
    const checked = await ripcord(['incident', 'check', incident.id, 'cause identified', '--json']);
    expect((JSON.parse(checked.stdout) as { checklist: { item: string; doneBy?: string }[] }).checklist.find((c) => c.item === 'cause identified')?.doneBy).toBe('bootstrap-admin');
  }, 90_000);
});
