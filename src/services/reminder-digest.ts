/**
 * The daily digest (每日汇总, #21): once a day, at the hour the office set, each unit hears of the
 * problems (every 来源) and document tasks that reached it since the previous digest — counted, then
 * each with its 来源, place, description, deadline and link. Nothing new: no digest.
 *
 * "Since the previous digest" is the moment the last digests were composed, kept in the settings table
 * (one moment for every unit, so a unit given channels today does not receive the district's history);
 * before the first, or after a gap longer than a week, the last 24 hours. The moment is written in the
 * same transaction as the digests it ends, and a digest's key (digest:<day>:u<unit>) makes it once a day
 * per unit however often composeDue runs. digestPreview shows the office what a unit's next digest
 * holds now, built by the same code.
 */
import { atomically, type Db } from '../db/connection.ts';
import { getSetting, setSetting } from '../db/repos/settings.ts';
import {
  problemsReachedUnits,
  tasksReachedUnits,
  type ReminderProblemRow,
  type ReminderTaskRow,
} from '../db/repos/reminder-events.ts';
import { addDays, shanghaiDate } from '../util/time.ts';
import { CriteriaCache } from './criteria-registry.ts';
import { digestMessage, problemItem, taskItem, type ReminderMessage } from './reminder-messages.ts';
import { queueReminder, type QueueOptions } from './reminder-outbox.ts';

/** settings key: when the last digests were composed (ISO UTC) */
export const DIGEST_AT_KEY = 'reminders.digest_at';

const DAY_MS = 24 * 3600 * 1000;
/** a previous digest older than this is not a window: the digest covers the last 24 hours instead */
const LONGEST_WINDOW_MS = 7 * DAY_MS;

/** The app's address for links, without a trailing slash. */
export const linkBase = (baseUrl: string): string => baseUrl.replace(/\/+$/, '');

/** Where the next digest's window starts: the previous digest, or 24 hours ago. */
function windowStart(db: Db, now: Date): string {
  const last = getSetting(db, DIGEST_AT_KEY);
  const at = last ? Date.parse(last) : NaN;
  const fresh = !Number.isNaN(at) && at <= now.getTime() && now.getTime() - at <= LONGEST_WINDOW_MS;
  return fresh ? new Date(at).toISOString() : new Date(now.getTime() - DAY_MS).toISOString();
}

/** Whether today's digests were already composed. */
function doneToday(db: Db, now: Date): boolean {
  const last = getSetting(db, DIGEST_AT_KEY);
  return !!last && !Number.isNaN(Date.parse(last)) && shanghaiDate(new Date(last)) === shanghaiDate(now);
}

interface UnitDigest {
  unitName: string;
  problems: ReminderProblemRow[];
  tasks: ReminderTaskRow[];
}

/** What reached each unit (or the one unit) in the window, by unit. */
function reachedByUnit(db: Db, since: string, until: string, unitId: number | null): Map<number, UnitDigest> {
  const units = new Map<number, UnitDigest>();
  const of = (id: number, name: string) => {
    let u = units.get(id);
    if (!u) units.set(id, (u = { unitName: name, problems: [], tasks: [] }));
    return u;
  };
  for (const p of problemsReachedUnits(db, since, until, unitId)) of(p.unit_id, p.unit_name).problems.push(p);
  for (const t of tasksReachedUnits(db, since, until, unitId)) of(t.unit_id, t.unit_name).tasks.push(t);
  return units;
}

/** A standard's text for a task, by its round's criteria version (the code alone if it is gone). */
function standardTexts(db: Db): (t: ReminderTaskRow) => string {
  const criteria = new CriteriaCache(db);
  return (t) => {
    try {
      return criteria.get(t.criteria_version_id).byCode.get(t.standard_code)?.text ?? '';
    } catch {
      return '';
    }
  };
}

function message(
  d: UnitDigest,
  text: (t: ReminderTaskRow) => string,
  date: string,
  base: string,
): ReminderMessage {
  return digestMessage({
    unitName: d.unitName,
    date,
    problems: d.problems.map((p) => problemItem(p, base)),
    tasks: d.tasks.map((t) => taskItem(t, text(t), base)),
    problemsUrl: `${base}/problems`,
    tasksUrl: `${base}/tasks`,
  });
}

/**
 * Composes today's digests unless done already (call at or after the digest hour); returns how many
 * deliveries were queued.
 */
export function composeDigests(db: Db, now: Date, baseUrl: string, queue: QueueOptions): number {
  return atomically(db, () => {
    if (doneToday(db, now)) return 0;
    const base = linkBase(baseUrl);
    const today = shanghaiDate(now);
    const text = standardTexts(db);
    let queued = 0;
    for (const [unitId, d] of reachedByUnit(db, windowStart(db, now), now.toISOString(), null)) {
      const m = message(d, text, today, base);
      queued += queueReminder(
        db,
        { eventKey: `digest:${today}:u${unitId}`, event: 'digest', unitId, ...m },
        now,
        queue,
      ).length;
    }
    setSetting(db, DIGEST_AT_KEY, now.toISOString());
    return queued;
  });
}

/**
 * A unit's next digest as it would be composed now (today's, or tomorrow's once today's went), or null
 * when nothing new reached the unit since the previous one.
 */
export function digestPreview(
  db: Db,
  unitId: number,
  now: Date,
  baseUrl: string,
): { subject: string; markdown: string; text: string } | null {
  const d = reachedByUnit(db, windowStart(db, now), now.toISOString(), unitId).get(unitId);
  if (!d) return null;
  const date = doneToday(db, now) ? addDays(shanghaiDate(now), 1) : shanghaiDate(now);
  return message(d, standardTexts(db), date, linkBase(baseUrl));
}
