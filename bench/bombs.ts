/**
 * The bench's `bomb` phase: the attack run's hostile workbooks (a 250 MB shared-string table in a file of
 * well under a megabyte, a deflate bomb entry, a million cells) uploaded to the running server as the
 * office would, one at a time on both import pages and then three at once. Reports the slowest refusal
 * and the server's peak RSS over the phase (Linux: the peak is reset through /proc/<pid>/clear_refs
 * first, so it is this phase's, not the start-up's). Every upload must be refused with a 400; anything
 * else fails the bench.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateBomb, millionCells, sharedStringsBomb } from '../tests/helpers/hostile-xlsx.ts';

export interface BombFigures {
  /** the slowest refusal, one upload at a time or three at once, in ms */
  refuseMs: number;
  /** the server's peak resident memory during the phase, in MB */
  peakRssMb: number;
  /** its resident memory before the phase, in MB */
  baseRssMb: number;
  lines: string[];
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export async function measureBombs(
  base: string,
  session: { cookie: string; csrf: string },
  serverPid: number,
): Promise<BombFigures> {
  const lines: string[] = [];
  const files: [string, Buffer][] = [
    ['250 MB shared strings', await sharedStringsBomb(250)],
    ['1 GB deflate bomb (honest sizes)', await deflateBomb(1024)],
    ['300 MB deflate bomb claiming 4 MB', await deflateBomb(300, 4)],
    ['a million cells', await millionCells(50_000)],
  ];
  for (const [name, buf] of files) lines.push(`${name}: ${Math.round(buf.length / 1024)} KB file`);

  async function upload(path: string, name: string, buf: Buffer): Promise<number> {
    const form = new FormData();
    form.set('_csrf', session.csrf);
    form.set('file', new Blob([new Uint8Array(buf)]), `${name}.xlsx`);
    const started = performance.now();
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { cookie: session.cookie },
      body: form,
      redirect: 'manual',
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 400) throw new Error(`${name} to ${path}: ${res.status}, expected a 400 refusal`);
    // the import page lists its messages; the criteria page shows them the same way
    const message = (/<li>([^<]+)<\/li>/.exec(text)?.[1] ?? '').trim();
    lines.push(`${name} → ${path}: ${res.status} in ${Math.round(ms)} ms: ${message}`);
    return ms;
  }

  const baseRssMb = status(serverPid, 'VmRSS');
  let canReset = true;
  try {
    writeFileSync(`/proc/${serverPid}/clear_refs`, '5'); // resets VmHWM to the current RSS
  } catch {
    canReset = false;
  }
  // sampled as well, in case the peak cannot be reset
  let sampled = baseRssMb;
  const timer = setInterval(() => (sampled = Math.max(sampled, status(serverPid, 'VmRSS'))), 20);
  let worst = 0;
  try {
    for (const path of ['/imports/sites', '/criteria/import'])
      for (const [name, buf] of files) worst = Math.max(worst, await upload(path, name, buf));
    const together = await Promise.all(
      [files[0]!, files[2]!, files[3]!].map(([name, buf]) =>
        upload('/imports/sites', `${name} (3 at once)`, buf),
      ),
    );
    worst = Math.max(worst, ...together);
    const big = files[0]!;
    const three = await Promise.all(
      [1, 2, 3].map((n) => upload('/imports/sites', `${big[0]} #${n} (3 at once)`, big[1])),
    );
    worst = Math.max(worst, ...three);
  } finally {
    clearInterval(timer);
  }
  const peakRssMb = canReset ? Math.max(status(serverPid, 'VmHWM'), sampled) : sampled;
  return { refuseMs: Math.round(worst), peakRssMb, baseRssMb, lines };
}
