import type { Release, ReleaseDetails } from '../../deployments/release.js';
import { print, table, when } from '../output.js';

export function releaseRows(releases: Release[]): string {
  return table(
    ['VERSION', 'STATUS', 'DEPLOYED', 'BY', 'COMMIT', 'ID'],
    releases.map((r) => [r.version + (r.stable ? ' ★' : ''), r.status, when(r.deployedAt), r.deployedBy, r.commit?.slice(0, 10) ?? '-', r.id]),
  );
}

/** One release as a person wants it at 3 a.m.: what, where, standing, what undoes it, history. */
export function printRelease(release: ReleaseDetails): void {
  print(`${release.service}/${release.environment} ${release.version} — ${release.status}${release.stable ? ' (stable)' : ''}`);
  print(`  id:          ${release.id}`);
  print(`  deployed:    ${when(release.deployedAt)} by ${release.deployedBy}`);
  if (release.commit) print(`  commit:      ${release.commit}`);
  if (release.providerDeploymentId) print(`  provider id: ${release.providerDeploymentId}`);
  if (release.artifact) print(`  artifact:    ${release.artifact}`);
  if (release.previousReleaseId) print(`  previous:    ${release.previousReleaseId}`);
  if (release.notes) print(`  notes:       ${release.notes}`);
  print(`  snapshots:   ${release.snapshots.length === 0 ? 'none' : ''}`);
  for (const s of release.snapshots) print(`    ${s.kind.padEnd(16)} ${s.reference}${s.checksum ? `  (${s.checksum})` : ''}`);
  print('  history:');
  for (const t of release.transitions) print(`    ${when(t.at)}  ${t.from ?? '∅'} → ${t.to}  by ${t.actor}${t.reason ? `: ${t.reason}` : ''}`);
}
