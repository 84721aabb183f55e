import { registerSecret } from '../core/secrets.js';
import type { ConfigPath } from './config-problem.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationProblem {
  path: ConfigPath;
  message: string;
}

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string of the parsed file with the environment's
 * value. Every substituted value is registered as a secret: it is usually a token or a webhook URL,
 * and nothing that came from the environment should be printed back.
 */
export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: InterpolationProblem[],
  path: ConfigPath = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const resolved = env[name] ?? fallback;
      if (resolved === undefined) {
        problems.push({ path, message: `environment variable ${name} is not set` });
        return '';
      }
      if (env[name] !== undefined) registerSecret(resolved);
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, problems, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env, problems, [...path, key])]),
    );
  }
  return value;
}

const PLACEHOLDER_START = 0xe000;
const PLACEHOLDER_FILL = '\ue001';
const PLACEHOLDER_INDEX = 0xe100;

/**
 * `token: ${VERCEL_TOKEN}` inside a flow mapping (`{ kind: vercel, token: ${VERCEL_TOKEN} }`) is not
 * valid YAML: `{` opens a mapping. Before parsing, each reference is swapped for a placeholder of the
 * same length made of private-use characters (so line and column numbers stay right); after parsing,
 * `restore` puts the references back into the strings for `interpolate` to resolve.
 */
export function protectReferences(text: string): { text: string; restore: (value: unknown) => unknown } {
  const references: string[] = [];
  const protectedText = text.replace(REFERENCE, (match) => {
    const index = references.push(match) - 1;
    return String.fromCharCode(PLACEHOLDER_START, PLACEHOLDER_INDEX + index) + PLACEHOLDER_FILL.repeat(match.length - 2);
  });
  const placeholder = new RegExp(`${String.fromCharCode(PLACEHOLDER_START)}([\\ue100-\\uefff])${PLACEHOLDER_FILL}*`, 'g');
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(placeholder, (_m, index: string) => references[index.charCodeAt(0) - PLACEHOLDER_INDEX] ?? '');
    }
    if (Array.isArray(value)) return value.map(restore);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, restore(item)]));
    }
    return value;
  };
  return { text: protectedText, restore };
}
