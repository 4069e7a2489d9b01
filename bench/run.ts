/**
 * `npm run bench` (`-- --quick` for a tenth of the data and 3-second load runs): builds the city-scale
 * dataset (bench/city.ts), starts the real app in its own process on loopback (bench/server-child.ts),
 * measures what issue #8 lists and prints one JSON object as its last line. Not part of the tests;
 * timings are reported, never asserted. Latency percentiles are computed from every response's time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { buildCity, BENCH_PASSWORD, INSPECTORS, type City } from './city.ts';
import { measureExport } from './problems-export.ts';
import { nodeFlagsAsServer, POOL_AS_NPM_START, runAsServer } from './node-as-server.ts';
import { measureBombs } from './bombs.ts';
import { measurePackage, seedTasks, type TaskCity } from './tasks.ts';
import { measureAnswerPosts, measureAnswers, seedSurveys, type Send, type SurveyCity } from './surveys.ts';
import { prepareReminders } from './reminders.ts';
import { measureReminders } from './reminders-measure.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { photoPaths } from '../src/photos/files.ts';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
const seconds = quick ? 3 : 10;
const CONNECTIONS = 64;
// `--only=ranking,page,bare,sheet,autosave,export-load,photo,intake,floor,bomb,export,sqlite,tasks,survey,reminders,versions`
// runs some phases
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = (phase: string) => !only || only.includes(phase);
const say = (m: string) => console.log(`# ${m}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round1 = (x: number) => Number(x.toFixed(1));

/**
 * Runs a bench/ script in a process of its own (node-as-server.ts: the server's node flags and libuv pool)
 * and parses the JSON of its last line.
 */
function inChild<T>(name: string, args: (string | number)[] = [], options: { v8Flags?: boolean } = {}): T {
  const out = runAsServer(name, args.map(String), options);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

// --- the app in its own process ---
async function startServer(
  city: City,
  extraEnv: Record<string, string> = {},
): Promise<{ base: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./server-child.ts', import.meta.url));
  // npm start's node flags, BENCH_NODE_FLAGS and BENCH_PROF's CPU profile (node-as-server.ts)
  const child = spawn(process.execPath, [...nodeFlagsAsServer(), '--import', 'tsx', script], {
    // the public survey pages' per-address limit raised through its documented setting: every simulated
    // phone comes from 127.0.0.1
    // and the libuv pool as `npm start` sets it
    env: {
      ...process.env,
      ...POOL_AS_NPM_START,
      ...city.env,
      PORT: '0',
      PUBLIC_RATE_LIMIT: '1000000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // BENCH_SERVER_LOG=<file> keeps the server's standard output there (e.g. with --trace-deopt)
  const log = process.env.BENCH_SERVER_LOG;
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (log) appendFileSync(log, d);
      // the tail only: a traced server writes a lot
      out = (out + d.toString()).slice(-2000);
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}`, child };
}

/** A line in BENCH_SERVER_LOG between the server's own, to find a phase in a trace (`### intake starts`). */
function markServerLog(text: string, pid?: number): void {
  const log = process.env.BENCH_SERVER_LOG;
  if (!log) return;
  // the monotonic clock of a --cpu-prof profile's timestamps, and each thread's CPU ticks (tid:nice:ticks)
  let threads = '';
  try {
    if (pid)
      threads = readdirSync(`/proc/${pid}/task`)
        .map((tid) => {
          try {
            const f = statFields(`/proc/${pid}/task/${tid}/stat`);
            return `${tid}:${f[16]}:${Number(f[11]) + Number(f[12])}`;
          } catch {
            return ''; // the thread ended between the listing and its stat
          }
        })
        .filter(Boolean)
        .join(' ');
  } catch {
    /* the process is gone */
  }
  appendFileSync(
    log,
    `\n### ${text} at ${process.hrtime.bigint() / 1000n} µs${threads ? ` threads ${threads}` : ''}\n`,
  );
}

interface Session {
  cookie: string;
  csrf: string;
}
async function login(base: string, username: string): Promise<Session> {
  const cookieOf = (res: Response, prev = '') =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ') || prev;
  let res = await fetch(`${base}/login`);
  let cookie = cookieOf(res);
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, username, password: BENCH_PASSWORD }),
  });
  if (res.status !== 303) throw new Error(`login ${username}: ${res.status}`);
  cookie = cookieOf(res, cookie);
  const home = await fetch(`${base}/`, { headers: { cookie } });
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(await home.text())![1]!;
  return { cookie, csrf };
}

// --- autocannon with every response's time recorded ---
interface Load {
  rps: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  errors: number;
  total: number;
}
/** A load run of `seconds`, or (`until`) one that stops when that settles (at most 10 minutes). */
async function load(opts: autocannon.Options, until?: Promise<unknown>): Promise<Load> {
  const times: number[] = [];
  let bad = 0;
  const started = performance.now();
  const instance = autocannon({
    connections: CONNECTIONS,
    duration: until ? 600 : seconds,
    ...opts,
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  void until?.finally(() => instance.stop());
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    times.push(ms);
    if (status >= 400) bad++;
  });
  const r = await instance;
  const elapsed = until ? (performance.now() - started) / 1000 : seconds;
  return {
    rps: Math.round(times.length / elapsed),
    p50: round1(percentile(times, 50)),
    p90: round1(percentile(times, 90)),
    p95: round1(percentile(times, 95)),
    p99: round1(percentile(times, 99)),
    errors: bad + r.errors + r.timeouts,
    total: times.length,
  };
}

/**
 * The sheet page's save, as 64 tablets send it: each save is about a sheet no other save in flight is
 * about and, as the page does, says which revision of the sheet its change is based on (the one the
 * sheet's previous save answered; the first save of a sheet in a run, knowing none, is checked as a late
 * replay would be). autocannon gives each request a fresh copy of its context, so a connection cannot
 * keep its sheet there: a save takes a free sheet and gives it back, with the answered revision, when
 * its response arrives (before, every save claimed revision 0 and took the late-replay path).
 */
