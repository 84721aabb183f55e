/**
 * Log-spaced latency bins (10% wide, 1 ms to ~10 min): constant memory per bucket, quantiles within
 * 10%, and "slower than T" counts for any threshold T. Both arms use the same bins, so the canary
 * judge's comparison stays fair whatever the rounding.
 */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
export const HISTOGRAM_BINS = 142;

export function binOf(latencyMs: number): number {
  if (!(latencyMs > 1)) return 0;
  const bin = Math.floor(Math.log(latencyMs) / LOG_GROWTH) + 1;
  return bin < HISTOGRAM_BINS ? bin : HISTOGRAM_BINS - 1;
}

/** Upper edge of a bin, in ms. */
export function binUpperMs(bin: number): number {
  return bin === 0 ? 1 : GROWTH ** bin;
}

export function quantileOf(histogram: ArrayLike<number>, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i] as number;
  if (total === 0) return undefined;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] as number;
    if (seen >= rank) return binUpperMs(i);
  }
  return binUpperMs(histogram.length - 1);
}

/** Requests in bins entirely above the threshold's bin: "slower than the baseline P95". */
export function countAbove(histogram: ArrayLike<number>, thresholdMs: number): number {
  let count = 0;
  for (let i = binOf(thresholdMs) + 1; i < histogram.length; i++) count += histogram[i] as number;
  return count;
}
