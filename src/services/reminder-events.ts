/**
 * Which reminders are due (#21). composeDue runs every minute (the scheduler in reminder-settings.ts)
 * and queues, through the outbox (reminder-outbox.ts: the unit's robot and its contacts' e-mail, quiet
 * hours respected), every reminder due at `now`. Each has a key naming its event, and the outbox stores
 * a key once per address, so running again, or after a restart, queues nothing twice:
 * - at any time: a fix 退回 (returned:e<event>), a request decided (decided:e<event>), a deadline in hours
 *   just passed (overdue:p<problem>:<deadline>);
 * - from the office's digest hour on, once a day: the digest (reminder-digest.ts); one working day
 *   before a problem's or a document task's deadline (due:p<id>:<deadline>, due:t<id>:<due>); overdue
 *   the day after the deadline; after N days overdue a copy to the 包联 unit(s) of the problem's 社区
 *   (esc:p<id>:<deadline>); a 社区 behind its survey target within 3 days of the round's end, to the 社区
 *   and its 镇街 (survey:r<round>:c<community>).
 * Only news is sent: a history step older than HISTORY_DAYS, or a deadline reminder whose day passed
 * more than CATCH_UP_DAYS ago (the server was down), is history, so a district switching reminders on
 * is not flooded with its past.
 */
import { atomically, type Db } from '../db/connection.ts';
import { deliveredToUnit, findRobot, listContacts, type DeliveryEvent } from '../db/repos/reminders.ts';
import {
  openProblemsDueBetween,
  openTasksDueBetween,
  recentProblemEvents,
  surveyRoundsEnding,
  unitNames,
  type ReminderProblemRow,
} from '../db/repos/reminder-events.ts';
import { liaisonsOf } from '../db/repos/units.ts';
import { findCommunityById, findStreetById } from '../db/repos/places.ts';
import { surveyCounts } from '../db/repos/surveys.ts';
import { addWorkdays } from '../calendar/workdays.ts';
import { addDays, shanghaiDate } from '../util/time.ts';
import { DECISION_NAMES, DOCUMENT_PROBLEM_EVENT_NAMES, PROBLEM_EVENT_NAMES } from '../labels.ts';
import { workCalendarOf } from './calendar.ts';
import { CriteriaCache } from './criteria-registry.ts';
import { deadlinePassed } from './deadlines.ts';
import { roundSurvey, surveyCommunities } from './surveys.ts';
import { queueReminder, type QueueOptions } from './reminder-outbox.ts';
import { reminderSettings } from './reminder-settings.ts';
import { composeDigests, linkBase } from './reminder-digest.ts';
import {
  decidedMessage,
  dueSoonMessage,
  escalationMessage,
  overdueMessage,
  problemItem,
  returnedMessage,
  surveyBehindMessage,
  taskItem,
  type ReminderMessage,
} from './reminder-messages.ts';

export { digestPreview } from './reminder-digest.ts';

/** a step of a problem's history older than this is not news */
export const HISTORY_DAYS = 2;
/** a deadline reminder is still composed this many days after its day (the server was down then) */
export const CATCH_UP_DAYS = 3;
/** a survey behind its target is reported this many days before the round's last day */
export const SURVEY_WARN_DAYS = 3;

const DECIDED_ACTIONS = Object.keys(DECISION_NAMES);

interface Run {
  db: Db;
  now: Date;
  today: string;
  base: string;
  queued: number;
  queue: QueueOptions;
  /** units looked up this round: whether they have a channel */
  reachable: Map<number, boolean>;
}

/**
 * Queues one reminder unless the unit already has it or cannot be reached: both are looked up before the
 * message is composed, so the rounds after the first of a day (every minute) cost a lookup per event,
 * not a message and three conflicting inserts.
 */
function queue(
  run: Run,
  eventKey: string,
  event: DeliveryEvent,
  unitId: number,
  message: () => ReminderMessage,
): void {
  if (!reachable(run, unitId) || deliveredToUnit(run.db, eventKey, unitId)) return;
  run.queued += queueReminder(run.db, { eventKey, event, unitId, ...message() }, run.now, run.queue).length;
}

