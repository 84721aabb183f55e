import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as detection from './0010-detection.js';
import * as rollbacks from './0020-rollbacks.js';
import * as leaseFencing from './0021-lease-fencing.js';
import * as storeProbe from './0022-store-probe.js';
import * as flags from './0030-flags.js';
import * as flagSets from './0031-flag-sets.js';
import * as releaseFlagSnapshots from './0032-release-flag-snapshots.js';
import * as incidents from './0040-incidents.js';
import * as signingKeys from './0041-signing-keys.js';
import * as incidentUpdateClaims from './0042-incident-update-claims.js';
import * as statusMaintenance from './0043-status-maintenance.js';
import * as statusSubscribers from './0044-status-subscribers.js';

/**
 * Every migration, by name; applied in name order on start. Numbering leaves room per feature:
 * 0001–0009 foundation, 0010–0019 signals and decisions, 0020–0029 rollbacks, 0030–0039 flags,
 * 0040–0049 incidents. A released migration is never edited: add a new one.
 */
export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0010-detection': detection,
  '0020-rollbacks': rollbacks,
  '0021-lease-fencing': leaseFencing,
  '0022-store-probe': storeProbe,
  '0030-flags': flags,
  '0031-flag-sets': flagSets,
  '0032-release-flag-snapshots': releaseFlagSnapshots,
  '0040-incidents': incidents,
  '0041-signing-keys': signingKeys,
  '0042-incident-update-claims': incidentUpdateClaims,
  '0043-status-maintenance': statusMaintenance,
  '0044-status-subscribers': statusSubscribers,
};