function autosaveOptions(base: string, s: Session, sheets: City['openSheets'], codes: Map<string, string[]>) {
  const free = [...sheets];
  const revisions = new Map<City['openSheets'][number], number>();
  let spare = 0;
  let n = 0;
  interface Save {
    sheet?: City['openSheets'][number];
  }
  return {
    url: base,
    method: 'POST' as const,
    headers: {
      cookie: s.cookie,
      'x-csrf-token': s.csrf,
      'x-requested-with': 'fetch',
      'content-type': 'application/json',
    },
    requests: [
      {
        setupRequest: (req: autocannon.Request, context: object) => {
          // a save that never got its response keeps its sheet: then share one (a possible stale save)
          const sheet = ((context as Save).sheet = free.pop() ?? sheets[spare++ % sheets.length]!);
          n++;
          const std = codes.get(sheet.siteType)!;
          req.path = `/api/rounds/${sheet.round}/sites/${sheet.site}/changes`;
          req.body = JSON.stringify({
            batchId: randomUUID(),
            baseRevision: revisions.get(sheet) ?? 0,
            changes: [0, 1, 2].map((i) => ({
              standard: std[(n + i) % std.length],
              result: 'ok',
              cases: 0,
              fixedCases: 0,
              note: '',
            })),
          });
          return req;
        },
        onResponse: (status: number, body: string, context: object) => {
          const { sheet } = context as Save;
          if (!sheet) return;
          if (status === 200) revisions.set(sheet, (JSON.parse(body) as { revision: number }).revision);
          free.push(sheet);
        },
      },
    ],
  };
}

/** A JPEG made distinct by a comment segment right after SOI (same pixels, different bytes and SHA-256). */
function variant(jpeg: Buffer, n: number): Buffer {
  const text = Buffer.from(`bench ${n}`);
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, text, jpeg.subarray(2)]);
}

/**
 * The simulated tablets' HTTP: node:http with keep-alive and bodies built as bytes, so the load
 * generator spends as little of the shared two cores as it can (fetch with FormData cost it 4 ms of
 * CPU per sheet). On the wire these are the requests the sheet page makes.
 */
const tabletAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const send: Send = (base, method, path, headers, body, agent) =>
  new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      { method, agent, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/** multipart/form-data as a browser's FormData sends it: text fields, then the photo. */
function multipart(fields: Record<string, string>, file: { name: string; type: string; data: Buffer }) {
  const boundary = `----bench${randomUUID().replaceAll('-', '')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${file.name}"\r\n` +
        `Content-Type: ${file.type}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

interface ServerStats {
  gc: {
    count: number;
    totalMs: number;
    maxMs: number;
    over10ms: number;
    majorCount: number;
    majorMs: number;
  };
  loopDelay: { p50: number; p99: number; max: number };
  heapMb: number;
  busy: number;
}
/** The server's GC pauses and event-loop delays since the last call (bench/server-child.ts). */
async function serverStats(base: string, s: Session): Promise<ServerStats> {
  const res = await fetch(`${base}/bench/stats`, { headers: { cookie: s.cookie } });
  return (await res.json()) as ServerStats;
}

/** The fields of a /proc stat file after the command's name (field 3 of proc(5) is index 0). */
function statFields(file: string): string[] {
  return readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
}

/** User + system CPU seconds of a /proc stat file's fields (ticks of 1/100 s). */
const statCpuSeconds = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / 100;

/** CPU seconds a process has used (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    return statCpuSeconds(statFields(`/proc/${pid}/stat`));
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of the server's threads at nice 19: the photo versions' background lane (photos/off-thread.ts),
 * which works while the intake's requests are served and is counted apart from them. 0 where /proc is not.
 */
function laneCpuSeconds(pid: number | undefined): number {
  let sum = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
      if (fields[16] === '19') sum += statCpuSeconds(fields);
    }
  } catch {
    /* the thread or the process is gone: what was read so far */
  }
  return sum;
}

/**
 * The server's peak RSS over a phase, as `<phase>_server_peak_rss_mb`: `phase(name)` closes the phase
 * open (if any) and starts the next (`null` only closes). Linux: the peak (VmHWM) is reset through
 * /proc/<pid>/clear_refs at the start, and RSS is sampled every 20 ms as well where that is refused.
 */
function serverPeakRss(pid: number | undefined, figures: Record<string, number>) {
  const status = (field: 'VmRSS' | 'VmHWM') => {
    try {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 1024) : 0;
    } catch {
      return 0;
    }
  };
  let open: { name: string; sampled: number; reset: boolean; timer: NodeJS.Timeout | undefined } | undefined;
  return (name: string | null) => {
    if (open) {
      clearInterval(open.timer);
      const peak = Math.max(open.sampled, status('VmRSS'), open.reset ? status('VmHWM') : 0);
      if (peak) figures[`${open.name}_server_peak_rss_mb`] = peak;
      open = undefined;
    }
    if (name === null) return;
    let reset = true;
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM from the current RSS on
    } catch {
      reset = false;
    }
    const phase = { name, sampled: status('VmRSS'), reset, timer: undefined as NodeJS.Timeout | undefined };
    phase.timer = setInterval(() => (phase.sampled = Math.max(phase.sampled, status('VmRSS'))), 20);
    phase.timer.unref();
    open = phase;
  };
}

function rawSqliteInsertRps(): number {
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-raw-'));
  const db = openDatabase(databaseFile(dir));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v INTEGER NOT NULL)');
  const stmt = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const insert = db.transaction((k: string, v: number) => stmt.run(k, v));
  const until = performance.now() + 2000;
  let n = 0;
  while (performance.now() < until) insert(`key-${n}`, n++);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return Math.round(n / 2);
}

// ------------------------------------------------------------------------------------------------
interface SheetPaths {
  save: string;
  photo: string;
  submit: string;
}

/**
 * Whole sheets from the tablets at once, each its own kept-alive connection as a browser's, on the wire as
 * the sheet page sends them: 40 answers in one save, one photo (`small`, made distinct per sheet by a
 * comment numbered from `firstVariant`), then the submit as the page's form. Stops after `target` sheets.
 * The server's CPU a sheet leaves out its background lane's (versions made meanwhile), reported apart.
 */
async function sheetBurst<S extends { siteType: string }>(
  pid: number | undefined,
  sessions: Session[],
  queues: S[][],
  target: number,
  small: Buffer,
  firstVariant: number,
  codes: Map<string, string[]>,
  paths: (sheet: S) => SheetPaths,
) {
  const agents = sessions.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const phaseMs = { save: 0, photo: 0, submit: 0 };
  // every request's time, per kind (a photo or submit not sent is not counted)
  const times = { save: [] as number[], photo: [] as number[], submit: [] as number[] };
  let taken = 0;
  let stored = 0;
  let failed = 0;
  let firstFailure = '';
  let n = 0;
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  const lane0 = laneCpuSeconds(pid);
  const clientCpu0 = process.cpuUsage();
  await Promise.all(
    sessions.map(async (s, i) => {
      for (const sheet of queues[i]!) {
        if (taken >= target) return;
        taken++;
        const std = codes.get(sheet.siteType)!;
        const changes = Array.from({ length: 40 }, (_, k) => ({
          standard: std[k % std.length]!,
          result: k % std.length === 0 ? 'fail' : 'ok',
          cases: k % std.length === 0 ? 1 : 0,
          fixedCases: 0,
          note: k < std.length ? '' : '复核',
        }));
        // each tablet its own connection, kept alive, as a browser does
        const api = { cookie: s.cookie, 'x-csrf-token': s.csrf, 'x-requested-with': 'fetch' };
        const t1 = performance.now();
        const saved = await send(
          base,
          'POST',
          paths(sheet).save,
          { ...api, 'content-type': 'application/json' },
          Buffer.from(JSON.stringify({ batchId: randomUUID(), baseRevision: 0, changes })),
          agents[i]!,
        );
        const t2 = performance.now();
        let photo = 0;
        if (saved.status === 200) {
          const form = multipart(
            { clientId: randomUUID().replaceAll('-', ''), standard: std[0]! },
            { name: 'photo.jpg', type: 'image/jpeg', data: variant(small, firstVariant + n++) },
          );
          photo = (
            await send(
              base,
              'POST',
              paths(sheet).photo,
              { ...api, 'content-type': form.type },
              form.body,
              agents[i]!,
            )
          ).status;
        }
        const t3 = performance.now();
        const submitted =
          photo === 201
            ? await send(
                base,
                'POST',
                paths(sheet).submit,
                { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
                // confirmed as the sheet page's script does after asking in place (src/web/confirm.ts)
                Buffer.from(new URLSearchParams({ _csrf: s.csrf, confirmed: '1' }).toString()),
                agents[i]!,
              )
            : null;
        const t4 = performance.now();
        phaseMs.save += t2 - t1;
        phaseMs.photo += t3 - t2;
        phaseMs.submit += t4 - t3;
        times.save.push(t2 - t1);
        if (saved.status === 200) times.photo.push(t3 - t2);
        if (submitted) times.submit.push(t4 - t3);
        if (submitted?.status === 303) stored++;
        else {
          failed++;
          const [what, r] = submitted
            ? ['submit', submitted]
            : saved.status !== 200
              ? ['save', saved]
              : ['photo', null];
          firstFailure ||= r
            ? `${what} answered ${r.status}: ${r.body
                .toString()
                .replace(/<[^>]*>/g, ' ')
                .replace(/\s+/g, ' ')
                .slice(0, 600)}`
            : `photo answered ${photo}`;
        }
      }
    }),
  );
  const ingestS = (performance.now() - t0) / 1000;
  // the versions made meanwhile on the background lane are counted apart: a sheet's CPU is its requests'
  const laneMs = ((laneCpuSeconds(pid) - lane0) * 1000) / Math.max(1, taken);
  const serverCpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / Math.max(1, taken) - laneMs;
  const clientCpu = process.cpuUsage(clientCpu0);
  const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000 / Math.max(1, taken);
  return {
    taken,
    stored,
    failed,
    firstFailure,
    times,
    phaseMs,
    ingestS,
    cpu0,
    laneMs,
    serverCpuMs,
    clientCpuMs,
  };
}

const figures: Record<string, number> = {};
say(`building the city (${quick ? 'quick: a tenth' : 'full'}) …`);
const city = await buildCity(scale);
figures.seed_s = city.seedS;
figures.sites = city.sites;
figures.answers = city.answers;
figures.problems = city.problems;
say(`seeded ${city.sites} sites, ${city.answers} answers, ${city.problems} problems in ${city.seedS} s`);

if (want('ranking')) {
  // in a process of its own (bench/ranking-child.ts), as the server computes it: the results cache emptied
  // first, so the round is computed from its sheets' packs; the previous round's ranks (movement) as kept
  // in the database (round_ranks), its failures (repeats) read again; then as a second view of an
  // unchanged round is served
  // ranking_both_rounds_ms: the same with the kept ranks deleted before each, so the previous round is
  // computed too; ranking_first_ms: once with the sheet packs and kept ranks deleted first, what
  // rebuilding them all costs
  const {
    first,
    times,
    both,
    cached: cachedTimes,
  } = inChild<{ first: number; times: number[]; both: number[]; cached: number[] }>('ranking-child.ts', [
    city.dir,
    city.rankedRound,
  ]);
  figures.ranking_ms = round1(median(times));
  figures.ranking_both_rounds_ms = round1(median(both));
  figures.ranking_first_ms = round1(first);
  figures.ranking_cached_ms = round1(median(cachedTimes));
  say(
    `ranking ${times.map(round1).join(' / ')} ms; computing the previous round too ${both.map(round1).join(' / ')} ms; ` +
      `with every sheet pack rebuilt first ${figures.ranking_first_ms} ms; unchanged round again ${figures.ranking_cached_ms} ms`,
  );
}

if (want('versions')) {
  // a photo's display version and thumbnail as the server makes them (bench/photo-versions.ts), in a
  // process of its own: CPU of the process, libvips' threads included, for distinct photos
  const r = inChild<
    Record<'small' | 'big', { cpu: number[]; wall: number[] }> & {
      upload: { plain: number[]; withVersions: number[] };
    }
  >('photo-versions.ts', [], { v8Flags: false });
  figures.photo_versions_cpu_ms_small = round1(median(r.small.cpu));
  figures.photo_versions_wall_ms_small = round1(median(r.small.wall));
  figures.photo_versions_cpu_ms_12mp = round1(median(r.big.cpu));
  figures.photo_versions_wall_ms_12mp = round1(median(r.big.wall));
  say(
    `photo versions (display with caption band + thumbnail), median of ${r.small.cpu.length} 320×240 photos: ` +
      `CPU ${figures.photo_versions_cpu_ms_small} ms, wall ${figures.photo_versions_wall_ms_small} ms; of ${r.big.cpu.length} ` +
      `12 MP photos: CPU ${r.big.cpu.map(round1).join(' / ')} ms, wall ${r.big.wall.map(round1).join(' / ')} ms`,
  );
  // a small photo's upload, then the same with its versions made right after it by the versions queue's code
  const plain = median(r.upload.plain);
  figures.photo_versions_cpu_ms_small_at_upload = round1(median(r.upload.withVersions) - plain);
  say(
    `a 320×240 upload checked and kept: CPU ${round1(plain)} ms; with its versions made right after it ` +
      `${round1(median(r.upload.withVersions))} ms (+${figures.photo_versions_cpu_ms_small_at_upload} ms)`,
  );
}

let taskCity: TaskCity | undefined;
if (want('tasks')) {
  // document tasks at city scale (bench/tasks.ts): the combined results in a process of their own, as
  // the ranking above; the packages are downloaded from the server below
  const t = performance.now();
  taskCity = seedTasks(city, scale);
  say(
    `tasks: ${taskCity.tasks} tasks (${Object.entries(taskCity.states)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}), ${taskCity.files} files, ${taskCity.fileMb} MB; 2 GB package round ${taskCity.bigFiles} files × 10 MB; seeded in ${round1((performance.now() - t) / 1000)} s`,
  );
  figures.task_files = taskCity.files;
  const r = inChild<{ cold: number[]; warm: number[]; field: number[]; first: number; counted: string }>(
    'tasks-child.ts',
    [city.dir, taskCity.combinedRound, city.rankedRound],
  );
  figures.combined_results_cold_ms = round1(median(r.cold));
  figures.combined_results_warm_ms = round1(median(r.warm));
  // the field-only ranking of the same city in the same process, for comparison (ranking_ms is the same
  // measurement when the ranking phase runs)
  figures.field_results_cold_ms = round1(median(r.field));
  // the combined round with its sheet packs rebuilt first; the ranking phase's own figure when it ran
  figures.ranking_first_ms ??= round1(r.first);
  say(
    `combined results (field + ${taskCity.tasks} tasks) from scratch ${r.cold.map(round1).join(' / ')} ms, ` +
      `from the cache ${r.warm.map(round1).join(' / ')} ms; with every sheet pack rebuilt first ${round1(r.first)} ms; field-only ranked round ${r.field.map(round1).join(' / ')} ms; ` +
      `district tasks ${r.counted}`,
  );
}

let surveyCity: SurveyCity | undefined;
if (want('survey')) {
  // an open 问卷调查 round over every 社区 (bench/surveys.ts); its figures computed cold in a process of
  // their own, as the ranking above; the public pages are loaded from the server below
  const t = performance.now();
  surveyCity = seedSurveys(city);
  say(
    `survey: ${surveyCity.tokens.length} 社区 × 100 valid answers (${surveyCity.stored} stored) seeded in ${round1((performance.now() - t) / 1000)} s`,
  );
  const r = inChild<{
    first: number;
    cold: number[];
    read: number[];
    cachedMs: number;
    answers: number;
    communities: number;
  }>('surveys-child.ts', [city.dir, surveyCity.round]);
  if (r.answers !== surveyCity.valid)
    throw new Error(`survey figures counted ${r.answers} of ${surveyCity.valid}`);
  figures.survey_results_cold_ms = round1(median(r.cold));
  figures.survey_results_first_ms = round1(r.first);
  say(
    `survey results of ${r.communities} 社区 × ${r.answers / r.communities} answers from scratch: first in the process ${round1(r.first)} ms, ` +
      `then ${r.cold.map(round1).join(' / ')} ms; the valid answers' read and JSON alone ${r.read.map(round1).join(' / ')} ms; ` +
      `cached ${round1(r.cachedMs)} ms`,
  );
}

