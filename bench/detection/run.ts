/**
 * `npm run bench:detection`: time to detect, bad requests served and false-rollback rates of five
 * detectors on the same synthetic streams with known ground truth, plus ingest throughput. Writes
 * bench/results/detection.md. `--quick` runs fewer streams (for a smoke check).
 *
 * While iterating, run parts only (nothing is written to the results file then):
 *   BENCH_SECTIONS=ttd,frr,judge,latency,ingest   sections to run (default: all)
 *   BENCH_RATES=100,1000  BENCH_ONSETS=300          time-to-detect / false-rollback cells to keep
 *   BENCH_RUNS, BENCH_FRR_RUNS, BENCH_JUDGE_FRR_RUNS  streams per cell
 * Skipped cells still consume their seed, so a cell gets the same streams in a subset run as in the full one.
 */
import { writeFileSync } from 'node:fs';
import { formatDuration } from '../../src/core/duration.js';
import { seededRandom } from '../../src/test-support/seeded-random.js';
import { SequentialCountTest } from '../../src/detection/sequential-count-test.js';
import { ArgoInterval, type Detector, KayentaMannWhitney, JUDGE_STARTS_IN_SECONDS, OracleSprt, SeedsRule, SequentialJudge, upperTail } from './detectors.js';
import { measureIngest } from './ingest-throughput.js';
import { type Scenario, simulate, sprtSeconds } from './simulate.js';

const quick = process.argv.includes('--quick');
const numberEnv = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const listEnv = (name: string): string[] | undefined => process.env[name]?.split(',').map((v) => v.trim()).filter(Boolean);
const SECTIONS = new Set(listEnv('BENCH_SECTIONS') ?? ['ttd', 'frr', 'judge', 'latency', 'ingest']);
const keepRates = listEnv('BENCH_RATES')?.map(Number);
const keepOnsets = listEnv('BENCH_ONSETS')?.map(Number);
const partial = Object.keys(process.env).some((k) => k.startsWith('BENCH_') && process.env[k] !== '');
const keep = (rate: number, onset = 0) => (keepRates?.includes(rate) ?? true) && (keepOnsets?.includes(onset) ?? true);
const RUNS = numberEnv('BENCH_RUNS') ?? (quick ? 40 : 200);
/** Every no-regression cell: 40,000 streams, so that a true rate near α/2 has a 95% upper bound below α (10,000 do not). */
const FRR_RUNS = numberEnv('BENCH_FRR_RUNS') ?? (quick ? 500 : 40_000);
const ALPHA = 0.001;
const HORIZON = 3600;
/**
 * A cell is watched for max(1 h, 2.5× its SPRT limit) after the onset, at most 12 h: long enough to see
 * whether a detector meets "2× the SPRT limit" even where that limit is itself over an hour.
 */
const horizonFor = (sprt: number): number => Math.min(12 * 3600, Math.max(HORIZON, Math.ceil(2.5 * sprt)));
/**
 * The detectors look once per 1-second step, like the server judging its 1-second outcome buckets, so
 * no detector can stop before the first whole second at or after Wald's limit: "judge ÷ SPRT" divides by
 * the limit rounded up to whole steps (1.88 s → 2 s; 24 ms → 1 s).
 *
 * BENCH_FINE=1 (a study, not written to the results): where a cell's limit is under 20 s, the 50 limits
 * after the onset are cut into steps of at most 1/20 of it (the largest of STEPS), so the times say how
 * much traffic a detector needs rather than when its next look falls. The judge then also works on
 * those smaller buckets, which costs it where a bucket holds only a request or two (outages).
 */
