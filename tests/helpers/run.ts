/** Runs a project command (tsx entry point) as a child process and collects its output and exit code. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  /** resolves once stdout matches */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** resolves when the process has ended */
  done: Promise<RunResult>;
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
}

export function startTs(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Running {
  return startCommand(TSX, [script, ...args], env, timeoutMs);
}

/**
 * Runs `command` in the project's folder, as startTs runs a tsx entry point (e.g. `npm start` as an
 * operator types it). Variables of `env` set to undefined are taken out of the inherited environment.
 */
export function startCommand(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Running {
  // vitest puts Vite's BASE_URL into the environment; the app reads a variable of that name
  const { BASE_URL: _viteBase, ...inherited } = process.env;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<RunResult>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    stdout: () => stdout,
    done,
    waitFor: (pattern, waitMs = 30_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = () => {
          if (pattern.test(stdout)) return resolve();
          if (child.exitCode !== null || Date.now() - started > waitMs)
            return reject(new Error(`did not print ${pattern}: ${stdout}\n${stderr}`));
          setTimeout(tick, 50);
        };
        tick();
      }),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return done;
    },
  };
}

export function runTs(script: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return startTs(script, args, env).done;
}