/** Whether the unit has a channel this server sends on (a robot; a contact's e-mail when e-mail is on). */
function reachable(run: Run, unitId: number): boolean {
  let yes = run.reachable.get(unitId);
  if (yes === undefined) {
    yes =
      findRobot(run.db, unitId) !== undefined ||
      (run.queue.email && listContacts(run.db, unitId).some((c) => Boolean(c.email?.trim())));
    run.reachable.set(unitId, yes);
  }
  return yes;
}

const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

const shanghaiHour = (at: Date): number => new Date(at.getTime() + 8 * 3600 * 1000).getUTCHours();

/**
 * The reminders due at `now`, as steps each in its own transaction, in order: the scheduler runs them with
 * a pause between (a district's first round of a day composes thousands of reminders: in one piece it
 * would hold every request for most of a second). Each step returns how many deliveries it queued.
 */
export function composeSteps(db: Db, now: Date, baseUrl: string, queue: QueueOptions): (() => number)[] {
  const run: Run = {
    db,
    now,
    today: shanghaiDate(now),
    base: linkBase(baseUrl),
    queued: 0,
    queue,
    reachable: new Map(),
  };
  const step = (work: () => void) => () =>
    atomically(db, () => {
      const before = run.queued;
      work();
      return run.queued - before;
    });
  const steps = [
    step(() => {
      returnedFixes(run);
      decidedRequests(run);
    }),
    step(() => overdue(run, run.today, run.today)),
  ];
  const settings = reminderSettings(db);
  if (shanghaiHour(now) < settings.digestHour) return steps;
  return [
    ...steps,
    () => composeDigests(db, now, baseUrl, queue),
    step(() => dueSoon(run)),
    step(() => overdue(run, addDays(run.today, -CATCH_UP_DAYS), addDays(run.today, -1))),
    step(() => escalations(run, settings.escalateDays)),
    step(() => surveysBehind(run)),
  ];
}

/**
 * Queues every reminder due at `now` to the channels `queue` says this server has, all at once; returns how
 * many deliveries were queued.
 */
export function composeDue(db: Db, now: Date, baseUrl: string, queue: QueueOptions): number {
  return composeSteps(db, now, baseUrl, queue).reduce((n, step) => n + step(), 0);
}

/** A fix (or corrected documents) sent back at 复查, while the problem is open again. */
function returnedFixes(run: Run): void {
  const since = new Date(run.now.getTime() - HISTORY_DAYS * 86_400_000).toISOString();
  for (const e of recentProblemEvents(run.db, ['reject'], since)) {
    if (e.problem.status !== 'open') continue;
    const names = e.problem.source === 'document' ? DOCUMENT_PROBLEM_EVENT_NAMES : PROBLEM_EVENT_NAMES;
    const step = names.reject ?? '退回';
    queue(run, `returned:e${e.event_id}`, 'fix_returned', e.problem.unit_id, () =>
      returnedMessage(e.problem.unit_name, problemItem(e.problem, run.base), step, e.note),
    );
  }
}

/** The office's answer to a 申诉 / 转办 / 延期, to the unit that asked (after a 转办: the one it left). */
function decidedRequests(run: Run): void {
  const since = new Date(run.now.getTime() - HISTORY_DAYS * 86_400_000).toISOString();
  const events = recentProblemEvents(run.db, DECIDED_ACTIONS, since);
  const data = (raw: string | null) => (raw ? (JSON.parse(raw) as { from?: unknown; to?: unknown }) : {});
  const fromIds = events.flatMap((e) => {
    const from = e.action === 'transfer' ? data(e.data).from : null;
    return typeof from === 'number' ? [from] : [];
  });
  const names = unitNames(run.db, fromIds);
  for (const e of events) {
    const p = e.problem;
    const item = problemItem(p, run.base);
    const decision = DECISION_NAMES[e.action]!;
    const { from, to } = data(e.data);
    if (e.action === 'transfer') {
      const name = typeof from === 'number' ? names.get(from) : undefined;
      if (typeof from !== 'number' || name === undefined) continue;
      const answer = `同意转办，已改由 ${p.unit_name} 整改`;
      queue(run, `decided:e${e.event_id}`, 'request_decided', from, () =>
        decidedMessage(name, item, { kind: decision.kind, answer }, e.note, {
          label: '查看本单位的问题',
          url: `${run.base}/problems`,
        }),
      );
      continue;
    }
    const answer =
      e.action === 'extend' && typeof to === 'string' ? `${decision.answer}，新时限 ${to}` : decision.answer;
    queue(run, `decided:e${e.event_id}`, 'request_decided', p.unit_id, () =>
      decidedMessage(p.unit_name, item, { kind: decision.kind, answer }, e.note, {
        label: '查看问题',
        url: item.url,
      }),
    );
  }
}

