import { formatDuration } from '../core/duration.js';

/** `--json` output: one JSON document on stdout, nothing else. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** A plain aligned table for people; no colours, so it pastes into tickets and Slack. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `2026-11-23T03:43:17.000Z` → `2026-11-23 03:43 UTC (12m ago)`. */
export function when(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const age = now - Date.parse(iso);
  const stamp = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return age >= 0 ? `${stamp} (${formatDuration(age)} ago)` : stamp;
}
