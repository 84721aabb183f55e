import { sprtExpectedBadEvents } from '../../src/detection/sequential-count-test.js';
import { binomial, poisson } from '../../src/test-support/seeded-random.js';
import type { Detector, Step } from './detectors.js';

/** One traffic configuration with known ground truth. */
export interface Scenario {
  /** Canary requests per second. */
  canaryRate: number;
  /** Canary share of traffic (the baseline gets the rest). */
  share: number;
  /** Baseline probability that a request is bad (an error, or slower than the baseline P95). */
  baseBad: number;
  /** Canary bad probability once the regression starts; equal to baseBad for "no regression". */
  canaryBad: number;
  /** Seconds after the deploy when the regression starts. */
  onset: number;
  /** Seconds simulated after the onset. */
  horizon: number;
  /** Seconds per step (the detectors look at every step). */
  dt: number;
  /**
   * Finer steps for the first `seconds` after the onset, where the cell's SPRT limit is only a few
   * seconds: at 1-second looks a detection at 3.4 s reads as 4 s, a 20% error on a 2-s limit. The
   * stream is the same kind of stream, cut into smaller steps; every detector sees them.
   */
  fine?: { dt: number; seconds: number } | undefined;
}

export interface RunResult {
  /** Seconds from onset to the first rollback call, per detector; undefined = never within the horizon. */
  ttd: (number | undefined)[];
  /** Bad canary requests served from onset to detection (or to the horizon). */
  badServed: number[];
  /** Fired before the regression started (a false rollback). */
  early: boolean[];
}

/**
 * One stream in virtual time, fed to every detector: per step, requests per arm are Poisson and bad
 * requests among them binomial: no per-request loop.
 */
export function simulate(s: Scenario, detectors: Detector[], random: () => number): RunResult {
  const baseRate = (s.canaryRate * (1 - s.share)) / s.share;
  const ttd: (number | undefined)[] = detectors.map(() => undefined);
  const badServed = detectors.map(() => 0);
  const early = detectors.map(() => false);
  let open = detectors.length;
  let servedSinceOnset = 0;
  const end = s.onset + s.horizon;
  const step: Step = { start: 0, end: 0, canaryN: 0, canaryBad: 0, baseN: 0, baseBad: 0 };
  // Time in whole milliseconds, so that 0.1-s steps add up exactly to the minute boundaries detectors use.
  const endMs = Math.round(end * 1000);
  const onsetMs = Math.round(s.onset * 1000);
  const fineUntilMs = s.fine ? onsetMs + Math.round(s.fine.seconds * 1000) : onsetMs;
  for (let tMs = 0; tMs < endMs && open > 0; ) {
    const fine = s.fine !== undefined && tMs >= onsetMs && tMs < fineUntilMs;
    const dtMs = Math.round((fine ? (s.fine as { dt: number }).dt : s.dt) * 1000);
    const dt = dtMs / 1000;
    const regressed = tMs >= onsetMs;
    step.start = tMs / 1000;
    tMs += dtMs;
    step.end = tMs / 1000;
    step.canaryN = poisson(random, s.canaryRate * dt);
    step.baseN = poisson(random, baseRate * dt);
    step.canaryBad = binomial(random, step.canaryN, regressed ? s.canaryBad : s.baseBad);
    step.baseBad = binomial(random, step.baseN, s.baseBad);
    if (regressed) servedSinceOnset += step.canaryBad;
    for (let d = 0; d < detectors.length; d++) {
      if (ttd[d] !== undefined || early[d]) continue;
      if ((detectors[d] as Detector).step(step)) {
        if (!regressed) early[d] = true;
        else {
          ttd[d] = step.end - s.onset;
          badServed[d] = servedSinceOnset;
        }
        open -= 1;
      }
    }
  }
  for (let d = 0; d < detectors.length; d++) if (ttd[d] === undefined) badServed[d] = servedSinceOnset;
  return { ttd, badServed, early };
}

/** Wald's limit: expected seconds for an SPRT that knows the true ratio (no overshoot). */
export function sprtSeconds(s: Scenario, alpha: number): number {
  const baseRate = (s.canaryRate * (1 - s.share)) / s.share;
  const rho = s.canaryBad / s.baseBad;
  const badPerSecond = s.canaryRate * s.canaryBad + baseRate * s.baseBad;
  return sprtExpectedBadEvents(rho, s.share, alpha) / badPerSecond;
}
