import { randomBytes } from 'node:crypto';

let lastTime = 0;
let sequence = 0;

/**
 * Time-sortable ids (`rel_0mwsqfvq9000a0bb1fee00b4aa`): the prefix names the kind, then nine base-36
 * characters of creation time in ms, four of a per-process sequence (so ids made in the same
 * millisecond still sort in creation order), then random bits against collisions across processes.
 */
export function newId(prefix: string, now: Date = new Date()): string {
  let time = now.getTime();
  if (time <= lastTime) {
    time = lastTime;
    sequence += 1;
  } else {
    lastTime = time;
    sequence = 0;
  }
  return `${prefix}_${time.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
}
