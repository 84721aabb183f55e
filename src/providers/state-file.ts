import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Small JSON state files of providers (a journal entry, the router's route, the running processes).
 * Written to a temporary file and renamed, so a crash leaves the old state or the new, never half of one.
 */
export function writeJsonAtomically(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, file);
}

/** The file's JSON, or undefined when it is missing or unreadable (a first start). */
export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The folder of one provider instance under the server's state directory, named by what identifies it
 * (a router's listen address, a process's command and folder), so two environments never share state.
 */
export function instanceStateDir(stateDir: string, kind: string, identity: string): string {
  const dir = join(stateDir, `${kind}-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
