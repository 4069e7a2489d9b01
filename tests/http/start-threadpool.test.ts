// `npm start` as an operator runs it: the server process it starts has libuv's pool at 16 threads and
// V8's young generation at 32 MB a semi-space. Node reads UV_THREADPOOL_SIZE once, when something first
// uses the pool, and the ES module loader does that before the first line of the app runs; V8 sizes its
// heap when the process starts: only the environment and the command line the process starts with count.
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
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    process.kill(pid, 'SIGTERM');
    await npm.done;
    return { pool: environ.find((e) => e.startsWith('UV_THREADPOOL_SIZE=')), threads, argv };
  } finally {
    if (npm.child.exitCode === null) npm.child.kill('SIGKILL');
  }
}

describe('npm start', () => {
  it("starts the server with libuv's pool at 16 threads (unless the operator sets another size) and V8's young generation at 32 MB a semi-space", async () => {
    const ours = await npmStart('default', undefined);
    expect(ours.pool).toBe('UV_THREADPOOL_SIZE=16');
    const four = await npmStart('four', '4');
    expect(four.pool).toBe('UV_THREADPOOL_SIZE=4');
    // libuv starts the whole pool at once: 12 threads more, whatever else the server runs
    expect(ours.threads - four.threads).toBeGreaterThanOrEqual(12);
    // the server's own node (not npm's, not tsx's launcher) got the young generation's size
    // as a node flag: before the script (after it, it would be one of the script's own arguments)
    const script = ours.argv.findIndex((a) => a.endsWith('src/server.ts'));
    expect(script).toBeGreaterThan(0);
    expect(ours.argv.indexOf('--max-semi-space-size=32')).toBeGreaterThan(0);
    expect(ours.argv.indexOf('--max-semi-space-size=32')).toBeLessThan(script);
  }, 120_000);

  it('the service unit starts node with the same V8 flags as npm start', () => {
    const start =
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson).scripts.start ?? '';
    const unit = readFileSync(join(ROOT, 'deploy', 'chuangcheng.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
    const flags = (cmd: string) => cmd.split(/\s+/).filter((w) => w.startsWith('--max-'));
    expect(flags(start)).toEqual(['--max-semi-space-size=32']);
    expect(flags(execStart)).toEqual(flags(start));
    expect(/^Environment=UV_THREADPOOL_SIZE=16$/m.test(unit)).toBe(true);
  });
});

interface PackageJson {
  scripts: Record<string, string>;
}