const FINE = process.env.BENCH_FINE === '1';
const STEPS = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
const stepFor = (sprt: number): number => (FINE ? (STEPS.find((dt) => dt <= sprt / 20) ?? (STEPS.at(-1) as number)) : 1);
const fineFor = (sprt: number): Scenario['fine'] => (stepFor(sprt) < 1 ? { dt: stepFor(sprt), seconds: Math.max(1, 50 * sprt) } : undefined);
/** Wald's limit rounded up to whole looks: the earliest any detector looking at these steps can stop. */
const inLooks = (sprt: number): number => {
  const step = stepFor(sprt);
  return Math.max(1, Math.ceil(sprt / step - 1e-9)) * step;
};
/** The issue's late onset, 5 minutes after the deploy: on one of the judge's minute starts. */
const LATE = 300;
/** Not a target, a check on the start schedule: half-way between two minute starts, as most real onsets are. */
const BETWEEN = 330;
const onsetLabel = (onset: number) => (onset === 0 ? 'at deploy' : `+${formatDuration(onset * 1000)}`);
const FRR_HORIZON = 1800;
/** No-regression streams are looked at every 5 s: the server's watcher tick (the TTD runs look every second). */
const FRR_DT = 5;
const makeDetectors = (): Detector[] => [new SeedsRule(), new ArgoInterval(), new KayentaMannWhitney(), new SequentialJudge(ALPHA)];
const NAMES = makeDetectors().map((d) => d.name);

const started = Date.now();
const lines: string[] = [];
const out = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Median/P90 with undetected runs counted as +∞ (censored): "—" when the quantile is not reached. */
function censored(ttd: (number | undefined)[], q: number): number | undefined {
  const values = ttd.map((v) => v ?? Number.POSITIVE_INFINITY);
  const v = quantile(values, q);
  return Number.isFinite(v) ? v : undefined;
}

/** Under 10 s with one decimal (the fine steps resolve 0.1 s there); above, whole seconds. */
const fmt = (seconds: number | undefined) => {
  if (seconds === undefined) return '—';
  if (seconds >= 1 && seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  return formatDuration(seconds * 1000);
};
/**
 * One-sided 95% upper bound of a binomial proportion: exact (Clopper-Pearson, summed in log space)
 * for small counts, Wilson's score bound for large ones.
 */
function upper95(k: number, n: number): number {
  if (k >= n) return 1;
  if (k > 100) {
    const z = 1.6448536;
    const p = k / n;
    return (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  }
  const logTailAtMost = (p: number) => {
    let logTerm = n * Math.log1p(-p);
    let max = logTerm;
    const logs = [logTerm];
    for (let i = 1; i <= k; i++) {
      logTerm += Math.log((n - i + 1) / i) + Math.log(p / (1 - p));
      logs.push(logTerm);
      if (logTerm > max) max = logTerm;
    }
    return max + Math.log(logs.reduce((sum, v) => sum + Math.exp(v - max), 0));
  };
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (logTailAtMost(mid) > Math.log(0.05)) lo = mid;
    else hi = mid;
  }
  return hi;
}
const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 3 : 2)}%`;

const RATES = [10, 100, 1000];
const SHARES = [0.05, 0.5];
const BASES = [0.001, 0.01];
const MULTS: [string, (p: number) => number][] = [
  ['×1.5', (p) => p * 1.5],
  ['×2', (p) => p * 2],
  ['×5', (p) => p * 5],
  ['outage', () => 1],
];

out('# Detection benchmark');
out();
out(`Command: \`npm run bench:detection\`${quick ? ' -- --quick' : ''} (bench/detection/run.ts). Machine: 2 cores shared with other work, Node ${process.version}.`);
out();
out(`Synthetic canary traffic in virtual time (${FINE ? "1-second steps; where a cell's SPRT limit is under 20 s, steps of at most 1/20 of it for the 50 limits after the onset (BENCH_FINE=1)" : '1-second steps, the width of the outcome buckets the server judges'}; requests per arm Poisson, errors binomial), α = ${ALPHA} for the sequential judge.`);
out(`Canary rates 10/100/1000 req/s; canary share 5% and 50% (baseline gets the rest); baseline error rates 0.1% and 1%;`);
out(`error multipliers ×1.5, ×2, ×5 and a total outage; regression present from the deploy ("at deploy") or starting ${formatDuration(LATE * 1000)} later ("${onsetLabel(LATE)}").`);
out(`Each regression cell: ${RUNS} streams, watched after the onset for max(${formatDuration(HORIZON * 1000)}, 2.5× the cell's SPRT limit) (at most 12h); time to detect (TTD) is from the onset;`);
out('"—" = not reached within the horizon (the median or P90 run never detected). "bad served" = failed canary requests from onset to detection (median).');
out('SPRT = Wald\'s expected time for a sequential probability ratio test that knows the true ratio (no detector that does not know it beats it on average).');
out('"judge ÷ SPRT" divides by the SPRT limit rounded up to whole steps (1.88 s → 2 s, 24 ms → 1 s): every detector here decides once per step, as the server does once per 1-second bucket, so none can stop earlier. The Targets section also gives the ratio to the unrounded limit.');
out('These are the detectors\' own times: the server judges on every watcher tick (5 s by default, `serve --watch-interval`), which adds up to one tick.');
out('"SPRT sim." = median of that SPRT simulated on the same streams, knowing ρ and the onset, looking once per step: what the looks and the overshoot cost even with perfect knowledge. It is context, not the target.');
out();

