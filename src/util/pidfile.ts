/**
 * `DATA_DIR/server.pid`: the running server's process id, written once it listens and removed when it
 * stops, so operator commands that must not run beside it (restore) can tell. A file left by a crash
 * names a process that is gone and is ignored.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function serverPidFile(dataDir: string): string {
  return join(dataDir, 'server.pid');
}

/** Writes the file; false if it could not be written (the server runs on, restore cannot then tell). */
export function writeServerPid(dataDir: string): boolean {
  try {
    writeFileSync(serverPidFile(dataDir), `${process.pid}\n`);
    return true;
  } catch {
    return false;
  }
}

/** Removes the file if it is this process's (a second server's failed start must not remove the first's). */
export function removeServerPid(dataDir: string): void {
  if (runningServerPid(dataDir) === process.pid) rmSync(serverPidFile(dataDir), { force: true });
}

/** The id of a live server process using this data folder, or null. */
export function runningServerPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(serverPidFile(dataDir), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (err) {
    // EPERM: it exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
