/**
 * How the bench starts node for the server and for the children that measure the server's work: with the
 * V8 flags and the libuv pool `npm start` gives it (package.json), plus BENCH_NODE_FLAGS (extra node flags,
 * e.g. a trial) and BENCH_PROF (a CPU profile per process, in that folder).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The node flags of package.json's start script: every word between `tsx` and `src/server.ts`. */
export function startScriptFlags(start: string): string[] {
  const words = start.split(/\s+/).filter(Boolean);
  const from = words.indexOf('tsx');
  const to = words.indexOf('src/server.ts');
  if (from < 0 || to < from)
    throw new Error(`package.json start is not "… tsx <flags> src/server.ts": ${start}`);
  const flags = words.slice(from + 1, to);
  if (flags.some((w) => !w.startsWith('--')))
    throw new Error(`package.json start gives node words the bench cannot read as flags: ${start}`);
  return flags;
}

/** npm start's node flags (none at present: sessions 23–24 tried --max-semi-space-size=32, README). */
export const V8_FLAGS_AS_NPM_START = startScriptFlags(
  (
    JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
      scripts: { start: string };
    }
  ).scripts.start,
);

/** The libuv pool as `npm start` sets it: it can only be set in the environment a process starts with. */
export const POOL_AS_NPM_START = { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' };

/**
 * The node flags of a process doing the server's work: npm start's, then BENCH_NODE_FLAGS, then
 * BENCH_PROF's. `v8Flags: false` leaves npm start's out (work the server does on a photo worker, whose
 * heap is sized by its own resourceLimits, not by the main thread's flags).
 */
export function nodeFlagsAsServer({ v8Flags = true } = {}): string[] {
  const extra = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  return [...(v8Flags ? V8_FLAGS_AS_NPM_START : []), ...extra, ...prof];
}

/**
 * Runs a bench/ script in a process of its own, as the server's node would run, and returns its standard
 * output. What it measures is work the server does, so its node has the server's flags and libuv pool.
 */
export function runAsServer(script: string, args: string[], options: { v8Flags?: boolean } = {}): string {
  return execFileSync(
    process.execPath,
    [
      ...nodeFlagsAsServer(options),
      '--import',
      'tsx',
      fileURLToPath(new URL(`./${script}`, import.meta.url)),
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, ...POOL_AS_NPM_START } },
  );
}

/**
 * This process's own peak RSS in MB, for a child started by runAsServer. Linux: VmHWM, the peak of this
 * process's memory since its exec — not getrusage's maxrss, which keeps the larger peak of the process it
 * was forked from (the bench itself, 190–230 MB: every child reported that figure, not its own).
 */
export function ownPeakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    /* not Linux */
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
