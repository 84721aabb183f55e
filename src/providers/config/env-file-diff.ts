/** `KEY=value` lines of a dotenv file, by key. Values stay in memory only to be compared, never printed. */
export function parseEnvKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][\w.-]*)\s*=(.*)$/.exec(line);
    if (match) keys.set(match[1] as string, (match[2] as string).trim());
  }
  return keys;
}

export interface KeyDiff {
  changed: string[];
  added: string[];
  removed: string[];
}

/** Key names only: what restoring `to` over `from` changes. */
export function diffEnvKeys(from: string, to: string): KeyDiff {
  const before = parseEnvKeys(from);
  const after = parseEnvKeys(to);
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) added.push(key);
    else if (before.get(key) !== value) changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) removed.push(key);
  return { changed: changed.sort(), added: added.sort(), removed: removed.sort() };
}
