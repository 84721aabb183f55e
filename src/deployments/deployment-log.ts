import type { Release } from './release.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date`'s default output, in UTC: `Mon Nov  3 14:30:00 UTC 2025`. */
export function unixDate(iso: string): string {
  const d = new Date(iso);
  const time = d.toISOString().slice(11, 19);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} UTC ${d.getUTCFullYear()}`;
}

/**
 * The seeds' `echo "Deployed v1.0.0 on $(date)" >> deployment-log.txt`, from the ledger: one line per
 * deploy, oldest first like an appended file.
 */
export function deploymentLog(releases: Release[]): string {
  return [...releases]
    .sort((a, b) => a.deployedAt.localeCompare(b.deployedAt) || a.id.localeCompare(b.id))
    .map((release) => `Deployed ${release.version} on ${unixDate(release.deployedAt)}`)
    .join('\n');
}
