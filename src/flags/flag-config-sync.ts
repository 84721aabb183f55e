import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { RipcordConfig } from '../config/ripcord-config.js';
import { RipcordError } from '../core/errors.js';
import { type FlagDefinition, flagDefinitionSchema, flagKeyField, flagMetadataSchema } from './flag-definition.js';
import type { FlagDocument, FlagService } from './flag-service.js';
import { flagDocumentProblems, jsonPath } from './flag-validation.js';

export const CONFIG_ACTOR = 'ripcord.yaml';

export interface FlagSyncReport {
  environment: string;
  created: string[];
  updated: string[];
  /** Changed at runtime (a kill switch) since the file last set them: left as they are, on purpose. */
  keptRuntimeChanges: { key: string; version: number; changedBy: string }[];
}

const flagdFileSchema = z.looseObject({
  $schema: z.string().optional(),
  flags: z.record(flagKeyField, flagDefinitionSchema),
  $evaluators: z.record(z.string().min(1), z.unknown()).optional(),
  metadata: flagMetadataSchema.optional(),
});

/**
 * A flags file in flagd's format: `{ "flags": { key: definition }, "$evaluators": {…}, "metadata": {…} }`.
 * Refused, with the file and the JSON path of each problem, when flagd-core would refuse it or could
 * never evaluate one of its flags.
 */
export function readFlagsFile(path: string): FlagDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(path), 'utf8'));
  } catch (error) {
    throw new RipcordError('config_invalid', `flags file ${path}: ${(error as Error).message}`);
  }
  const result = flagdFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new RipcordError('config_invalid', `flags file ${path}: ${result.error.issues.map((i) => `${jsonPath('', ...i.path.map((p) => (typeof p === 'number' ? p : String(p))))}: ${i.message}`).join('; ')}`);
  }
  const document: FlagDocument = { flags: result.data.flags, evaluators: result.data.$evaluators ?? {}, metadata: result.data.metadata ?? {} };
  const problems = flagDocumentProblems(document.flags, document, { flag: (key) => jsonPath('flags', key), evaluators: '$evaluators' });
  if (problems.length > 0) throw new RipcordError('config_invalid', `flags file ${path}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems.map((p) => ({ path: `${path}: ${p.path}`, message: p.message })));
  return document;
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
    const declared: FlagDocument = typeof env.flags === 'string' ? readFlagsFile(env.flags) : { flags: env.flags, evaluators: {}, metadata: {} };
    const report: FlagSyncReport = { environment, created: [], updated: [], keptRuntimeChanges: [] };
    const existing = new Map((await flags.list(config.service, environment)).map((f) => [f.key, f]));
    const toWrite: Record<string, FlagDefinition> = {};
    for (const [key, definition] of Object.entries(declared.flags)) {
      const current = existing.get(key);
      if (!current) {
        toWrite[key] = definition;
        report.created.push(key);
      } else if (JSON.stringify(current.definition) !== JSON.stringify(definition)) {
        // Someone turned it back to what the file last said: the file owns it again.
        const lastFromFile = (await flags.history(config.service, environment, key, 200)).find((change) => change.actor === CONFIG_ACTOR);
        const unchangedSinceFile = current.updatedBy === CONFIG_ACTOR || (lastFromFile !== undefined && JSON.stringify(lastFromFile.definition) === JSON.stringify(current.definition));
        if (unchangedSinceFile) {
          toWrite[key] = definition;
          report.updated.push(key);
        } else {
          report.keptRuntimeChanges.push({ key, version: current.version, changedBy: current.updatedBy });
        }
      }
    }
    // One transaction: the file's $evaluators and set metadata with the flags that use them.
    const where = typeof env.flags === 'string' ? `${env.flags}: ` : `ripcord.yaml: environments.${environment}.flags: `;
    await flags.putDocument(config.service, environment, { ...declared, flags: toWrite }, CONFIG_ACTOR, report.created.length ? 'declared in ripcord.yaml' : 'ripcord.yaml changed', where);
    reports.push(report);
  }
  return reports;
}
