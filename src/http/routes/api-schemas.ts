import { z } from 'zod';
import { RELEASE_STATUSES, SNAPSHOT_KINDS } from '../../deployments/release.js';

/** Shapes shared by several routes: names, paging and the release as the API returns it. */
export const nameField = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
  error: 'expected a lower-case name of letters, digits, dot, dash or underscore',
});

export const limitField = z.coerce.number().int().min(1).max(200).optional();

export const snapshotInputSchema = z.strictObject({
  kind: z.enum(SNAPSHOT_KINDS),
  reference: z.string().min(1).max(2000),
  checksum: z.string().max(200).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  takenAt: z.iso.datetime({ offset: true }).optional(),
});

export const snapshotSchema = snapshotInputSchema.extend({ id: z.string(), releaseId: z.string(), takenAt: z.string() });

export const releaseSchema = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  commit: z.string().optional(),
  providerDeploymentId: z.string().optional(),
  artifact: z.string().optional(),
  deployedBy: z.string(),
  deployedAt: z.string(),
  notes: z.string().optional(),
  status: z.enum(RELEASE_STATUSES),
  stable: z.boolean(),
  verifiedAt: z.string().optional(),
  previousReleaseId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const releaseDetailsSchema = releaseSchema.extend({
  snapshots: z.array(snapshotSchema),
  transitions: z.array(
    z.object({
      id: z.string(),
      releaseId: z.string(),
      from: z.enum(RELEASE_STATUSES).nullable(),
      to: z.enum(RELEASE_STATUSES),
      actor: z.string(),
      reason: z.string().optional(),
      at: z.string(),
    }),
  ),
});
