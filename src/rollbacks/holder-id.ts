import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The id this server holds rollback leases under: `RIPCORD_HOLDER_ID`, else host name + data folder,
 * the same across restarts, so a restarted server takes its own plan's lease back at once instead of
 * waiting it out. A second live server on the same folder (its pid is in `holder.pid`) gets a unique
 * id instead: two processes under one id would take each other's leases.
 */
export function stableHolderId(dataDir: string, fromEnvironment = process.env.RIPCORD_HOLDER_ID): string {
  if (fromEnvironment) return fromEnvironment;
  const dir = resolve(dataDir);
  const id = `${hostname()}:${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
  const pidFile = join(dir, 'holder.pid');
  try {
    mkdirSync(dir, { recursive: true });
    const other = Number(readFileSync(pidFile, 'utf8').trim());
    if (other && other !== process.pid && alive(other)) return `${id}-${randomBytes(4).toString('hex')}`;
  } catch {
    // no pid file yet
  }
  try {
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch {
    return `${id}-${randomBytes(4).toString('hex')}`;
  }
  return id;
}
