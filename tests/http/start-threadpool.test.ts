// `npm start` as an operator runs it: the server process it starts has libuv's pool at 16 threads.
// Node reads UV_THREADPOOL_SIZE once, when something first uses the pool, and the ES module loader
// does that before the first line of the app runs: only the environment the process starts with counts.
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/app.ts';
import { ROOT, startCommand } from '../helpers/run.ts';

const dir = tempDir('cc-start-pool-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `npm start` on a data folder of its own; the server's environment and thread count once it listens. */
async function npmStart(name: string, pool: string | undefined) {
  const data = join(dir, name, 'data');
  const npm = startCommand('npm', ['start', '--silent'], {
    DATA_DIR: data,
    UPLOAD_DIR: join(dir, name, 'uploads'),
    DEMO: '0',
    PORT: '0',
    UV_THREADPOOL_SIZE: pool,
  });
  try {
    await npm.waitFor(/创城测评已启动/, 60_000);
    // npm start's server is a process or two below npm: its own pid file names it
    const pid = Number(readFileSync(join(data, 'server.pid'), 'utf8').trim());
    // what a start-up lazily begins (the photo workers' first reads) settles first
    await new Promise((r) => setTimeout(r, 500));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const threads = readdirSync(`/proc/${pid}/task`).length;
    process.kill(pid, 'SIGTERM');
    await npm.done;
    return { pool: environ.find((e) => e.startsWith('UV_THREADPOOL_SIZE=')), threads };
  } finally {
    if (npm.child.exitCode === null) npm.child.kill('SIGKILL');
  }
}

describe('npm start', () => {
  it("starts the server with libuv's pool at 16 threads, unless the operator sets another size", async () => {
    const ours = await npmStart('default', undefined);
    expect(ours.pool).toBe('UV_THREADPOOL_SIZE=16');
    const four = await npmStart('four', '4');
    expect(four.pool).toBe('UV_THREADPOOL_SIZE=4');
    // libuv starts the whole pool at once: 12 threads more, whatever else the server runs
    expect(ours.threads - four.threads).toBeGreaterThanOrEqual(12);
  }, 120_000);

  it('the service unit starts node as npm start does: the same node flags, the same pool', () => {
    const start =
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson).scripts.start ?? '';
    const unit = readFileSync(join(ROOT, 'deploy', 'chuangcheng.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
    // the words between the launcher and the script: node's own flags
    const between = (cmd: string, from: string, to: string) => {
      const words = cmd.split(/\s+/);
      const a = words.findIndex((w) => w.endsWith(from));
      const b = words.indexOf(to);
      expect(a, cmd).toBeGreaterThanOrEqual(0);
      expect(b, cmd).toBeGreaterThan(a);
      return words.slice(a + 1, b);
    };
    expect(between(execStart, '/node', 'src/server.ts')).toEqual([
      ...between(start, 'tsx', 'src/server.ts'),
      '--import',
      'tsx',
    ]);
    expect(/^Environment=UV_THREADPOOL_SIZE=16$/m.test(unit)).toBe(true);
  });
});

interface PackageJson {
  scripts: Record<string, string>;
}
