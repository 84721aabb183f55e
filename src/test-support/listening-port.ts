import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP port a child process listens on, for programs told to listen on port 0 (the OS picks) that do
 * not print the port they got (Prometheus logs the address it was given, `:0`). Linux: the process's
 * socket inodes (/proc/<pid>/fd) matched against the listening sockets in /proc/net/tcp{,6}.
 * Undefined while it does not listen yet: poll it with `until`.
 */
export function listeningPort(pid: number): number | undefined {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return undefined;
  }
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === '0A' && inode && inodes.has(inode) && local) return Number.parseInt(local.split(':')[1] ?? '', 16);
    }
  }
  return undefined;
}
