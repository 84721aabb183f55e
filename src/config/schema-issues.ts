import type { z } from 'zod';
import { closest } from '../core/levenshtein.js';
import type { ConfigPath } from './config-problem.js';

export interface SchemaProblem {
  path: ConfigPath;
  message: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/**
 * Turns zod's issues into problems a person can act on: picks the union branch the author most
 * likely meant instead of "invalid input", names missing fields, and suggests the known key
 * closest to an unknown one.
 */
export function describeIssues(issues: readonly Issue[], root: AnySchema, input: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  collect(issues, [], root, input, problems);
  // "unknown key flags_of: did you mean flags_off?" already says flags_off is missing.
  const suggested = new Set(
    problems.flatMap((p) => {
      const hint = /did you mean "([^"]+)"/.exec(p.message)?.[1];
      return p.atKey && hint ? [JSON.stringify([...p.path.slice(0, -1), hint])] : [];
    }),
  );
  return problems.filter((p) => !(p.message.startsWith('is required') && suggested.has(JSON.stringify(p.path))));
}

function collect(issues: readonly Issue[], prefix: ConfigPath, root: AnySchema, input: unknown, out: SchemaProblem[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as ConfigPath)];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      collect(likeliestBranch(issue.errors, valueAt(input, path)), path, root, input, out);
    } else if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(root, path);
      for (const key of issue.keys) {
        const hint = closest(key, known);
        const expected = known.size > 0 ? ` (expected one of: ${[...known].join(', ')})` : '';
        out.push({
          path: [...path, key],
          atKey: true,
          message: hint ? `unknown key "${key}": did you mean "${hint}"?` : `unknown key "${key}"${expected}`,
        });
      }
    } else if (issue.code === 'invalid_type' && valueAt(input, path) === undefined) {
      out.push({ path, message: `is required (expected ${issue.expected})` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
}

/**
 * The branch with the fewest problems. A branch whose very shape is wrong (string vs map) counts
 * heavily; an unknown key that is a near miss of a key the branch requires counts little, so
 * `{ flags_of: [...] }` is read as a misspelt `flags_off` step.
 */
function likeliestBranch(branches: readonly (readonly Issue[])[], value: unknown): readonly Issue[] {
  let best = branches[0] as readonly Issue[];
  let bestScore = Number.POSITIVE_INFINITY;
  for (const branch of branches) {
    const missing = branch
      .filter((issue) => issue.path.length === 1 && valueAt(value, issue.path as ConfigPath) === undefined)
      .map((issue) => String(issue.path[0]));
    let score = 0;
    for (const issue of branch) {
      if (issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) score += 100;
      else if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) score += closest(key, missing) ? 0.25 : 1;
      } else if (issue.path.length === 1 && missing.includes(String(issue.path[0]))) score += 0.5;
      else score += 1;
    }
    if (score < bestScore) {
      best = branch;
      bestScore = score;
    }
  }
  return best;
}

function valueAt(input: unknown, path: ConfigPath): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
}

const defOf = (schema: AnySchema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/default/pipe/union wrappers to the object schemas a value could be. */
function objectSchemas(schema: AnySchema): AnySchema[] {
  const def = defOf(schema);
  if (def.type === 'object') return [schema];
  if (def.type === 'union') return (def.options ?? []).flatMap(objectSchemas);
  const inner = def.innerType ?? def.in;
  return inner ? objectSchemas(inner) : [];
}

function childSchemas(schema: AnySchema, segment: string | number): AnySchema[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      const child = def.shape?.[String(segment)];
      return child ? [child] : [];
    }
    case 'record':
      return def.valueType ? [def.valueType] : [];
    case 'array':
      return def.element ? [def.element] : [];
    case 'union':
      return (def.options ?? []).flatMap((option) => childSchemas(option, segment));
    default: {
      const inner = def.innerType ?? def.in;
      return inner ? childSchemas(inner, segment) : [];
    }
  }
}

export function knownKeysAt(root: AnySchema, path: ConfigPath): Set<string> {
  let schemas = [root];
  for (const segment of path) schemas = schemas.flatMap((schema) => childSchemas(schema, segment));
  const keys = new Set<string>();
  for (const object of schemas.flatMap(objectSchemas)) for (const key of Object.keys(defOf(object).shape ?? {})) keys.add(key);
  return keys;
}