/**
 * One working day before a deadline: on a working day, every open problem and task due after today up
 * to the next working day (a Friday reminds of Saturday's, Sunday's and Monday's).
 */
function dueSoon(run: Run): void {
  const calendar = workCalendarOf(run.db);
  if (!calendar.isWorkday(run.today)) return;
  const from = addDays(run.today, 1);
  const to = addWorkdays(calendar, run.today, 1).date;
  for (const p of openProblemsDueBetween(run.db, from, to)) {
    queue(run, `due:p${p.id}:${p.deadline}`, 'due_soon', p.unit_id, () =>
      dueSoonMessage(p.unit_name, problemItem(p, run.base), false),
    );
  }
  const tasks = openTasksDueBetween(run.db, from, to);
  if (!tasks.length) return;
  const criteria = new CriteriaCache(run.db);
  for (const t of tasks) {
    const text = criteria.get(t.criteria_version_id).byCode.get(t.standard_code)?.text ?? '';
    queue(run, `due:t${t.id}:${t.due}`, 'due_soon', t.unit_id, () =>
      dueSoonMessage(t.unit_name, taskItem(t, text, run.base), true),
    );
  }
}

/**
 * Open problems whose deadline day is in [from, to] and has passed by now (a deadline in hours: to the
 * minute, so today's is reminded as soon as it passes).
 */
function overdue(run: Run, from: string, to: string): void {
  for (const p of openProblemsDueBetween(run.db, from, to)) {
    if (!deadlinePassed(p, run.now)) continue;
    queue(run, `overdue:p${p.id}:${p.deadline}`, 'overdue', p.unit_id, () =>
      overdueMessage(p.unit_name, problemItem(p, run.base)),
    );
  }
}

/** After `days` days overdue: a copy to each 包联 unit of the problem's 社区 (none without a 社区). */
function escalations(run: Run, days: number): void {
  const last = addDays(run.today, -days);
  const rows = openProblemsDueBetween(run.db, addDays(last, -CATCH_UP_DAYS), last);
  const withCommunity = rows.filter((p): p is ReminderProblemRow & { community_id: number } => {
    return p.community_id !== null;
  });
  const liaisons = new Map(withCommunity.map((p) => [p.community_id, liaisonsOf(run.db, p.community_id)]));
  const names = unitNames(run.db, [...new Set([...liaisons.values()].flat())]);
  for (const p of withCommunity) {
    const item = problemItem(p, run.base);
    for (const unitId of liaisons.get(p.community_id) ?? []) {
      const name = names.get(unitId);
      if (name === undefined) continue;
      queue(run, `esc:p${p.id}:${p.deadline}`, 'escalation', unitId, () =>
        escalationMessage(name, p.unit_name, daysBetween(p.deadline, run.today), item),
      );
    }
  }
}

/** 社区 behind their survey target in open rounds ending within SURVEY_WARN_DAYS: to the 社区 and 镇街. */
function surveysBehind(run: Run): void {
  for (const round of surveyRoundsEnding(run.db, run.today, addDays(run.today, SURVEY_WARN_DAYS))) {
    const survey = roundSurvey(run.db, round);
    if (!survey) continue;
    const counts = surveyCounts(run.db, round.id);
    for (const c of surveyCommunities(run.db, round, survey)) {
      const valid = counts.get(c.id)?.valid ?? 0;
      if (c.target < 1 || valid >= c.target) continue;
      const units = [findCommunityById(run.db, c.id)?.unit_id, findStreetById(run.db, c.streetId)?.unit_id];
      const ids = [...new Set(units.filter((u): u is number => typeof u === 'number'))];
      const names = unitNames(run.db, ids);
      for (const [unitId, name] of names) {
        queue(run, `survey:r${round.id}:c${c.id}`, 'survey_behind', unitId, () =>
          surveyBehindMessage({
            recipientName: name,
            communityName: c.name,
            roundName: round.name,
            valid,
            target: c.target,
            endsOn: round.ends_on,
            surveyUrl: `${run.base}/s/${c.token}`,
          }),
        );
      }
    }
  }
}