// ---------- time to detect ----------
interface Row {
  rate: number;
  share: number;
  base: number;
  mult: string;
  onset: string;
  sprt: number;
  /** Median TTD of the simulated SPRT that knows ρ and the onset (looking at every step). */
  oracle: number | undefined;
  med: (number | undefined)[];
  p90: (number | undefined)[];
  bad: number[];
}
/** Every rate × share × baseline × regression × onset cell; each cell's seed is fixed by its place in the loop. */
function ttdRows(onsets: number[], seedBase: number): Row[] {
  const result: Row[] = [];
  let cellIndex = 0;
  for (const rate of RATES)
    for (const share of SHARES)
      for (const base of BASES)
        for (const [mult, f] of MULTS)
          for (const onset of onsets) {
            const cellSeed = seedBase + cellIndex++;
            if (!SECTIONS.has('ttd') || !keep(rate, onset)) continue;
            const shape: Scenario = { canaryRate: rate, share, baseBad: base, canaryBad: f(base), onset, horizon: HORIZON, dt: 1 };
            const scenario: Scenario = { ...shape, horizon: horizonFor(sprtSeconds(shape, ALPHA)), fine: fineFor(sprtSeconds(shape, ALPHA)) };
            const random = seededRandom(cellSeed);
            const ttd: (number | undefined)[][] = NAMES.map(() => []);
            const bad: number[][] = NAMES.map(() => []);
            const oracle: (number | undefined)[] = [];
            for (let r = 0; r < RUNS; r++) {
              const run = simulate(scenario, [...makeDetectors(), new OracleSprt(f(base) / base, onset, ALPHA)], random);
              oracle.push(run.ttd[NAMES.length]);
              run.ttd.slice(0, NAMES.length).forEach((v, d) => {
                // A detector that fired before the onset (a false alarm) has not detected this regression.
                (ttd[d] as (number | undefined)[]).push(run.early[d] ? undefined : v);
                (bad[d] as number[]).push(run.badServed[d] as number);
              });
            }
            result.push({
              rate,
              share,
              base,
              mult,
              onset: onsetLabel(onset),
              sprt: sprtSeconds(scenario, ALPHA),
              oracle: censored(oracle, 0.5),
              med: ttd.map((v) => censored(v, 0.5)),
              p90: ttd.map((v) => censored(v, 0.9)),
              bad: bad.map((v) => quantile(v, 0.5)),
            });
          }
  return result;
}

function printTtd(table: Row[]): void {
  out(`| canary req/s | share | baseline | regression | onset | SPRT limit | SPRT sim. | ${NAMES.join(' | ')} | judge ÷ SPRT | judge ÷ SPRT sim. |`);
  out(`|---|---|---|---|---|---|---|${NAMES.map(() => '---').join('|')}|---|---|`);
  for (const row of table) {
    const cells = NAMES.map((_, d) => `${fmt(row.med[d])} / ${fmt(row.p90[d])} (${row.bad[d]})`);
    const judge = row.med[3];
    out(`| ${row.rate} | ${pct(row.share)} | ${pct(row.base)} | ${row.mult} | ${row.onset} | ${fmt(row.sprt)} | ${fmt(row.oracle)} | ${cells.join(' | ')} | ${judge === undefined ? '—' : (judge / inLooks(row.sprt)).toFixed(2)} | ${judge === undefined || row.oracle === undefined ? '—' : (judge / row.oracle).toFixed(2)} |`);
  }
  out();
}