// a day's reminders (bench/reminders.ts): receivers started and the city's units given channels and
// problems before the server starts, so the server sends to them
const reminders = want('reminders') ? await prepareReminders(city) : undefined;
if (reminders)
  say(
    `reminders: ${reminders.units} 居委会 × 20 open problems (${reminders.problems}), ${reminders.liaisonUnits} 包联 units, ` +
      `each with 2 e-mail contacts and a robot`,
  );
const { base, child } = await startServer(city, reminders?.env);
const phase = serverPeakRss(child.pid, figures);
try {
  const office = await login(base, 'office');
  const ins1 = await login(base, 'inspector1');
  const codes = new Map<string, string[]>();
  {
    const db = openDatabase(databaseFile(city.config.dataDir));
    const cache = new CriteriaCache(db);
    const version = cache.getByCode('district-2026');
    for (const t of version.criteria.siteTypes.keys())
      codes.set(
        t,
        version.criteria.forSiteType(t).map((s) => s.code),
      );
    db.close();
  }

  if (want('page')) {
    phase('page');
    const pageTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const page = await fetch(`${base}/rounds/${city.rankedRound}/results`, {
        headers: { cookie: office.cookie },
      });
      await page.text();
      if (page.status !== 200) throw new Error(`ranking page answered ${page.status}`);
      pageTimes.push(performance.now() - t);
    }
    // the first view computes everything from the answers (the previous round too); later views of the
    // unchanged round come from the results cache
    figures.ranking_page_first_ms = round1(pageTimes[0]!);
    figures.ranking_page_ms = round1(median(pageTimes));
    say(`ranking page ${pageTimes.map(round1).join(' / ')} ms`);
  }

  // the bare route under load: its rate and the server's CPU per request (the unit the intake's CPU per
  // sheet is compared with)
  const bareLoad = async () => {
    const cpu0 = cpuSeconds(child.pid);
    const bare = await load({ url: `${base}/bench/trivial`, headers: { cookie: ins1.cookie } });
    return {
      bare,
      cpuMs: Number((((cpuSeconds(child.pid) - cpu0) * 1000) / Math.max(1, bare.total)).toFixed(3)),
    };
  };
  // the same as a script's JSON POST (CSRF header checked, body parsed): the ceiling for autosave
  const barePostLoad = () =>
    load({
      url: `${base}/bench/trivial`,
      method: 'POST',
      headers: {
        cookie: ins1.cookie,
        'x-csrf-token': ins1.csrf,
        'x-requested-with': 'fetch',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ batchId: randomUUID(), baseRevision: 0, changes: [] }),
    });
  const measureBare = async () => {
    const { bare, cpuMs } = await bareLoad();
    figures.bare_express_rps = bare.rps;
    figures.bare_server_cpu_ms = cpuMs;
    say(
      `bare route: ${bare.rps} req/s, p99 ${bare.p99} ms, ${bare.errors} errors, server CPU ${figures.bare_server_cpu_ms} ms a request`,
    );
    const post = await barePostLoad();
    figures.bare_express_post_rps = post.rps;
    say(`bare JSON POST: ${post.rps} req/s, p99 ${post.p99} ms, ${post.errors} errors`);
  };
  if (want('bare')) {
    phase('bare');
    await measureBare();
  }

  if (want('survey') && surveyCity) {
    phase('survey');
    // shares of the bare route's rates measured in the same run (here when the bare phase did not run)
    if (figures.bare_express_rps === undefined) await measureBare();
    const { tokens } = surveyCity;
    // a resident opening a 社区's link for the first time: no cookie, so each view makes a device cookie
    // and signs a form token, as a phone's first visit does
    const page = await load({ url: `${base}/s/${tokens[0]}` });
    figures.survey_public_page_rps = page.rps;
    figures.survey_public_page_p95_ms = page.p95;
    figures.survey_public_page_errors = page.errors;
    figures.survey_public_page_share = Number((page.rps / figures.bare_express_rps!).toFixed(2));
    say(
      `survey public page: ${page.rps} req/s (${Math.round(figures.survey_public_page_share * 100)} % of the bare route), ` +
        `p95 ${page.p95} ms, p99 ${page.p99} ms, ${page.errors} errors`,
    );
    const db = openDatabase(databaseFile(city.config.dataDir));
    const held = () =>
      db
        .prepare('SELECT count(*) FROM survey_responses WHERE round_id = ?')
        .pluck()
        .get(surveyCity!.round) as number;
    const before = held();
    await serverStats(base, ins1); // from here on
    const cpuBefore = cpuSeconds(child.pid);
    const t = performance.now();
    const phones = await measureAnswers(base, tokens, seconds, send, CONNECTIONS);
    const elapsed = (performance.now() - t) / 1000;
    const added = held() - before;
    db.close();
    const stats = await serverStats(base, ins1);
    figures.survey_answers_rps = round1(added / elapsed);
    figures.survey_answers_errors = phones.errors;
    figures.survey_answers_share = Number(
      (figures.survey_answers_rps / figures.bare_express_post_rps!).toFixed(2),
    );
    say(
      `survey answers from ${CONNECTIONS} phones: ${added} held by the database (${phones.accepted} answered 303) in ${round1(elapsed)} s = ` +
        `${figures.survey_answers_rps} answers/s (${Math.round(figures.survey_answers_share * 100)} % of the bare POST), ` +
        `${round1(phones.requests / elapsed)} requests/s (page, screening, answers), ${phones.errors} errors${phones.firstError ? ` (first: ${phones.firstError})` : ''}; ` +
        `server CPU ${round1(((cpuSeconds(child.pid) - cpuBefore) * 1000) / Math.max(1, added))} ms an answer, main thread busy ${Math.round(stats.busy * 100)} %`,
    );
    // the answers' POST alone, from phones that already hold their questions forms
    const db2 = openDatabase(databaseFile(city.config.dataDir));
    const before2 = db2.prepare('SELECT count(*) FROM survey_responses').pluck().get() as number;
    const posts = await measureAnswerPosts(base, tokens, quick ? 10 : 40, send, CONNECTIONS);
    const added2 = (db2.prepare('SELECT count(*) FROM survey_responses').pluck().get() as number) - before2;
    db2.close();
    figures.survey_answer_posts_rps = round1(added2 / (posts.ms / 1000));
    figures.survey_answer_posts_errors = posts.errors;
    figures.survey_answer_posts_share = Number(
      (figures.survey_answer_posts_rps / figures.bare_express_post_rps!).toFixed(2),
    );
    say(
      `survey answers' POST alone (${CONNECTIONS} phones holding their forms): ${added2} held by the database (${posts.accepted} answered 303) ` +
        `in ${round1(posts.ms / 1000)} s = ${figures.survey_answer_posts_rps} answers/s (${Math.round(figures.survey_answer_posts_share * 100)} % of the bare POST), ` +
        `${posts.errors} errors${posts.firstError ? ` (first: ${posts.firstError})` : ''}`,
    );
  }

  // inspector1's sheets of the first open round: the sheet page, then autosaves over 64 of them
  const mine = city.openSheets.filter((s) => s.inspector === 'inspector1');
  const autosaveSheets = mine.slice(0, 64);
  if (want('sheet')) {
    phase('sheet');
    const page = await load({
      url: `${base}/rounds/${mine[0]!.round}/sites/${mine[0]!.site}`,
      headers: { cookie: ins1.cookie },
    });
    figures.sheet_page_p95_ms = page.p95;
    figures.sheet_page_rps = page.rps;
    say(`sheet page: ${page.rps} req/s, p95 ${page.p95} ms, ${page.errors} errors`);
  }

  if (want('autosave')) {
    // the bare POST again right before and right after: the machine's own speed drifts within a run
    // (±20 %, and slow stretches of a minute or more), and the bare phase ran minutes earlier; outside
    // the autosave phase's peak RSS
    phase(null);
    const postBefore = await barePostLoad();
    phase('autosave');
    await serverStats(base, ins1); // from here on
    const own = monitorEventLoopDelay({ resolution: 1 });
    own.enable();
    const cpuBefore = cpuSeconds(child.pid);
    const save = await load(autosaveOptions(base, ins1, autosaveSheets, codes));
    const cpuPerSave = ((cpuSeconds(child.pid) - cpuBefore) * 1000) / Math.max(1, save.total);
    own.disable();
    const stats = await serverStats(base, ins1);
    phase(null);
    const postAfter = await barePostLoad();
    figures.autosave_server_cpu_ms = Number(cpuPerSave.toFixed(3));
    say(
      `  load generator: event loop delay p50 ${(own.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(own.percentile(99) / 1e6).toFixed(1)} ms, max ${(own.max / 1e6).toFixed(1)} ms; heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`,
    );
    say(
      `  server during autosave: GC ${stats.gc.count} pauses, ${stats.gc.totalMs} ms in all (${stats.gc.majorCount} of the old generation, ${stats.gc.majorMs} ms), longest ${stats.gc.maxMs} ms; ` +
        `event loop delay p50 ${stats.loopDelay.p50} ms, p99 ${stats.loopDelay.p99} ms, max ${stats.loopDelay.max} ms; heap ${stats.heapMb} MB; main thread busy ${Math.round(stats.busy * 100)} %`,
    );
    figures.autosave_p99_ms = save.p99;
    figures.autosave_rps = save.rps;
    figures.autosave_errors = save.errors;
    figures.autosave_p50_ms = save.p50;
    // the target is a share of the bare JSON POST's rate of the same run
    if (figures.bare_express_post_rps)
      figures.autosave_share_of_bare_post = Number((save.rps / figures.bare_express_post_rps).toFixed(2));
    figures.bare_express_post_before_autosave_rps = postBefore.rps;
    figures.bare_express_post_after_autosave_rps = postAfter.rps;
    figures.bare_express_post_around_autosave_errors = postBefore.errors + postAfter.errors;
    // a bracket with errors measured something else than the route's rate: no share from it
    if (!figures.bare_express_post_around_autosave_errors)
      figures.autosave_share_of_bare_post_bracketed = Number(
        (save.rps / Math.max(1, (postBefore.rps + postAfter.rps) / 2)).toFixed(2),
      );
    const percent = (share: number | undefined) =>
      share === undefined ? 'n/a' : `${Math.round(share * 100)} %`;
    say(
      `autosave: ${save.rps} req/s, p50 ${save.p50} ms, p90 ${save.p90} ms, p99 ${save.p99} ms, ${save.errors} errors; server CPU ${cpuPerSave.toFixed(3)} ms a save; ` +
        `${percent(figures.autosave_share_of_bare_post)} of the bare phase's JSON POST; the bare POST right before and after ${postBefore.rps} / ${postAfter.rps} req/s ` +
        `(${figures.bare_express_post_around_autosave_errors} errors), ${percent(figures.autosave_share_of_bare_post_bracketed)} of their mean`,
    );
  }

  if (reminders) {
    phase('reminders');
    // a day's reminders alone, then again while tablets autosave (bench/reminders-measure.ts)
    const r = await measureReminders({
      base,
      office,
      prepared: reminders,
      dataDir: city.config.dataDir,
      autosave: (until) => load(autosaveOptions(base, ins1, autosaveSheets, codes), until),
      loadCapS: seconds * 6,
      serverCpuS: () => cpuSeconds(child.pid),
      loopMaxMs: async () => (await serverStats(base, ins1)).loopDelay.max,
    });
    const { alone, underLoad } = r;
    const { day } = alone;
    figures.reminders_compose_ms = day.composeMs;
    figures.reminders_compose_longest_step_ms = day.composeLongestStepMs;
    figures.reminders_queued = day.queued;
    figures.reminders_deliver_s = day.deliverS;
    figures.reminders_server_cpu_s = alone.serverCpuS;
    figures.reminders_sent = day.sent;
    figures.reminders_failed = day.failed + day.unknown + underLoad.day.failed + underLoad.day.unknown;
    figures.reminders_minutes = day.rounds;
    figures.reminders_compose_under_load_ms = underLoad.day.composeMs;
    figures.reminders_deliver_under_load_s = underLoad.day.deliverS;
    figures.reminders_autosave_p99_ms = r.during.p99;
    figures.reminders_autosave_p99_baseline_ms = r.baseline.p99;
    figures.reminders_autosave_p99_after_ms = r.after.p99;
    const events = Object.entries(day.queuedByEvent)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    say(
      `reminders alone: composed in ${day.composeMs} ms, longest step ${day.composeLongestStepMs} ms (${day.queued} deliveries: ${events}); sent in ${day.deliverS} s ` +
        `over ${day.rounds} scheduler rounds = minutes of simulated clock (${day.roundDeliverS.join(' / ')} s; each later ` +
        `round's composeDue ${day.laterComposeMs.join(' / ')} ms): ${day.sent} sent, ${day.failed} failed, ${day.unknown} unknown; ` +
        `server CPU ${alone.serverCpuS} s in all, ${((alone.serverCpuS * 1000) / Math.max(1, day.sent)).toFixed(2)} ms a delivery`,
    );
    say(
      `reminders during autosave: composed in ${underLoad.day.composeMs} ms, longest step ${underLoad.day.composeLongestStepMs} ms, sent in ${underLoad.day.deliverS} s ` +
        `(${underLoad.day.roundDeliverS.join(' / ')} s): ${underLoad.day.sent} sent, ${underLoad.day.failed} failed, ` +
        `${underLoad.day.unknown} unknown; the load ran ${r.loadS} s, ${r.sentDuringLoad} sent by its end`,
    );
    const autosave = (l: typeof r.during) =>
      `${l.rps} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.errors} errors, server ${Math.round(l.serverCores * 100)} % of a core, longest event-loop delay ${l.loopMaxMs} ms`;
    say(
      `  autosave during the day: ${autosave(r.during)}; alone just before: ${autosave(r.baseline)}; just after: ${autosave(r.after)} ` +
        `(p99 × ${(r.during.p99 / r.baseline.p99).toFixed(2)} of before); machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    );
    for (const [name, run] of [
      ['alone', alone],
      ['during autosave', underLoad],
    ] as const) {
      say(
        `  receivers (${name}): ${run.robotsReceived} robot messages and ${run.emailsReceived} e-mails, ` +
          `${run.mismatches.length ? `${run.mismatches.length} MISMATCHES` : 'exactly the deliveries marked sent, none twice'}`,
      );
      if (run.mismatches.length) {
        console.error(`!!! REMINDERS MISMATCH (${name}):\n${run.mismatches.slice(0, 20).join('\n')}`);
        figures.reminders_mismatches = (figures.reminders_mismatches ?? 0) + run.mismatches.length;
      }
    }
  }

  if (want('export-load')) {
    phase('export_load');
    // the same while the 5,000-problem workbook downloads, again and again until the load run ends
    let exporting = true;
    let exports = 0;
    const exportTimes: number[] = [];
    const downloads = (async () => {
      while (exporting) {
        const t = performance.now();
        const res = await fetch(`${base}/rounds/${city.rankedRound}/problems.xlsx`, {
          headers: { cookie: office.cookie },
        });
        const bytes = (await res.arrayBuffer()).byteLength;
        if (res.status !== 200 || bytes < 1000) throw new Error(`export answered ${res.status}`);
        exportTimes.push(performance.now() - t);
        exports++;
      }
    })();
    const during = await load(autosaveOptions(base, ins1, autosaveSheets, codes));
    exporting = false;
    await downloads;
    figures.autosave_p99_during_export_ms = during.p99;
    figures.autosave_p50_during_export_ms = during.p50;
    figures.autosave_errors_during_export = during.errors;
    figures.exports_during_autosave = exports;
    say(
      `autosave during export: ${during.rps} req/s, p50 ${during.p50} ms, p99 ${during.p99} ms, ${during.errors} errors; ` +
        `${exports} workbooks downloaded meanwhile (${exportTimes.map((t) => round1(t / 1000)).join(' / ')} s)`,
    );
  }

  const source = readFileSync(
    fileURLToPath(new URL('../tests/fixtures/photos/', import.meta.url)) + 'gps-DSCN0010.jpg',
  );
  const photoSheet = mine[64]!;
  if (want('photo')) {
    phase('photo');
    // photo intake: a 12-megapixel JPEG of about 4 MB, five distinct ones, one after another
    const big = await sharp(source)
      .rotate()
      .resize(4000, 3000, { fit: 'fill' })
      .jpeg({ quality: 97 })
      .toBuffer();
    // timed until the photo is stored and its thumbnail can be shown: the upload's answer, then the
    // thumbnail (made after the answer: by then, or at once for this request)
    const photoTimes: number[] = [];
    const ackTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const form = multipart(
        { clientId: randomUUID().replaceAll('-', ''), standard: codes.get(photoSheet.siteType)![0]! },
        { name: 'photo.jpg', type: 'image/jpeg', data: variant(big, i) },
      );
      const up = await send(
        base,
        'POST',
        `/api/rounds/${photoSheet.round}/sites/${photoSheet.site}/photos`,
        {
          cookie: ins1.cookie,
          'x-csrf-token': ins1.csrf,
          'x-requested-with': 'fetch',
          'content-type': form.type,
        },
        form.body,
        tabletAgent,
      );
      if (up.status !== 201) throw new Error(`photo upload answered ${up.status}`);
      ackTimes.push(performance.now() - t);
      const { id } = JSON.parse(up.body.toString()) as { id: number };
      const thumb = await send(
        base,
        'GET',
        `/photos/${id}/thumb`,
        { cookie: ins1.cookie },
        Buffer.alloc(0),
        tabletAgent,
      );
      if (thumb.status !== 200 || thumb.body.length < 1000)
        throw new Error(`thumbnail answered ${thumb.status}`);
      photoTimes.push(performance.now() - t);
    }
    figures.photo_ingest_ms = round1(median(photoTimes));
    figures.photo_ack_ms = round1(median(ackTimes));
    figures.photo_ingest_mb = round1(big.length / 1e6);
    say(
      `photo ${round1(big.length / 1e6)} MB 4000×3000 stored and thumbnail shown: ${photoTimes.map(round1).join(' / ')} ms ` +
        `(upload answered after ${ackTimes.map(round1).join(' / ')} ms)`,
    );
  }

  if (want('intake')) {
    phase('sheet_ingest');
    // whole sheets from 8 tablets at once: 40 answers in one save, one ~16 KB photo, submit
    const small = await sharp(source).rotate().resize(320, 240).jpeg({ quality: 70 }).toBuffer();
    const used = new Set([...autosaveSheets, photoSheet].map((s) => `${s.round}:${s.site}`));
    const target = Math.round(5000 * scale);
    const sessions = await Promise.all(
      Array.from({ length: INSPECTORS }, (_, i) => login(base, `inspector${i + 1}`)),
    );
    const queues = sessions.map((_, i) =>
      city.openSheets.filter((s) => s.inspector === `inspector${i + 1}` && !used.has(`${s.round}:${s.site}`)),
    );
    // the bare route's CPU measured again right before and right after the burst: the machine's own speed
    // drifts within a run (±20 %), and the bare phase ran minutes earlier
    const bareBefore = (await bareLoad()).cpuMs;
    markServerLog('intake starts', child.pid);
    const burst = await sheetBurst(child.pid, sessions, queues, target, small, 1000, codes, (sheet) => ({
      save: `/api/rounds/${sheet.round}/sites/${sheet.site}/changes`,
      photo: `/api/rounds/${sheet.round}/sites/${sheet.site}/photos`,
      submit: `/rounds/${sheet.round}/sites/${sheet.site}/submit`,
    }));
    const { taken, stored, failed, firstFailure, times, phaseMs, ingestS, cpu0, laneMs, serverCpuMs } = burst;
    const { clientCpuMs } = burst;
    markServerLog('intake ends', child.pid);
    figures.sheet_ingest_versions_meanwhile_cpu_ms = round1(laneMs);
    figures.sheet_ingest_server_cpu_ms = round1(serverCpuMs);
    for (const kind of ['save', 'photo', 'submit'] as const) {
      figures[`sheet_ingest_${kind}_p50_ms`] = round1(percentile(times[kind], 50));
      figures[`sheet_ingest_${kind}_p99_ms`] = round1(percentile(times[kind], 99));
    }
    figures.sheet_ingest_client_cpu_ms = round1(clientCpuMs);
    // count only sheets the database holds as submitted with their answers and their photo, whose
    // original is on disk byte for byte
    const db = openDatabase(databaseFile(city.config.dataDir));
    const photos = db
      .prepare(
        `SELECT p.sha256, p.bytes FROM inspections i JOIN photos p ON p.inspection_id = i.id
         WHERE i.status = 'submitted' AND p.kind = 'evidence'
           AND (SELECT count(*) FROM answers a WHERE a.inspection_id = i.id) > 0`,
      )
      .all() as { sha256: string; bytes: number }[];
    const inDb = photos.filter(
      (p) =>
        statSync(photoPaths(city.config.uploadDir, p.sha256).original, { throwIfNoEntry: false })?.size ===
        p.bytes,
    ).length;
    // the display versions and thumbnails are made after the answers: how long until all are made
    const waiting = db.prepare('SELECT count(*) FROM photos WHERE versions_ready = 0').pluck();
    const tv = performance.now();
    while ((waiting.get() as number) > 0) await new Promise((r) => setTimeout(r, 50));
    const versionsS = (performance.now() - tv) / 1000;
    const failedVersions = db
      .prepare('SELECT count(*) FROM photos WHERE versions_ready = -1')
      .pluck()
      .get() as number;
    const allCpuMs = ((cpuSeconds(child.pid) - cpu0) * 1000) / Math.max(1, taken);
    db.close();
    figures.sheet_ingest_sheets = inDb;
    figures.sheet_ingest_failed = failed;
    figures.sheet_ingest_rps = round1(Math.min(inDb, stored) / ingestS);
    figures.sheet_ingest_versions_after_s = round1(versionsS);
    figures.sheet_ingest_versions_failed = failedVersions;
    figures.sheet_ingest_with_versions_rps = round1(Math.min(inDb, stored) / (ingestS + versionsS));
    figures.sheet_ingest_server_cpu_with_versions_ms = round1(allCpuMs);
    say(
      `photo versions: all made ${round1(versionsS)} s after the last sheet (${failedVersions} failed); ` +
        `${figures.sheet_ingest_with_versions_rps} sheets/s counting that time; server CPU per sheet with them ${round1(allCpuMs)} ms`,
    );
    say(
      `sheet intake: ${stored} acknowledged, ${inDb} in the database, ${failed} failed${firstFailure ? ` (first: ${firstFailure})` : ''}, ${round1(ingestS)} s; ` +
        `mean per sheet: save ${round1(phaseMs.save / taken)} ms, photo ${round1(phaseMs.photo / taken)} ms, ` +
        `submit ${round1(phaseMs.submit / taken)} ms (${small.length} bytes photo); ` +
        `p50 / p99: save ${figures.sheet_ingest_save_p50_ms} / ${figures.sheet_ingest_save_p99_ms} ms, ` +
        `photo ${figures.sheet_ingest_photo_p50_ms} / ${figures.sheet_ingest_photo_p99_ms} ms, ` +
        `submit ${figures.sheet_ingest_submit_p50_ms} / ${figures.sheet_ingest_submit_p99_ms} ms; ` +
        `CPU per sheet: server ${round1(serverCpuMs)} ms (and ${round1(laneMs)} ms of versions made meanwhile on the background lane), the 8 simulated tablets ${round1(clientCpuMs)} ms`,
    );
    const bareAfter = (await bareLoad()).cpuMs;
    figures.bare_server_cpu_before_intake_ms = bareBefore;
    figures.bare_server_cpu_after_intake_ms = bareAfter;
    const ratioTo = (bareMs: number) => (bareMs > 0 ? Number((serverCpuMs / bareMs).toFixed(1)) : 0);
    figures.sheet_ingest_cpu_ratio = ratioTo(figures.bare_server_cpu_ms ?? bareBefore);
    figures.sheet_ingest_cpu_ratio_bracketed = ratioTo((bareBefore + bareAfter) / 2);
    say(
      `CPU per sheet against the bare request: ${figures.sheet_ingest_cpu_ratio}× the bare phase's ` +
        `(${figures.bare_server_cpu_ms ?? bareBefore} ms); the bare route measured again right before and after the burst ` +
        `${bareBefore} / ${bareAfter} ms, ${figures.sheet_ingest_cpu_ratio_bracketed}× their mean`,
    );
  }

  if (want('floor')) {
    phase('sheet_floor');
    // the same burst against the sheet floor (bench/server-child.ts): the sheet's three requests through
    // the same middleware with only the parsing, the photo's checks and durable original and one group-
    // committed write each — what the app's CPU a sheet is measured against besides the bare request
    const small = await sharp(source).rotate().resize(320, 240).jpeg({ quality: 70 }).toBuffer();
    const target = Math.round(5000 * scale);
    const sessions = await Promise.all(
      Array.from({ length: INSPECTORS }, (_, i) => login(base, `inspector${i + 1}`)),
    );
    const siteTypes = [...codes.keys()];
    const perTablet = Math.ceil(target / sessions.length);
    const queues = sessions.map((_, i) =>
      Array.from({ length: perTablet }, (_, k) => ({
        id: i * perTablet + k + 1,
        siteType: siteTypes[k % siteTypes.length]!,
      })),
    );
    const bareBefore = (await bareLoad()).cpuMs;
    markServerLog('floor starts', child.pid);
    // photos numbered apart from the intake's, so every original is a new durable file as there
    const burst = await sheetBurst(child.pid, sessions, queues, target, small, 1_000_000, codes, (sheet) => ({
      save: `/bench/floor/${sheet.id}/changes`,
      photo: `/bench/floor/${sheet.id}/photos`,
      submit: `/bench/floor/${sheet.id}/submit`,
    }));
    markServerLog('floor ends', child.pid);
    const bareAfter = (await bareLoad()).cpuMs;
    const floorMs = burst.serverCpuMs;
    figures.sheet_floor_server_cpu_ms = round1(floorMs);
    figures.sheet_floor_failed = burst.failed;
    figures.sheet_floor_rps = round1(burst.stored / burst.ingestS);
    const ratioTo = (bareMs: number) => (bareMs > 0 ? Number((floorMs / bareMs).toFixed(1)) : 0);
    figures.sheet_floor_cpu_ratio = ratioTo(figures.bare_server_cpu_ms ?? bareBefore);
    figures.sheet_floor_cpu_ratio_bracketed = ratioTo((bareBefore + bareAfter) / 2);
    const over =
      figures.sheet_ingest_server_cpu_ms === undefined
        ? ''
        : `; the app's sheet ${round1(figures.sheet_ingest_server_cpu_ms - floorMs)} ms above it`;
    say(
      `sheet floor: ${burst.stored} of ${burst.taken} sheets${burst.firstFailure ? ` (first failure: ${burst.firstFailure})` : ''}, ` +
        `${figures.sheet_floor_rps} sheets/s; server CPU ${round1(floorMs)} ms a sheet${over}; ` +
        `${figures.sheet_floor_cpu_ratio}× the bare phase's request, ${figures.sheet_floor_cpu_ratio_bracketed}× ` +
        `the bare route's right before and after (${bareBefore} / ${bareAfter} ms)`,
    );
  }

  if (want('bomb')) {
    phase('bomb');
    const bomb = await measureBombs(base, office, child.pid!);
    for (const line of bomb.lines) say(line);
    figures.bomb_refuse_ms = bomb.refuseMs;
    figures.bomb_peak_rss_mb = bomb.peakRssMb;
    say(
      `hostile workbooks: slowest refusal ${bomb.refuseMs} ms; server RSS ${bomb.baseRssMb} MB before, ` +
        `peak ${bomb.peakRssMb} MB`,
    );
  }

  if (want('tasks') && taskCity) {
    phase('materials_zip');
    const cityZip = await measurePackage(base, office.cookie, taskCity.combinedRound, child.pid!);
    figures.materials_zip_city_mb = cityZip.mb;
    figures.materials_zip_city_s = cityZip.s;
    figures.materials_zip_city_entries = cityZip.entries;
    say(
      `materials.zip of the combined round: ${cityZip.entries} entries, ${cityZip.mb} MB in ${cityZip.s} s; ` +
        `server RSS ${cityZip.baseRssMb} MB before, peak ${cityZip.peakRssMb} MB`,
    );
    const big = await measurePackage(base, office.cookie, taskCity.bigRound, child.pid!);
    figures.materials_zip_mb = big.mb;
    figures.materials_zip_s = big.s;
    figures.materials_zip_peak_rss_mb = big.peakRssMb;
    figures.materials_zip_rss_growth_mb = big.peakRssMb - big.baseRssMb;
    say(
      `materials.zip of ${taskCity.bigFiles} files × 10 MB: ${big.entries} entries, ${big.mb} MB in ${big.s} s ` +
        `(${round1(big.mb / Math.max(0.1, big.s))} MB/s); server RSS ${big.baseRssMb} MB before, peak ${big.peakRssMb} MB`,
    );
  }
} finally {
  phase(null);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await reminders?.close();
}

