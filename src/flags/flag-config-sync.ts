import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { RipcordError } from '../core/errors.js';
import { type FlagDefinition, flagDefinitionSchema, flagKeyField } from './flag-definition.js';
import type { FlagService } from './flag-service.js';

export const CONFIG_ACTOR = 'ripcord.yaml';

export interface FlagSyncReport {
  environment: string;
  created: string[];
  updated: string[];
  /** Changed at runtime (a kill switch) since the file last set them: left as they are, on purpose. */
  keptRuntimeChanges: { key: string; version: number; changedBy: string }[];
}

const flagdFileSchema = z.object({ flags: z.record(flagKeyField, flagDefinitionSchema) });

/** A flags file in flagd's format: `{ "flags": { key: definition } }`. */
export function readFlagsFile(path: string): Record<string, FlagDefinition> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (error) {
    throw new RipcordError('config_invalid', `flags file ${path}: ${(error as Error).message}`);
  }
  const result = flagdFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new RipcordError('config_invalid', `flags file ${path}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data.flags;
}

/**
 * Brings the store in line with the flags declared in ripcord.yaml, without undoing a kill switch:
 * a flag whose newest version was written by someone other than the file keeps that version until a
 * person turns it back; the report (and the server log) says so.
 */
export async function syncFlagsFromConfig(config: RipcordConfig, flags: FlagService): Promise<FlagSyncReport[]> {
  const reports: FlagSyncReport[] = [];
  for (const [environment, env] of Object.entries(config.environments)) {
    if (!env.flags) continue;
    const declared = typeof env.flags === 'string' ? readFlagsFile(env.flags) : env.flags;
    const report: FlagSyncReport = { environment, created: [], updated: [], keptRuntimeChanges: [] };
    const existing = new Map((await flags.list(config.service, environment)).map((f) => [f.key, f]));
    for (const [key, definition] of Object.entries(declared)) {
      const current = existing.get(key);
      if (!current) {
        await flags.put(config.service, environment, key, definition, CONFIG_ACTOR, 'declared in ripcord.yaml');
        report.created.push(key);
      } else if (JSON.stringify(current.definition) !== JSON.stringify(definition)) {
        // Someone turned it back to what the file last said: the file owns it again.
        const lastFromFile = (await flags.history(config.service, environment, key, 200)).find((change) => change.actor === CONFIG_ACTOR);
        const unchangedSinceFile = current.updatedBy === CONFIG_ACTOR || (lastFromFile !== undefined && JSON.stringify(lastFromFile.definition) === JSON.stringify(current.definition));
        if (unchangedSinceFile) {
          await flags.put(config.service, environment, key, definition, CONFIG_ACTOR, 'ripcord.yaml changed');
          report.updated.push(key);
        } else {
          report.keptRuntimeChanges.push({ key, version: current.version, changedBy: current.updatedBy });
        }
      }
    }
    reports.push(report);
  }
  return reports;
}
