import { FlagdCore } from '@openfeature/flagd-core';
import type { FlagDefinition, FlagSet } from './flag-definition.js';

/** What is wrong with a flag document, and where: a JSON path into the document as the user wrote it. */
export interface FlagProblem {
  path: string;
  message: string;
}

/** `flags.splitViewLayout.targeting.if[0]`; keys that are not identifiers in brackets: `flags["a.b"]`. */
export function jsonPath(base: string, ...segments: (string | number)[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_]*$/.test(segment)) path += path && !/[:\s]$/.test(path) ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** flagd's `{"$ref": "name"}`: an object with that one key. */
const refName = (node: unknown): string | undefined => (isObject(node) && Object.keys(node).length === 1 && typeof node.$ref === 'string' ? node.$ref : undefined);

/**
 * The whole document in flagd's own shape, as flagd-core reads it. Only `$evaluators` and `metadata`
 * present when there are some, so a document without them is exactly what flagd would have been given.
 */
export function flagdDocument(flags: Record<string, FlagDefinition>, set: FlagSet): Record<string, unknown> {
  return {
    flags,
    ...(Object.keys(set.evaluators).length > 0 ? { $evaluators: set.evaluators } : {}),
    ...(Object.keys(set.metadata).length > 0 ? { metadata: set.metadata } : {}),
  };
}

/** Does flagd-core compile this JsonLogic on its own (as one flag's targeting)? */
function compiles(targeting: unknown): boolean {
  if (!isObject(targeting) || Object.keys(targeting).length === 0) return true;
  const core = new FlagdCore(undefined, SILENT);
  core.setConfigurations(JSON.stringify({ flags: { probe: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting } } }));
  return core.getFlag('probe')?.evaluate({}).errorCode !== 'PARSE_ERROR';
}

/** flagd-core logs targeting errors as warnings; validation reports them instead. */
const SILENT = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** `$ref`s substituted the way flagd-core does it (by name, evaluators in document order). */
function resolveRefs(node: unknown, evaluators: Record<string, unknown>, depth = 0): unknown {
  const name = refName(node);
  if (name !== undefined) return name in evaluators && depth < 16 ? resolveRefs(evaluators[name], evaluators, depth + 1) : node;
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, evaluators, depth));
  if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(v, evaluators, depth)]));
  return node;
}

/** Every `$ref` that names no evaluator, with its path. */
function unknownRefs(node: unknown, evaluators: Record<string, unknown>, path: string, out: FlagProblem[]): void {
  const name = refName(node);
  if (name !== undefined) {
    if (!Object.hasOwn(evaluators, name)) out.push({ path, message: `$ref "${name}" names no evaluator in $evaluators${Object.keys(evaluators).length ? ` (there are: ${Object.keys(evaluators).join(', ')})` : ''}` });
    return;
  }
  if (Array.isArray(node)) for (const [i, item] of node.entries()) unknownRefs(item, evaluators, jsonPath(path, i), out);
  else if (isObject(node)) for (const [key, value] of Object.entries(node)) unknownRefs(value, evaluators, jsonPath(path, key), out);
}

/** Does this rule, or a rule inside this list, fail to compile on its own? */
function fails(node: unknown, evaluators: Record<string, unknown>): boolean {
  if (Array.isArray(node)) return node.some((item) => fails(item, evaluators));
  return isObject(node) && !compiles(resolveRefs(node, evaluators));
}

/**
 * The innermost rule flagd-core refuses to compile, as a problem at its path. Follows a `$ref` into
 * `$evaluators` when the fault is there.
 */
function locateCompileError(node: unknown, evaluators: Record<string, unknown>, path: string, evaluatorsPath: string, seen = new Set<string>()): FlagProblem {
  const name = refName(node);
  if (name !== undefined && Object.hasOwn(evaluators, name) && !seen.has(name)) {
    return locateCompileError(evaluators[name], evaluators, jsonPath(evaluatorsPath, name), evaluatorsPath, new Set([...seen, name]));
  }
  const children: [unknown, string][] = [];
  if (Array.isArray(node)) for (const [i, item] of node.entries()) children.push([item, jsonPath(path, i)]);
  else if (isObject(node)) {
    for (const [key, args] of Object.entries(node)) {
      if (Array.isArray(args)) for (const [i, item] of args.entries()) children.push([item, jsonPath(path, key, i)]);
      else children.push([args, jsonPath(path, key)]);
    }
  }
  for (const [child, childPath] of children) {
    if (fails(child, evaluators)) {
      return locateCompileError(child, evaluators, childPath, evaluatorsPath, seen);
    }
  }
  const operator = isObject(node) ? Object.keys(node)[0] : undefined;
  if (operator !== undefined && !compiles({ [operator]: [] }) && !compiles({ [operator]: {} })) {
    return { path, message: `"${operator}" is not a JsonLogic operator flagd evaluates (flagd has the standard JsonLogic operators plus fractional, sem_ver, starts_with, ends_with)` };
  }
  return { path, message: 'flagd-core cannot compile this JsonLogic rule' };
}

/**
 * What flagd-core would refuse, or load but never evaluate, in a document (`base` is where the
 * document sits: `flag(key)` is the path of one flag, `evaluators` of `$evaluators`). Empty: flagd-core loads it and every flag evaluates.
 */
export function flagDocumentProblems(flags: Record<string, FlagDefinition>, set: FlagSet, base: { flag: (key: string) => string; evaluators: string }): FlagProblem[] {
  const problems: FlagProblem[] = [];
  for (const [name, evaluator] of Object.entries(set.evaluators)) unknownRefs(evaluator, set.evaluators, jsonPath(base.evaluators, name), problems);
  for (const [key, flag] of Object.entries(flags)) {
    if (flag.targeting !== undefined) unknownRefs(flag.targeting, set.evaluators, jsonPath(base.flag(key), 'targeting'), problems);
  }
  if (problems.length > 0) return problems;
  let core: FlagdCore;
  try {
    core = new FlagdCore(undefined, SILENT);
    core.setConfigurations(JSON.stringify(flagdDocument(flags, set)));
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return [{ path: Object.keys(flags).length === 1 ? base.flag(Object.keys(flags)[0] as string) : jsonPath(base.flag(''), '').replace(/\[""\]$/, ''), message: `flagd-core refuses the document: ${cause?.message ?? (error as Error).message}` }];
  }
  for (const [key, flag] of Object.entries(flags)) {
    // PARSE_ERROR from a loaded flag means its targeting did not compile: it would fail every evaluation.
    if (core.getFlag(key)?.evaluate({}).errorCode !== 'PARSE_ERROR') continue;
    problems.push(locateCompileError(flag.targeting, set.evaluators, jsonPath(base.flag(key), 'targeting'), base.evaluators));
  }
  return problems;
}
