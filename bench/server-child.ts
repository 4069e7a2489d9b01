/**
 * The app as the benchmark runs it: its own process (so the load generator and the server each have a
 * core), booted on the city folder from the environment, plus one trivial route behind the same
 * middleware as every page (helmet, parsers, session, user, CSRF, login) for the `bare_express_rps`
 * ceiling, and /bench/stats: the server's garbage-collection pauses and event-loop delays since the
 * last read (what a load run's latency tail is made of), and POST /bench/reminders-day: a day's reminders
 * composed and sent in this process from the moment given (bench/reminders-day.ts; REMINDERS=0 keeps the
 * app's own timer out of it), and the sheet floor's three routes (below). Prints `listening <port>` when
 * ready.
 */
import { Router } from 'express';
import type { AddressInfo } from 'node:net';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { startPhotoWorker, storePhotoOffThread } from '../src/photos/off-thread.ts';
import { atomicallyTogether } from '../src/db/connection.ts';
import { photoUpload } from '../src/web/middleware/uploads.ts';
import { makeChannels } from '../src/notify/channels.ts';
import { runReminderDay } from './reminders-day.ts';
import { createAppServer } from '../src/web/http-server.ts';

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let elu = performance.eventLoopUtilization();
const gc = { count: 0, totalMs: 0, maxMs: 0, over10ms: 0, majorCount: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.totalMs += e.duration;
    // mark-compact (the old generation) as against the young generation's scavenges
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.majorCount++;
      gc.majorMs += e.duration;
    }
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    if (e.duration > 10) gc.over10ms++;
  }
}).observe({ entryTypes: ['gc'] });

const trivial = Router();
trivial.get('/bench/trivial', (_req, res) => {
  res.type('text').send('ok');
});
trivial.post('/bench/trivial', (_req, res) => {
  res.json({ ok: true });
});
trivial.get('/bench/stats', (_req, res) => {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  res.json({
    gc: {
      ...gc,
      totalMs: Math.round(gc.totalMs),
      maxMs: Math.round(gc.maxMs * 10) / 10,
      majorMs: Math.round(gc.majorMs),
    },
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    heapMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    // the share of the time the main thread was busy (not waiting for the network or a timer)
    busy: Math.round(performance.eventLoopUtilization(elu).utilization * 100) / 100,
  });
  elu = performance.eventLoopUtilization();
  loop.reset();
  Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, over10ms: 0, majorCount: 0, majorMs: 0 });
});
const config = loadConfig();
trivial.post('/bench/reminders-day', async (req, res) => {
  const channels = makeChannels({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom });
  const start = new Date(String((req.body as { at?: unknown }).at));
  res.json(await runReminderDay(booted.db, channels, start, config.baseUrl ?? 'http://localhost'));
});
/**
 * The sheet floor (bench/run.ts, phase `floor`): a sheet's three requests as the tablet sends them, through
 * the same middleware as every page, doing only what no version of the app could leave out — the JSON and
 * multipart parsing, the photo's checks and durable original (storePhotoOffThread, as the app calls it),
 * one group-committed write a request — and none of the app's own work: no schema check, no sheet found or
 * scope checked, no idempotency record, audit line, revision, readiness check or versions. What the issue's
 * CPU-a-sheet ratio asks of the app is measured against this floor in the same run.
 */
let floorTables = false;
function floorDb() {
  const db = booted.db;
  if (!floorTables) {
    db.exec(`CREATE TABLE IF NOT EXISTS bench_floor_answers (sheet INTEGER NOT NULL, standard TEXT NOT NULL,
               result TEXT, cases INTEGER, fixed_cases INTEGER, note TEXT, PRIMARY KEY (sheet, standard));
             CREATE TABLE IF NOT EXISTS bench_floor_photos (sha256 TEXT PRIMARY KEY, sheet INTEGER NOT NULL,
               bytes INTEGER NOT NULL, caption TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS bench_floor_sheets (sheet INTEGER PRIMARY KEY, submitted_at TEXT)`);
    floorTables = true;
  }
  return db;
}
type FloorChange = { standard: string; result: string; cases: number; fixedCases: number; note: string };
trivial.post('/bench/floor/:sheet/changes', async (req, res) => {
  const db = floorDb();
  const sheet = Number(req.params.sheet);
  const changes = (req.body as { changes: FloorChange[] }).changes;
  // one statement for all the answers, as the app writes them (repos/inspections.ts upsertAnswers)
  const upsert = db.prepare(
    `INSERT INTO bench_floor_answers VALUES ${changes.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
     ON CONFLICT (sheet, standard) DO UPDATE SET result = excluded.result, cases = excluded.cases,
     fixed_cases = excluded.fixed_cases, note = excluded.note`,
  );
  const args = changes.flatMap((c) => [sheet, c.standard, c.result, c.cases, c.fixedCases, c.note]);
  await atomicallyTogether(db, () => upsert.run(...args));
  res.json({ ok: true });
});
trivial.post(
  '/bench/floor/:sheet/photos',
  ...photoUpload((_req, _res, next) => next(), 1),
  async (req, res) => {
    const db = floorDb();
    const file = (req.files as Express.Multer.File[])[0]!;
    const stored = await storePhotoOffThread(config.uploadDir, file.buffer, {
      lines: ['点位 基准', '测评员 基准'],
      timeFirst: true,
    });
    await atomicallyTogether(db, () =>
      db
        .prepare('INSERT OR IGNORE INTO bench_floor_photos VALUES (?, ?, ?, ?)')
        .run(stored.sha256, Number(req.params.sheet), stored.bytes, stored.caption.join('\n')),
    );
    res.status(201).json({ sha256: stored.sha256 });
  },
);
trivial.post('/bench/floor/:sheet/submit', async (req, res) => {
  const db = floorDb();
  await atomicallyTogether(db, () =>
    db
      .prepare('INSERT OR REPLACE INTO bench_floor_sheets VALUES (?, ?)')
      .run(Number(req.params.sheet), new Date().toISOString()),
  );
  res.redirect(303, '/');
});
startPhotoWorker(config.photoWorker); // as src/server.ts does
const booted = await boot(config, () => {}, { extraRoutes: trivial });
// as src/server.ts makes its server
const server = createAppServer(booted.app).listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close(() => {
    booted.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
