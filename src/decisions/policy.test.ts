import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../config/defaults.js';
import type { Severity } from '../config/schema/fields.js';
import type { Verdict } from '../detection/verdict.js';
import { decide, type Impact } from './policy.js';

const verdict = (severity: Severity, state: Verdict['state'] = 'unhealthy'): Verdict => ({
  state,
  explanation: 'x',
  firing: state === 'unhealthy' ? [{ trigger: 't', kind: 'threshold', severity, state: 'firing', explanation: 'x', values: {}, facts: [] }] : [],
  triggers: [],
});
const calm: Impact = { serviceDown: false, dataLoss: false, majorFeatureBroken: false };

describe("seed 002's decision tree over the matrix", () => {
  it('service down or data loss → P0 immediate rollback (< 5 min), whatever the trigger said', () => {
    expect(decide(verdict('P2'), { ...calm, serviceDown: true }, DEFAULT_POLICY)).toMatchObject({ severity: 'P0', action: 'rollback', deadlineMs: 300_000 });
    const loss = decide(verdict('P3'), { ...calm, dataLoss: true }, DEFAULT_POLICY);
    expect(loss).toMatchObject({ severity: 'P0', action: 'rollback' });
    expect(loss?.explanation).toContain('data is being lost');
  });
  it('error rate > 5% → rollback within 15 min', () => {
    const d = decide(verdict('P2'), { ...calm, errorRate: 0.079 }, DEFAULT_POLICY);
    expect(d).toMatchObject({ severity: 'P1', action: 'rollback', deadlineMs: 900_000 });
    expect(d?.explanation).toBe('P1: worst firing trigger is P2 (t); error rate 7.9% > 5% → rollback within 15m');
  });
  it('major feature broken → assess: rollback only after a person approves', () => {
    expect(decide(verdict('P2'), { ...calm, majorFeatureBroken: true }, DEFAULT_POLICY)).toMatchObject({ severity: 'P1', action: 'rollback_after_approval', approval: 'operator' });
  });
  it("otherwise the trigger's severity through the matrix: P2 kill switch, P3 fix forward next deploy", () => {
    expect(decide(verdict('P2'), calm, DEFAULT_POLICY)).toMatchObject({ action: 'kill_switch', deadlineMs: 3_600_000 });
    expect(decide(verdict('P3'), calm, DEFAULT_POLICY)).toMatchObject({ action: 'fix_forward', deadlineMs: undefined });
  });
  it('uses the team matrix, with approval turning rollback into rollback_after_approval', () => {
    const matrix = { ...DEFAULT_POLICY, P1: { action: 'rollback' as const, within: 600_000, approval: 'team-lead' } };
    expect(decide(verdict('P1'), calm, matrix)).toMatchObject({ action: 'rollback_after_approval', approval: 'team-lead', deadlineMs: 600_000 });
  });
  it('never decides on a healthy or inconclusive verdict (missing data pauses and pages)', () => {
    expect(decide(verdict('P0', 'inconclusive'), { ...calm, serviceDown: true }, DEFAULT_POLICY)).toBeUndefined();
    expect(decide(verdict('P0', 'healthy'), calm, DEFAULT_POLICY)).toBeUndefined();
  });
});