const rows = ttdRows([0, LATE], 1);
/** The sections below take their seeds on from here, as they did before the between-starts cells existed. */
let seed = 1 + RATES.length * SHARES.length * BASES.length * MULTS.length * 2;
out('## Time to detect an error-rate regression: median / P90 (bad canary requests served, median)');
out();
out('How the others are set up: seeds = canary error rate over each whole minute > 5%, five minutes in a row. Argo = one measurement per 1-minute interval, `successCondition: result <= 0.05`, `failureLimit: 2`. Kayenta = every minute, one-sided Mann-Whitney U (normal approximation, tie-corrected) of the two arms\' 10-second error-rate series over the last 5 minutes at Kayenta\'s default 95% confidence, no effect-size margin. A detector that fired before a "+5m" regression began counts as not detecting it (that was a false rollback).');
out();
printTtd(rows);

// Seeds 40,000 on, so that adding these cells left the issue's cells on the streams they had.
const between = ttdRows([BETWEEN], 40_000);
if (between.length > 0) {
  out(`## The same, with the regression starting ${formatDuration(BETWEEN * 1000)} after the deploy, half-way between two of the judge's minute starts`);
  out();
  out("Not one of the issue's cells: real regressions do not begin on the judge's minute. On busy services the judge's paced starts (one after every 50 bad requests, at most one a second) are what catch these quickly; with minute starts only, the 1.9-s cells took 10-12 s here.");
  out();
  printTtd(between);
}

// ---------- false rollbacks ----------
out(`## False-rollback rate with no regression (${FRR_RUNS.toLocaleString('en-US')} streams per configuration, ${formatDuration(FRR_HORIZON * 1000)} each, looked at every ${FRR_DT} s; one-sided 95% upper bound in brackets)`);
out();
out('Rate (number of streams that rolled back) [one-sided 95% upper bound: exact Clopper-Pearson up to 100 events, Wilson score above].');
out();
out(`| canary req/s | share | baseline | ${NAMES.join(' | ')} |`);
out(`|---|---|---|${NAMES.map(() => '---').join('|')}|`);
const frrWorst: number[] = NAMES.map(() => 0);
/** The judge's false rollbacks per configuration in this table, pooled below with the judge-alone streams. */
const judgeFired = new Map<string, number>();
const JUDGE = NAMES.length - 1;
for (const rate of RATES)
  for (const share of SHARES)
    for (const base of BASES) {
      const cellSeed = 10_000 + seed++;
      if (!SECTIONS.has('frr') || !keep(rate)) continue;
      const scenario: Scenario = { canaryRate: rate, share, baseBad: base, canaryBad: base, onset: 0, horizon: FRR_HORIZON, dt: FRR_DT };
      const random = seededRandom(cellSeed);
      const fired = NAMES.map(() => 0);
      for (let r = 0; r < FRR_RUNS; r++) {
        const result = simulate(scenario, makeDetectors(), random);
        result.ttd.forEach((v, d) => {
          if (v !== undefined) fired[d] = (fired[d] as number) + 1;
        });
      }
      judgeFired.set(`${rate}/${share}/${base}`, fired[JUDGE] as number);
      const cells = fired.map((k, d) => {
        const ub = upper95(k, FRR_RUNS);
        frrWorst[d] = Math.max(frrWorst[d] as number, ub);
        return `${pct(k / FRR_RUNS)} (${k}) [${pct(ub)}]`;
      });
      out(`| ${rate} | ${pct(share)} | ${pct(base)} | ${cells.join(' | ')} |`);
    }
out();

