/**
 * The measurements of the `reminders` phase of `npm run bench` (the city's reminders: bench/reminders.ts).
 *
 * The day (bench/reminders-day.ts, in the server) runs twice, the delivery log and the digest's moment
 * emptied in between so that the second run is the same day again: once alone, for what composing and
 * sending cost by themselves, and once while 64 tablets autosave at full speed (bench/run.ts's autosave
 * load, the same connections), for what the tablets feel of it against an autosave run just before
 * without reminders and one just after (the machine may be shared). A saturated server takes its time over the sends (each send's few network round
 * trips wait behind the autosaves), so that load run stops when the day ends or after `loadCapS` seconds,
 * whichever comes first; the deliveries sent by then are counted. After each run the receivers must have
 * got exactly the deliveries the database marks sent, none twice.
 */
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { DIGEST_AT_KEY } from '../src/services/reminder-digest.ts';
import { sha1, type Received } from './reminders-receiver.ts';
import { DAY_START, type PreparedReminders } from './reminders.ts';
import type { ReminderDay } from './reminders-day.ts';

/** an autosave load run's summary (bench/run.ts's load) */
export interface LoadSummary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface DayRun {
  day: ReminderDay;
  /** seconds from asking the server for the day to its answer, and the server's CPU seconds meanwhile */
  wallS: number;
  serverCpuS: number;
  /** what did not match between the receivers and the deliveries marked sent (empty: all well) */
  mismatches: string[];
  robotsReceived: number;
  emailsReceived: number;
}

/** a load run's summary, with the share of a core the server's process used meanwhile */
export interface LoadRun extends LoadSummary {
  serverCores: number;
  /** the server's longest event-loop delay meanwhile, ms */
  loopMaxMs: number;
}

export interface ReminderFigures {
  alone: DayRun;
  underLoad: DayRun;
  /** autosave alone just before the day, during it, and alone again just after */
  baseline: LoadRun;
  during: LoadRun;
  after: LoadRun;
  /** how long the load ran beside the day, and the deliveries sent by the time it stopped */
  loadS: number;
  sentDuringLoad: number;
}

/** Counts of each entry in a list. */
function tally(items: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

const pathOf = (address: string) => {
  const u = new URL(address);
  return `${u.pathname}${u.search}`;
};

/** What the receivers got since the last look against the deliveries the database marks sent. */
async function check(prepared: PreparedReminders, dataDir: string, day: ReminderDay) {
  const received = (await (await fetch(`${prepared.receiverBase}/received`)).json()) as Received;
  const db = openDatabase(databaseFile(dataDir));
  const sent = db.prepare("SELECT channel, address, body FROM deliveries WHERE status = 'sent'").all() as {
    channel: string;
    address: string;
    body: string;
  }[];
  db.close();
  const mismatches: string[] = [];
  const robots = sent.filter((d) => d.channel !== 'email');
  const want = tally(robots.map((d) => `${pathOf(d.address)}|${sha1(d.body)}`));
  const gotRobots = tally(received.robots);
  for (const [k, n] of gotRobots) if (n > 1) mismatches.push(`robot message received ${n} times: ${k}`);
  for (const [k, n] of want)
    if (gotRobots.get(k) !== n)
      mismatches.push(`robot message sent ${n}, received ${gotRobots.get(k) ?? 0}: ${k}`);
  for (const k of gotRobots.keys())
    if (!want.has(k)) mismatches.push(`robot message received, not marked sent: ${k}`);
  // e-mails: the same subject to the same address at most once, and as many to each address as sent
  for (const [k, n] of tally(received.emails)) if (n > 1) mismatches.push(`e-mail received ${n} times: ${k}`);
  const wantMail = tally(sent.filter((d) => d.channel === 'email').map((d) => d.address));
  const gotMail = tally(received.emails.map((e) => e.slice(0, e.lastIndexOf('|'))));
  for (const [a, n] of wantMail)
    if (gotMail.get(a) !== n) mismatches.push(`e-mails to ${a}: ${n} sent, ${gotMail.get(a) ?? 0} received`);
  for (const a of gotMail.keys())
    if (!wantMail.has(a)) mismatches.push(`e-mail received for ${a}, none sent`);
  if (received.badSign) mismatches.push(`${received.badSign} 钉钉 signatures did not match`);
  for (const [event, n] of Object.entries(prepared.expected))
    if (day.queuedByEvent[event] !== n * 3)
      mismatches.push(
        `${event}: ${day.queuedByEvent[event] ?? 0} deliveries queued, expected ${n} × 3 channels`,
      );
  if (day.sent !== sent.length)
    mismatches.push(`the day counted ${day.sent} sent, the database holds ${sent.length}`);
  if (day.failed || day.unknown) mismatches.push(`${day.failed} failed and ${day.unknown} unknown sends`);
  return { mismatches, robotsReceived: received.robots.length, emailsReceived: received.emails.length };
}

interface Ctx {
  /** CPU seconds the server's process has used so far */
  serverCpuS: () => number;
  base: string;
  office: { cookie: string; csrf: string };
  prepared: PreparedReminders;
  dataDir: string;
}

async function runDay(o: Ctx): Promise<DayRun> {
  const t = performance.now();
  const cpu = o.serverCpuS();
  const res = await fetch(`${o.base}/bench/reminders-day`, {
    method: 'POST',
    headers: {
      cookie: o.office.cookie,
      'x-csrf-token': o.office.csrf,
      'x-requested-with': 'fetch',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ at: DAY_START }),
  });
  if (res.status !== 200) throw new Error(`reminders day answered ${res.status}: ${await res.text()}`);
  const day = (await res.json()) as ReminderDay;
  const wallS = Math.round((performance.now() - t) / 100) / 10;
  const serverCpuS = Math.round((o.serverCpuS() - cpu) * 10) / 10;
  return { day, wallS, serverCpuS, ...(await check(o.prepared, o.dataDir, day)) };
}