if (want('export')) {
  // three exports, each in a fresh process, and the medians of their times and peak RSS (one export alone took
  // 2.3–3.1 s in most full runs and 4.4 s once)
  const exps = [0, 1, 2].map(() => measureExport(city.dir, city.rankedRound));
  figures.rect_export_s = median(exps.map((e) => e.s));
  figures.rect_export_peak_rss_mb = median(exps.map((e) => e.peakRssMb));
  say(
    `problems.xlsx of ${city.problems} problems, three times: ${exps.map((e) => e.s).join(' / ')} s, ` +
      `peak RSS ${exps.map((e) => e.peakRssMb).join(' / ')} MB, ${exps[0]!.mb} MB`,
  );
}
if (want('tasks') && taskCity) {
  // the 2 GB package again, written in a process of its own: the package's memory without the server's
  const r = inChild<{ s: number; mb: number; rssBeforeMb: number; peakRssMb: number }>('materials-child.ts', [
    city.dir,
    taskCity.bigRound,
  ]);
  figures.materials_zip_process_peak_rss_mb = r.peakRssMb;
  say(
    `materials.zip of ${taskCity.bigFiles} files × 10 MB in a process of its own: ${r.mb} MB in ${r.s} s, ` +
      `RSS ${r.rssBeforeMb} MB after start, peak ${r.peakRssMb} MB`,
  );
}
if (want('sqlite')) figures.raw_sqlite_insert_rps = rawSqliteInsertRps();
rmSync(city.dir, { recursive: true, force: true });
console.log(JSON.stringify(figures));