// ---------- the judge alone, more streams ----------
// Decided before looking at any result (issue 3): 10,000 streams bound a true rate near 0.05% only to
// about 0.1%, so every configuration gets 40,000 in the table above, and the judge (cheap to run alone)
// 100,000 fresh ones here; the two sets are independent draws of the same configuration, so they are
// also pooled (140,000).
const JUDGE_FRR_RUNS = numberEnv('BENCH_JUDGE_FRR_RUNS') ?? (quick ? 2000 : 100_000);
out(`## Sequential judge alone: false-rollback rate from ${JUDGE_FRR_RUNS.toLocaleString('en-US')} fresh no-regression streams per configuration (30m, looked at every ${FRR_DT} s), and pooled with the table above`);
out();
out(`| canary req/s | share | baseline | false rollbacks / ${JUDGE_FRR_RUNS.toLocaleString('en-US')} | rate [95% UB] | pooled with the table above | pooled rate [95% UB] |`);
out('|---|---|---|---|---|---|---|');
let judgeFrrWorst = 0;
let pooledWorst = 0;
for (const rate of RATES)
  for (const share of SHARES)
    for (const base of BASES) {
      const cellSeed = 30_000 + seed++;
      if (!SECTIONS.has('judge') || !keep(rate)) continue;
      const scenario: Scenario = { canaryRate: rate, share, baseBad: base, canaryBad: base, onset: 0, horizon: FRR_HORIZON, dt: FRR_DT };
      const random = seededRandom(cellSeed);
      let fired = 0;
      for (let r = 0; r < JUDGE_FRR_RUNS; r++) if (simulate(scenario, [new SequentialJudge(ALPHA)], random).ttd[0] !== undefined) fired += 1;
      const ub = upper95(fired, JUDGE_FRR_RUNS);
      judgeFrrWorst = Math.max(judgeFrrWorst, ub);
      const earlier = judgeFired.get(`${rate}/${share}/${base}`);
      let pooled = '— | —';
      if (earlier !== undefined) {
        const k = fired + earlier;
        const n = JUDGE_FRR_RUNS + FRR_RUNS;
        pooledWorst = Math.max(pooledWorst, upper95(k, n));
        pooled = `${k} / ${n.toLocaleString('en-US')} | ${pct(k / n)} [${pct(upper95(k, n))}]`;
      }
      out(`| ${rate} | ${pct(share)} | ${pct(base)} | ${fired} | ${pct(fired / JUDGE_FRR_RUNS)} [${pct(ub)}] | ${pooled} |`);
    }
out();

