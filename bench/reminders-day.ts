/**
 * A day's reminders as the server's scheduler sends them (services/reminder-scheduler.ts), run inside the
 * benchmark's server process (bench/server-child.ts, POST /bench/reminders-day) so that composing and
 * sending share the event loop with the autosaves measured meanwhile. From the given moment (the office's
 * digest hour) each round is the scheduler's: composeSteps (a pause between steps), then deliverDue; while anything still waits
 * (a robot's messages past its 20 a minute are held for the next minute) the simulated clock moves on a
 * minute and the next round runs at once. Counts what was queued per event and what came of each send.
 */
import type { Db } from '../src/db/connection.ts';
import type { Channels } from '../src/notify/types.ts';
import { composeSteps } from '../src/services/reminder-events.ts';
import { deliverDue } from '../src/services/reminder-outbox.ts';

export interface ReminderDay {
  /** the first round's composeDue (the digests and every reminder of the day) */
  composeMs: number;
  /** the first round's longest step (what the event loop waits for at most while composing) */
  composeLongestStepMs: number;
  /** each later round's composeDue (the scheduler runs it every minute; nothing new to queue) */
  laterComposeMs: number[];
  queued: number;
  queuedByEvent: Record<string, number>;
  /** rounds run = minutes of simulated clock from the first round to the last, plus one */
  rounds: number;
  /** wall time of the deliverDue calls, and of each round's */
  deliverS: number;
  roundDeliverS: number[];
  sent: number;
  failed: number;
  unknown: number;
  /** the deliveries' statuses afterwards */
  statuses: Record<string, number>;
}

const ROUNDS_MAX = 120;
const ms = (x: number) => Math.round(x * 10) / 10;

export async function runReminderDay(
  db: Db,
  channels: Channels,
  start: Date,
  baseUrl: string,
): Promise<ReminderDay> {
  const waiting = db.prepare("SELECT count(*) FROM deliveries WHERE status IN ('queued', 'failed')").pluck();
  const day: ReminderDay = {
    composeMs: 0,
    composeLongestStepMs: 0,
    laterComposeMs: [],
    queued: 0,
    queuedByEvent: {},
    rounds: 0,
    deliverS: 0,
    roundDeliverS: [],
    sent: 0,
    failed: 0,
    unknown: 0,
    statuses: {},
  };
  let now = start;
  for (;;) {
    const t0 = performance.now();
    // as the scheduler composes: step by step, the event loop free between steps
    let longest = 0;
    for (const step of composeSteps(db, now, baseUrl, { email: true })) {
      const s0 = performance.now();
      day.queued += step();
      longest = Math.max(longest, performance.now() - s0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const t1 = performance.now();
    if (day.rounds === 0) {
      day.composeMs = ms(t1 - t0);
      day.composeLongestStepMs = ms(longest);
    } else day.laterComposeMs.push(ms(t1 - t0));
    const tally = await deliverDue(db, channels, now);
    const s = (performance.now() - t1) / 1000;
    day.roundDeliverS.push(Math.round(s * 100) / 100);
    day.deliverS += s;
    day.sent += tally.sent;
    day.failed += tally.failed;
    day.unknown += tally.unknown;
    day.rounds++;
    if ((waiting.get() as number) === 0 || day.rounds >= ROUNDS_MAX) break;
    now = new Date(now.getTime() + 60_000);
  }
  day.deliverS = Math.round(day.deliverS * 100) / 100;
  const count = (column: 'event' | 'status') =>
    Object.fromEntries(
      (
        db.prepare(`SELECT ${column} AS k, count(*) AS n FROM deliveries GROUP BY ${column}`).all() as {
          k: string;
          n: number;
        }[]
      ).map((r) => [r.k, r.n]),
    );
  day.queuedByEvent = count('event');
  day.statuses = count('status');
  return day;
}