/** The same day again: the delivery log emptied and the previous digest forgotten (bench only). */
function forgetTheDay(dataDir: string): void {
  const db = openDatabase(databaseFile(dataDir));
  db.prepare('DELETE FROM deliveries').run();
  db.prepare('DELETE FROM settings WHERE key = ?').run(DIGEST_AT_KEY);
  db.close();
}

export async function measureReminders(
  o: Ctx & {
    /** an autosave load run (bench/run.ts's, same connections): for its duration, or until `until` settles */
    autosave: (until?: Promise<unknown>) => Promise<LoadSummary>;
    loadCapS: number;
    /** the server's longest event-loop delay since the previous call (bench/run.ts's serverStats) */
    loopMaxMs: () => Promise<number>;
  },
): Promise<ReminderFigures> {
  // with the share of a core the server used: on a shared machine, whether it was busy or starved
  const measured = async (until?: Promise<unknown>): Promise<LoadRun> => {
    await o.loopMaxMs();
    const cpu = o.serverCpuS();
    const t = performance.now();
    const run = await o.autosave(until);
    const cores = (o.serverCpuS() - cpu) / ((performance.now() - t) / 1000);
    return { ...run, serverCores: Math.round(cores * 100) / 100, loopMaxMs: await o.loopMaxMs() };
  };
  await o.autosave(); // warming up: the server's first load run is slower than any later one
  const baseline = await measured();
  const alone = await runDay(o);
  forgetTheDay(o.dataDir);

  let loadEnds = () => {};
  const cap = new Promise<void>((resolve) => {
    loadEnds = resolve;
    setTimeout(resolve, o.loadCapS * 1000).unref();
  });
  const t = performance.now();
  const load = measured(cap);
  // the day starts a second into the load run, once every connection is saving
  await new Promise((r) => setTimeout(r, 1000));
  const day = runDay(o).finally(loadEnds);
  const during = await load;
  const loadS = Math.round((performance.now() - t) / 100) / 10;
  const db = openDatabase(databaseFile(o.dataDir));
  const sentDuringLoad = db
    .prepare("SELECT count(*) FROM deliveries WHERE status = 'sent'")
    .pluck()
    .get() as number;
  db.close();
  const underLoad = await day;
  const after = await measured();
  return { alone, underLoad, baseline, during, after, loadS, sentDuringLoad };
}