// ---------- latency ----------
// Lognormal latency, σ = 0.5; a regression multiplies it by 1.5 (so P95 ×1.5). The judge counts requests
// slower than the baseline's P95 fixed before the release: 5% before, P(Z > 1.645 − ln 1.5 / 0.5) after.
const SIGMA = 0.5;
const slowAfter = upperTail(1.6448536 - Math.log(1.5) / SIGMA);
out(`## Latency regression (lognormal, σ = ${SIGMA}; P95 ×1.5 → share above the baseline P95 goes 5% → ${pct(slowAfter)})`);
out();
out('The sequential judge runs the same count test on "slower than the baseline P95"; the seeds\' rule is "P95 +50%" on each minute\'s canary P95 (its sampling error drawn from the quantile\'s asymptotic normal law).');
out();
out(`| canary req/s | share | onset | SPRT limit | seeds: P95 +50% (median / P90) | ripcord judge (median / P90) | judge ÷ SPRT | judge false rollbacks (${FRR_RUNS.toLocaleString('en-US')} runs) [95% UB] |`);
out('|---|---|---|---|---|---|---|---|');
class SeedsP95 implements Detector {
  readonly name = 'seeds p95';
  private n = 0;
  private minuteEnd = 60;
  private regressed = false;
  constructor(
    private readonly random: () => number,
    private readonly onset: number,
    /** How much slower the new release is once regressed (P95 × factor). */
    private readonly factor = 1.5,
  ) {}
  step(s: { start: number; end: number; canaryN: number }): boolean {
    this.n += s.canaryN;
    if (s.start >= this.onset) this.regressed = true;
    if (s.end < this.minuteEnd) return false;
    this.minuteEnd += 60;
    const n = this.n;
    this.n = 0;
    if (n < 20) return false;
    // Sample P95 of n lognormals ≈ exp(μ + σ(z95 + ε)), ε ~ N(0, sqrt(.95·.05/n)/φ(z95)).
    const u = 1 - this.random();
    const eps = (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random()) * Math.sqrt(0.95 * 0.05 / n)) / 0.10313;
    const ratio = Math.exp(SIGMA * eps) * (this.regressed ? this.factor : 1);
    return ratio > 1.5;
  }
}
for (const rate of RATES)
  for (const share of SHARES)
    for (const onset of [0, LATE]) {
      const cellSeed = 20_000 + seed++;
      if (!SECTIONS.has('latency') || !keep(rate, onset)) continue;
      const shape: Scenario = { canaryRate: rate, share, baseBad: 0.05, canaryBad: slowAfter, onset, horizon: HORIZON, dt: 1 };
      const scenario: Scenario = { ...shape, fine: fineFor(sprtSeconds(shape, ALPHA)) };
      const random = seededRandom(cellSeed);
      const seeds: (number | undefined)[] = [];
      const judge: (number | undefined)[] = [];
      for (let r = 0; r < RUNS; r++) {
        const result = simulate(scenario, [new SeedsP95(random, onset), new SequentialJudge(ALPHA)], random);
        seeds.push(result.early[0] ? undefined : result.ttd[0]);
        judge.push(result.early[1] ? undefined : result.ttd[1]);
      }
      let fired = 0;
      if (onset === 0) {
        const h0: Scenario = { ...scenario, canaryBad: 0.05, horizon: FRR_HORIZON, dt: FRR_DT, fine: undefined };
        for (let r = 0; r < FRR_RUNS; r++) if (simulate(h0, [new SequentialJudge(ALPHA)], random).ttd[0] !== undefined) fired += 1;
      }
      const sprt = sprtSeconds(scenario, ALPHA);
      const med = censored(judge, 0.5);
      out(
        `| ${rate} | ${pct(share)} | ${onsetLabel(onset)} | ${fmt(sprt)} | ${fmt(censored(seeds, 0.5))} / ${fmt(censored(seeds, 0.9))} | ${fmt(med)} / ${fmt(censored(judge, 0.9))} | ${med === undefined ? '—' : (med / inLooks(sprt)).toFixed(2)} | ${onset === 0 ? `${pct(fired / FRR_RUNS)} [${pct(upper95(fired, FRR_RUNS))}]` : 'same streams as above'} |`,
      );
    }
out();

