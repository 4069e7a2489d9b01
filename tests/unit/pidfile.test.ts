// The server's pid file: a live server is recognised, a file left by a crash or a damaged file is not.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeServerPid, runningServerPid, serverPidFile, writeServerPid } from '../../src/util/pidfile.ts';

describe('server.pid', () => {
  it('names this process while it runs and is removed by it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pid-'));
    expect(runningServerPid(dir)).toBeNull();
    writeServerPid(dir);
    expect(runningServerPid(dir)).toBe(process.pid);
    removeServerPid(dir);
    expect(existsSync(serverPidFile(dir))).toBe(false);
  });

  it('ignores a file left by a process that is gone, and a damaged file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pid-'));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(serverPidFile(dir), `${gone}\n`);
    expect(runningServerPid(dir)).toBeNull();
    writeFileSync(serverPidFile(dir), 'not a number');
    expect(runningServerPid(dir)).toBeNull();
  });

  it('says so, without throwing, when the file cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pid-'));
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    expect(writeServerPid(notAFolder)).toBe(false);
    expect(writeServerPid(dir)).toBe(true);
  });

  it("does not remove another live process's file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-pid-'));
    writeFileSync(serverPidFile(dir), `${process.ppid}\n`);
    removeServerPid(dir);
    expect(runningServerPid(dir)).toBe(process.ppid);
  });
});
