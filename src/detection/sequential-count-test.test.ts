import { describe, expect, it } from 'vitest';
import { binomial, seededRandom } from '../test-support/seeded-random.js';
import { SequentialCountTest, sprtExpectedBadEvents } from './sequential-count-test.js';

describe('SequentialCountTest', () => {
  it('equals the binomial likelihood ratio for a single rate ratio', () => {
    // ρ = 2, s = 0.5 → θ = 2/3. 7 canary and 3 baseline errors: (θ/s)^7 ((1−θ)/(1−s))^3 = (4/3)^7 (2/3)^3.
    const test = new SequentialCountTest(0.001, [2]);
    test.update({ total: 100, bad: 7 }, { total: 100, bad: 3 });
    expect(test.state().bayesFactor).toBeCloseTo((4 / 3) ** 7 * (2 / 3) ** 3, 10);
  });

  it("reproduces Lindon & Malek's closed-form Dirichlet-multinomial Bayes factor (two arms, uniform prior)", () => {
    // Lindon & Malek 2022 (NeurIPS), the multinomial test: with a Dirichlet(α) prior on the arm
    // probabilities, BF = [Γ(Σα) / Γ(Σα + n)] · Π Γ(α_i + x_i) / Γ(α_i) / Π θ0_i^x_i. Two arms, α = (1, 1),
    // 8 canary and 2 baseline errors, canary share θ0 = 0.05:
    //   BF = B(9, 3) / (0.05^8 · 0.95^2) = (8! · 2! / 11!) / (0.05^8 · 0.95^2) ≈ 5.7305e7.
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
    const s = 0.05;
    const published = (factorial(8) * factorial(2)) / factorial(11) / (s ** 8 * (1 - s) ** 2);
    expect(published).toBeCloseTo(5.7305e7, -4);
    // Our test is one-sided: the same uniform prior restricted to θ > s (canary worse), written as an
    // equal-weight grid over ρ at the midpoints of N equal slices of (s, 1). The restricted prior has
    // density 1/(1 − s) there, and the mass of Beta(9, 3) below 0.05 is under 1e-8, so BF = published / (1 − s).
    const N = 4000;
    const grid = Array.from({ length: N }, (_, k) => {
      const theta = s + ((1 - s) * (k + 0.5)) / N;
      return (theta * (1 - s)) / (s * (1 - theta));
    });
    const test = new SequentialCountTest(0.001, grid);
    test.update({ total: 50, bad: 8 }, { total: 950, bad: 2 });
    expect(test.state().bayesFactor / (published / (1 - s))).toBeCloseTo(1, 5);
  });

  it('mixes rate ratios with equal weights and accumulates over buckets', () => {
    const test = new SequentialCountTest(0.01, [2, 4]);
    test.update({ total: 50, bad: 2 }, { total: 150, bad: 1 });
    test.update({ total: 10, bad: 1 }, { total: 10, bad: 0 });
    const lr = (rho: number, s: number, c: number, b: number) => ((rho / (rho * s + 1 - s)) ** c) * ((1 / (rho * s + 1 - s)) ** b);
    const expected = 0.5 * (lr(2, 0.25, 2, 1) * lr(2, 0.5, 1, 0)) + 0.5 * (lr(4, 0.25, 2, 1) * lr(4, 0.5, 1, 0));
    expect(test.state().bayesFactor).toBeCloseTo(expected, 10);
    expect(test.state().canary).toEqual({ total: 60, bad: 3 });
  });

  it('reproduces the closed-form one-sided Beta-binomial Bayes factor (Lindon & Malek 2022, Dirichlet(1,1) prior) on a fine grid', () => {
    // Lindon & Malek's Bayes factor for counts x under a Dirichlet(a) prior against fixed cell
    // probabilities p0 is B(a + x)/B(a) / Π p0_i^x_i. Two cells (canary, baseline), p0 = (s, 1 − s),
    // a = (1, 1), restricted to "canary worse" (θ > s, uniform density 1/(1 − s)):
    //   BF+ = ∫_s^1 θ^c (1 − θ)^b dθ / ((1 − s) s^c (1 − s)^b) = B(c+1, b+1) (1 − I_s(c+1, b+1)) / ((1 − s) s^c (1 − s)^b).
    // By hand for c = 7, b = 3, s = ½: B(8,4) = 7!3!/11! = 1/1320, I_½(8,4) = P(Bin(11,½) ≥ 8) = 232/2048,
    // so BF+ = (1/1320)(227/256)·2·2^10 = 227/165 (the two-sided value is 2^10/1320 = 128/165).
    // With ρ_i at the midpoints of K equal slices of θ ∈ (s, 1) and equal weights, the judge's mixture is
    // the midpoint rule for that integral, so it must agree to about 1/K².
    const closedForm = (c: number, b: number, s: number) => {
      const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
      const n = c + b + 1;
      let tail = 0; // I_s(c+1, b+1) = P(Bin(c+b+1, s) ≥ c+1) for integer arguments
      for (let j = c + 1; j <= n; j++) tail += (fact(n) / (fact(j) * fact(n - j))) * s ** j * (1 - s) ** (n - j);
      return ((fact(c) * fact(b)) / fact(n)) * (1 - tail) / ((1 - s) * s ** c * (1 - s) ** b);
    };
    const midpointGrid = (s: number, k: number) =>
      Array.from({ length: k }, (_, i) => {
        const theta = s + ((1 - s) * (i + 0.5)) / k;
        return (theta * (1 - s)) / (s * (1 - theta)); // θ(ρ) = ρs/(ρs + 1 − s) inverted
      });
    expect(closedForm(7, 3, 0.5)).toBeCloseTo(227 / 165, 12);
    const half = new SequentialCountTest(0.001, midpointGrid(0.5, 4000));
    half.update({ total: 100, bad: 7 }, { total: 100, bad: 3 });
    expect(half.state().bayesFactor).toBeCloseTo(227 / 165, 6);
    // An uneven split, over two buckets with the same share: s = ¼, 3 canary vs 5 baseline → 25/42.
    expect(closedForm(3, 5, 0.25)).toBeCloseTo(25 / 42, 12);
    const quarter = new SequentialCountTest(0.001, midpointGrid(0.25, 4000));
    quarter.update({ total: 10, bad: 2 }, { total: 30, bad: 1 });
    quarter.update({ total: 20, bad: 1 }, { total: 60, bad: 4 });
    expect(quarter.state().bayesFactor).toBeCloseTo(25 / 42, 6);
  });

  it('rejects a total outage of a 5% canary within a handful of errors', () => {
    const test = new SequentialCountTest(0.001);
    let seconds = 0;
    while (!test.rejected && seconds < 60) {
      test.update({ total: 1, bad: 1 }, { total: 19, bad: 0 });
      seconds += 1;
    }
    expect(test.rejected).toBe(true);
    expect(seconds).toBeLessThanOrEqual(6);
  });

  it('never rejects when the canary is better than the baseline (one-sided)', () => {
    const test = new SequentialCountTest(0.001);
    for (let i = 0; i < 1000; i++) test.update({ total: 50, bad: 0 }, { total: 50, bad: 5 });
    expect(test.rejected).toBe(false);
    expect(test.state().bayesFactor).toBeLessThan(1e-6);
  });

  it('detects a 1% → 5% error rate at 5% canary share, 10 canary requests/s, in minutes', () => {
    const random = seededRandom(7);
    const test = new SequentialCountTest(0.001);
    let seconds = 0;
    while (!test.rejected && seconds < 3600) {
      test.update({ total: 10, bad: binomial(random, 10, 0.05) }, { total: 190, bad: binomial(random, 190, 0.01) });
      seconds += 1;
    }
    expect(test.rejected).toBe(true);
    expect(seconds).toBeLessThan(180);
  });

  it('keeps the false-rollback rate at or below α however often it looks (simulation)', () => {
    // 2,000 streams of one hour, no regression, looked at every second; α = 1%.
    const alpha = 0.01;
    const random = seededRandom(42);
    let rejected = 0;
    const runs = 2000;
    for (let run = 0; run < runs; run++) {
      const test = new SequentialCountTest(alpha);
      for (let second = 0; second < 3600 && !test.rejected; second += 10) {
        test.update({ total: 50, bad: binomial(random, 50, 0.01) }, { total: 950, bad: binomial(random, 950, 0.01) });
      }
      if (test.rejected) rejected += 1;
    }
    expect(rejected / runs).toBeLessThanOrEqual(alpha);
  });

  it('against a known baseline rate: fires on a 5× regression, not on none', () => {
    const random = seededRandom(3);
    const bad = new SequentialCountTest(0.001);
    const good = new SequentialCountTest(0.001);
    for (let second = 0; second < 600; second++) {
      bad.updateAgainstRate({ total: 20, bad: binomial(random, 20, 0.05) }, 0.01);
      good.updateAgainstRate({ total: 20, bad: binomial(random, 20, 0.01) }, 0.01);
    }
    expect(bad.rejected).toBe(true);
    expect(good.rejected).toBe(false);
  });

  it('with a fresh start every minute, catches a regression an hour after the deploy about as fast as one at deploy', () => {
    const detect = (onset: number, seed: number, startEvery?: number) => {
      const random = seededRandom(seed);
      const test = new SequentialCountTest(0.001, { startEvery });
      for (let t = 0; t < onset + 3600; t++) {
        const p = t >= onset ? 0.05 : 0.01;
        test.update({ total: 10, bad: binomial(random, 10, p) }, { total: 190, bad: binomial(random, 190, 0.01) }, t);
        if (test.rejected) return t - onset;
      }
      return Number.POSITIVE_INFINITY;
    };
    const late = [1, 2, 3, 4, 5].map((seed) => detect(3600, seed, 60)).sort((a, b) => a - b)[2] as number;
    const early = [1, 2, 3, 4, 5].map((seed) => detect(0, seed, 60)).sort((a, b) => a - b)[2] as number;
    const lateWithoutRestarts = [1, 2, 3, 4, 5].map((seed) => detect(3600, seed)).sort((a, b) => a - b)[2] as number;
    expect(late).toBeLessThan(early * 3);
    expect(late).toBeLessThan(lateWithoutRestarts);
  });

  it('keeps the false-rollback rate at or below α with restarts too (simulation)', () => {
    const alpha = 0.01;
    const random = seededRandom(43);
    let rejected = 0;
    for (let run = 0; run < 1000; run++) {
      const test = new SequentialCountTest(alpha, { startEvery: 60 });
      for (let t = 0; t < 3600 && !test.rejected; t += 10) {
        test.update({ total: 50, bad: binomial(random, 50, 0.01) }, { total: 950, bad: binomial(random, 950, 0.01) }, t);
      }
      if (test.rejected) rejected += 1;
    }
    expect(rejected / 1000).toBeLessThanOrEqual(alpha);
  });

  it('with paced starts, catches a regression that begins between two minute starts on a busy service within seconds', () => {
    // 100 canary and 1,900 baseline requests a second at 1% errors; the canary goes to 5% at 5 min 30 s,
    // half-way between two minute starts.
    const detect = (seed: number, pacedEvery?: number) => {
      const random = seededRandom(seed);
      const test = new SequentialCountTest(0.001, { startEvery: 60, pacedEvery });
      for (let t = 0; t < 600; t++) {
        const p = t >= 330 ? 0.05 : 0.01;
        test.update({ total: 100, bad: binomial(random, 100, p) }, { total: 1900, bad: binomial(random, 1900, 0.01) }, t);
        if (test.rejected) return t + 1 - 330;
      }
      return Number.POSITIVE_INFINITY;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const seeds = [1, 2, 3, 4, 5, 6, 7];
    const paced = median(seeds.map((seed) => detect(seed, 50)));
    const minuteOnly = median(seeds.map((seed) => detect(seed)));
    expect(paced).toBeLessThanOrEqual(7);
    expect(minuteOnly).toBeGreaterThan(paced + 2);
  });

  it('opens paced starts with prior weights that, with the minute starts, sum to at most 1', () => {
    // Buckets with bad events but no canary traffic carry no evidence, so every likelihood ratio stays 1
    // and the Bayes factor is exactly the prior weight of the starts opened so far.
    const test = new SequentialCountTest(0.001, { startEvery: 60, pacedEvery: 50, pacedShare: 0.5, maxStarts: 10_000 });
    for (let t = 0; t < 600; t++) test.update({ total: 0, bad: 0 }, { total: 1000, bad: 60 }, t);
    let minuteMass = 0.5;
    for (let j = 1; j <= 9; j++) minuteMass += 0.5 / ((j + 1) * (j + 2));
    // One paced start a second from t = 1 (each after the 60 bad events of the bucket before): their
    // weights telescope to ½ · ½ · F(599), F(t) = t / (t + 60).
    const pacedMass = 0.25 * (599 / (599 + 60));
    expect(test.state().bayesFactor).toBeCloseTo(minuteMass + pacedMass, 12);
    expect(minuteMass + pacedMass).toBeLessThan(1);
    const plain = new SequentialCountTest(0.001, { startEvery: 60, pacedEvery: 50, pacedShare: 0 });
    const reference = new SequentialCountTest(0.001, { startEvery: 60 });
    const random = seededRandom(8);
    for (let t = 0; t < 900; t++) {
      const canary = { total: 50, bad: binomial(random, 50, t > 400 ? 0.03 : 0.01) };
      const baseline = { total: 950, bad: binomial(random, 950, 0.01) };
      plain.update(canary, baseline, t);
      reference.update(canary, baseline, t);
    }
    expect(plain.logBayesFactor()).toBeCloseTo(reference.logBayesFactor(), 12);
  });

  it('keeps the false-rollback rate at or below α with paced starts too (simulation)', () => {
    // Busy enough that a paced start opens every 50 s (10 bad requests per 10-second look).
    const alpha = 0.01;
    const random = seededRandom(44);
    let rejected = 0;
    for (let run = 0; run < 1000; run++) {
      const test = new SequentialCountTest(alpha, { startEvery: 60, pacedEvery: 50 });
      for (let t = 0; t < 3600 && !test.rejected; t += 10) {
        test.update({ total: 50, bad: binomial(random, 50, 0.01) }, { total: 950, bad: binomial(random, 950, 0.01) }, t);
      }
      if (test.rejected) rejected += 1;
    }
    expect(rejected / 1000).toBeLessThanOrEqual(alpha);
  });

  it('rejects bad arguments with a message', () => {
    expect(() => new SequentialCountTest(0)).toThrow(/alpha/);
    expect(() => new SequentialCountTest(0.01, [0.5])).toThrow(/above 1/);
    expect(() => new SequentialCountTest(0.01, { startEvery: 60, pacedEvery: 50, pacedShare: 1 })).toThrow(/pacedShare/);
  });
});

describe('sprtExpectedBadEvents', () => {
  it("matches a simulated one-sided SPRT that knows ρ (Wald's approximation, overshoot ignored)", () => {
    // ρ = 3, s = 0.2, α = 0.001: each bad event is a canary one with θ = 3·0.2/(3·0.2 + 0.8).
    const random = seededRandom(11);
    const rho = 3;
    const s = 0.2;
    const theta = (rho * s) / (rho * s + 1 - s);
    const up = Math.log(theta / s);
    const down = Math.log((1 - theta) / (1 - s));
    let total = 0;
    const runs = 4000;
    for (let run = 0; run < runs; run++) {
      let llr = 0;
      let n = 0;
      while (llr < Math.log(1000)) {
        llr += random() < theta ? up : down;
        n += 1;
      }
      total += n;
    }
    const mean = total / runs;
    const wald = sprtExpectedBadEvents(rho, s, 0.001);
    expect(mean).toBeGreaterThanOrEqual(wald);
    expect(mean).toBeLessThan(wald * 1.15);
  });

  it('is log(1/α) over the KL divergence of the per-event split', () => {
    // s = 0.5, ρ = 3 → θ = 0.75; KL = 0.75 ln 1.5 + 0.25 ln 0.5.
    const kl = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
    expect(sprtExpectedBadEvents(3, 0.5, 0.001)).toBeCloseTo(Math.log(1000) / kl, 10);
  });
});