// ---------- latency with a margin ----------
// The seeds' "P95 +50%" as a sequential test (`canary: [requests.p95], margin: 50%`): count canary requests
// slower than T = 1.5 × the baseline P95 and test "more than 5% of them" (one-sample, canary arm only).
// Lognormal latency: P(slower than T) = P(Z > z95 + ln(1.5 / factor) / σ).
const aboveMargin = (factor: number) => upperTail(1.6448536 + Math.log(1.5 / factor) / SIGMA);
class MarginJudge implements Detector {
  readonly name = 'ripcord judge, margin 50%';
  private readonly test = new SequentialCountTest(ALPHA, JUDGE_STARTS_IN_SECONDS);
  step(s: { start: number; canaryN: number; canaryBad: number }): boolean {
    this.test.updateAgainstRate({ total: s.canaryN, bad: s.canaryBad }, 0.05, s.start);
    return this.test.rejected;
  }
}
if (SECTIONS.has('latency')) {
  out(`## Latency with a margin: "P95 +50%" (\`canary: [requests.p95], margin: 50%\`)`);
  out();
  out(`The margin test counts the canary's requests slower than 1.5× the baseline P95 and rolls back once it is sure more than 5% are (the canary's P95 is then more than 50% above). Regression: P95 ×2 (${pct(aboveMargin(2))} of requests above the threshold, ${pct(aboveMargin(1))} before). At the margin itself, P95 ×1.5 (exactly ${pct(aboveMargin(1.5))} above), neither rule should roll back: the seeds' per-minute "P95 +50%" is then a coin flip each minute, the margin test stays below α. Here the threshold is the true baseline P95 × 1.5; the server uses a 99% upper bound of the baseline's P95, which only makes it more careful. SPRT: Wald's limit for this one-sample test knowing the true share.`);
  out();
  out(`| canary req/s | onset | SPRT limit | seeds: P95 +50% (median / P90) | margin test (median / P90) | margin test ÷ SPRT | at the margin (P95 ×1.5): seeds rolled back, 30 min, ${FRR_RUNS.toLocaleString('en-US')} runs | at the margin: margin test rolled back [95% UB] |`);
  out('|---|---|---|---|---|---|---|---|');
  let marginSeed = 50_000;
  for (const rate of RATES)
    for (const onset of [0, LATE]) {
      const random = seededRandom(marginSeed++);
      if (!keep(rate, onset)) continue;
      const scenario: Scenario = { canaryRate: rate, share: 0.05, baseBad: aboveMargin(1), canaryBad: aboveMargin(2), onset, horizon: HORIZON, dt: 1 };
      const seeds: (number | undefined)[] = [];
      const judge: (number | undefined)[] = [];
      for (let r = 0; r < RUNS; r++) {
        const result = simulate(scenario, [new SeedsP95(random, onset, 2), new MarginJudge()], random);
        seeds.push(result.early[0] ? undefined : result.ttd[0]);
        judge.push(result.early[1] ? undefined : result.ttd[1]);
      }
      const p1 = aboveMargin(2);
      const kl = p1 * Math.log(p1 / 0.05) + (1 - p1) * Math.log((1 - p1) / 0.95);
      const sprt = Math.log(1 / ALPHA) / kl / rate;
      let atMargin = '';
      if (onset === 0) {
        const boundary: Scenario = { ...scenario, canaryBad: aboveMargin(1.5), horizon: FRR_HORIZON, dt: FRR_DT };
        const fired = [0, 0];
        for (let r = 0; r < FRR_RUNS; r++) {
          const result = simulate(boundary, [new SeedsP95(random, 0, 1.5), new MarginJudge()], random);
          result.ttd.forEach((v, d) => {
            if (v !== undefined) fired[d] = (fired[d] as number) + 1;
          });
        }
        atMargin = `${pct((fired[0] as number) / FRR_RUNS)} | ${pct((fired[1] as number) / FRR_RUNS)} (${fired[1]}) [${pct(upper95(fired[1] as number, FRR_RUNS))}]`;
      } else atMargin = 'same streams as above | same streams as above';
      const med = censored(judge, 0.5);
      out(`| ${rate} | ${onsetLabel(onset)} | ${fmt(sprt)} | ${fmt(censored(seeds, 0.5))} / ${fmt(censored(seeds, 0.9))} | ${fmt(med)} / ${fmt(censored(judge, 0.9))} | ${med === undefined ? '—' : (med / inLooks(sprt)).toFixed(2)} | ${atMargin} |`);
    }
  out();
}

