/**
 * The app as the benchmark runs it: its own process (so the load generator and the server each have a
 * core), booted on the city folder from the environment, plus one trivial route behind the same
 * middleware as every page (helmet, parsers, session, user, CSRF, login) for the `bare_express_rps`
 * ceiling, and /bench/stats: the server's garbage-collection pauses and event-loop delays since the
 * last read (what a load run's latency tail is made of), and POST /bench/reminders-day: a day's reminders
 * composed and sent in this process from the moment given (bench/reminders-day.ts; REMINDERS=0 keeps the
 * app's own timer out of it). Prints `listening <port>` when ready.
 */
import { Router } from 'express';
import type { AddressInfo } from 'node:net';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';
import { startPhotoWorker } from '../src/photos/off-thread.ts';
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
