/** Small formatting helpers shared by the views. */
export const time = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { hour12: false }) : '—');

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(ratio < 0.01 ? 2 : 1)}%`);

/** Roles in the same order as the server's: viewer ⊂ operator ⊂ admin. */
export function canOperate(role: string | undefined): boolean {
  return role === 'operator' || role === 'admin';
}