// ---------- targets ----------
out('## Targets');
out();
const judgeMedian = (r: Row) => r.med[JUDGE];
const ratio = (r: Row) => (judgeMedian(r) as number) / inLooks(r.sprt);
const waldRatio = (r: Row) => (judgeMedian(r) as number) / r.sprt;
const detected = rows.filter((r) => judgeMedian(r) !== undefined);
const undetected = rows.filter((r) => judgeMedian(r) === undefined);
const missed = detected.filter((r) => ratio(r) > 2);
const cell = (r: Row) => `${r.rate} req/s, ${pct(r.share)} share, ${pct(r.base)} baseline, ${r.mult}, ${r.onset}`;
out(`- Cells whose 12h horizon is shorter than 2.5× their SPRT limit: ${rows.filter((r) => 2.5 * r.sprt > 12 * 3600).length} of ${rows.length}.`);
if (rows.length > 0) {
  out(`- Median TTD ≤ 2× the SPRT limit rounded up to whole steps, in every cell where the judge detects: ${detected.length - missed.length} of ${detected.length} such cells (worst ratio ${Math.max(...detected.map(ratio)).toFixed(2)}); ${undetected.length} of ${rows.length} cells are not detected within their horizon${undetected.length > 0 ? `, all with an SPRT limit of ${fmt(Math.min(...undetected.map((r) => r.sprt)))} or more` : ''}.`);
  for (const r of missed) out(`  - over 2×: ${cell(r)}: judge ${fmt(judgeMedian(r))} vs SPRT limit ${r.sprt.toFixed(2)} s (${ratio(r).toFixed(2)}×); the simulated SPRT looking at the same steps needs ${fmt(r.oracle)} there.`);
  // Against Wald's unrounded value, cells whose limit is under a step are left out: no detector that looks once per step can be compared with a limit of milliseconds.
  const resolved = detected.filter((r) => r.sprt >= stepFor(r.sprt));
  const overWald = resolved.filter((r) => waldRatio(r) > 2);
  out(`- The same against Wald's unrounded limit, in the ${resolved.length} cells whose limit is at least one step: ${resolved.length - overWald.length} of ${resolved.length} (worst ${Math.max(...resolved.map(waldRatio)).toFixed(2)}).`);
  for (const r of overWald) out(`  - over 2× the unrounded limit: ${cell(r)}: judge ${fmt(judgeMedian(r))} vs ${r.sprt.toFixed(2)} s (${waldRatio(r).toFixed(2)}×; ${ratio(r).toFixed(2)}× the ${fmt(inLooks(r.sprt))} it rounds up to).`);
  const vsSim = detected.filter((r) => r.oracle !== undefined && (judgeMedian(r) as number) <= 2 * r.oracle);
  out(`- For context, median TTD ≤ 2× the simulated SPRT's median: ${vsSim.length} of ${detected.length} cells.`);
}
out(`- False-rollback rate ≤ 0.1% (95% upper bound), sequential judge: worst configuration ${pct(frrWorst[JUDGE] as number)} from ${FRR_RUNS.toLocaleString('en-US')} streams (the comparison table), ${pct(judgeFrrWorst)} from ${JUDGE_FRR_RUNS.toLocaleString('en-US')} (the judge alone), ${pct(pooledWorst)} pooled (${(FRR_RUNS + JUDGE_FRR_RUNS).toLocaleString('en-US')}).`);
for (const rate of [10, 100]) {
  for (const onset of ['at deploy', onsetLabel(LATE)]) {
    const row = rows.find((r) => r.rate === rate && r.share === 0.05 && r.base === 0.01 && r.mult === '×5' && r.onset === onset);
    if (!row) continue;
    const seeds = row.med[0];
    const judge = row.med[3];
    const speedup = seeds === undefined ? (judge === undefined ? 'neither detects' : `seeds' rule never detects within ${formatDuration(HORIZON * 1000)}; judge ${fmt(judge)}`) : judge === undefined ? 'judge does not detect' : `${(seeds / judge).toFixed(1)}× faster (${fmt(judge)} vs ${fmt(seeds)})`;
    out(`- 1% → 5% errors, 5% canary share, ${rate} req/s, regression ${onset}: ${speedup}.`);
  }
}
out();

// ---------- ingest ----------
const ingest = SECTIONS.has('ingest') ? await measureIngest() : [];
out('## Ingest throughput');
out();
out('| path | outcomes | seconds | outcomes/s |');
out('|---|---|---|---|');
for (const r of ingest) out(`| ${r.path} | ${r.outcomes.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${Math.round(r.outcomes / r.seconds).toLocaleString('en-US')} |`);
out();
out(`Benchmark wall time: ${formatDuration(Date.now() - started)}.`);

if (!quick && !partial) writeFileSync(new URL('../results/detection.md', import.meta.url), `${lines.join('\n')}\n`);
