export const PERCENT_PATTERN = /^(\d+(?:\.\d+)?)%$/;

/** `"5%"` → 0.05; undefined when the text is not a percentage. */
export function parsePercent(text: string): number | undefined {
  const match = PERCENT_PATTERN.exec(text.trim());
  return match ? Number(match[1]) / 100 : undefined;
}

/** 0.0791 → `"7.9%"`; keeps two decimals below 1% so 0.1% thresholds stay readable. */
export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  const digits = pct !== 0 && Math.abs(pct) < 1 ? 2 : 1;
  return `${Number(pct.toFixed(digits))}%`;
}
