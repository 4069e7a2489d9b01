/**
 * The reminders' clock (#21): once a minute, compose every reminder due now (reminder-events.ts queues
 * them, each event at most once) and hand what is due to the channels (reminder-outbox.ts). Ticks never
 * overlap — a slow robot delays the next one rather than doubling it — and a failing tick is logged, never
 * thrown: reminders must not bring the server down. The timer is unref'd and stopped when the app closes.
 * Composing goes in steps (reminder-events.ts#composeSteps) with the event loop free between them.
 * Times are the app's clock (util/clock.ts), so a test that moves it moves the reminders too, in whole
 * seconds: what it writes (sent_at, a retry's or a robot's next slot) falls on a second, so the round a
 * minute later finds it due even when the clock has run on a few milliseconds in between.
 */
import type { Db } from '../db/connection.ts';
import type { Channels } from '../notify/types.ts';
import { nowMs } from '../util/clock.ts';
import { deliverDue } from './reminder-outbox.ts';
import { composeSteps } from './reminder-events.ts';

export interface ReminderScheduler {
  /** one round now (what the timer does each minute); while one runs, that one (they never overlap) */
  tick(): Promise<void>;
  /** no more rounds; one under way finishes its current sends */
  stop(): void;
}

export function startReminders(deps: {
  db: Db;
  channels: Channels;
  /** the address links in reminders start with */
  baseUrl: string;
  /** whether e-mail reminders are queued (a mail server is configured) */
  email: boolean;
  logError: (message: string) => void;
  /** how often to look (default a minute) */
  everyMs?: number;
}): ReminderScheduler {
  let running: Promise<void> | null = null;
  let stopped = false;

  const round = async () => {
    const now = new Date(Math.floor(nowMs() / 1000) * 1000);
    try {
      // step by step, the event loop free between steps
      for (const step of composeSteps(deps.db, now, deps.baseUrl, { email: deps.email })) {
        if (stopped) return;
        step();
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      deps.logError(`提醒生成失败：${(err as Error).stack ?? String(err)}`);
    }
    try {
      if (!stopped) await deliverDue(deps.db, deps.channels, now);
    } catch (err) {
      if (!stopped) deps.logError(`提醒发送失败：${(err as Error).stack ?? String(err)}`);
    }
  };

  const tick = () => {
    if (stopped) return Promise.resolve();
    running ??= round().finally(() => (running = null));
    return running;
  };

  const timer = setInterval(() => void tick(), deps.everyMs ?? 60_000);
  timer.unref();
  return {
    tick,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
