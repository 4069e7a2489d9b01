/**
 * What reminders are about (#21): the reads services/reminder-events.ts composes its reminders from —
 * problems and document tasks that reached a unit in a window (the daily digest), open ones whose
 * deadline falls in a range of days (one working day before, overdue, escalated), recent steps of a
 * problem's history (a fix 退回, a request decided), rounds whose survey ends soon, and the units that
 * answer for a 社区 (包联). Read only; the deliveries themselves are in reminders.ts.
 */
import type { Db } from '../connection.ts';
import type { DeadlineUnit, ProblemSource, ProblemStatus } from './problems.ts';
import { PROBLEM_PLACE_FROM } from './problems.ts';
import type { TaskLevel } from './document-tasks.ts';
import type { RoundRow } from './rounds.ts';

/** An open problem with its unit and the names of its place (the columns problemPlace reads). */
export interface ReminderProblemRow {
  id: number;
  status: ProblemStatus;
  source: ProblemSource;
  standard_code: string | null;
  description: string;
  deadline: string;
  deadline_time: string | null;
  deadline_rule: DeadlineUnit;
  deadline_amount: number | null;
  unit_id: number;
  unit_name: string;
  site_name: string | null;
  site_type: string | null;
  street_name: string | null;
  /** the 社区 it is in: its site's, its document task's, or where it was recorded */
  community_id: number | null;
  community_name: string | null;
  task_level: TaskLevel | null;
  task_department: string | null;
  address: string;
}

const PROBLEM_COLUMNS = `p.id, p.status, p.source, p.standard_code, p.description, p.deadline, p.deadline_time, p.deadline_rule,
  p.deadline_amount, p.unit_id, u.name AS unit_name, s.name AS site_name, s.site_type, st.name AS street_name,
  c.id AS community_id, c.name AS community_name, t.level AS task_level, t.department AS task_department, p.address`;

const PROBLEM_FROM = `problems p ${PROBLEM_PLACE_FROM} JOIN units u ON u.id = p.unit_id`;

/** The steps that bring a problem to a unit: raised for it, 交办 / 改派 to it, 转办 to it. */
const REACHING_ACTIONS = `('raise', 'assign_unit', 'reassign_unit', 'transfer')`;

/**
 * Open problems that reached their unit (now theirs) in (sinceIso, untilIso], every 来源, by unit then
 * id; `unitId` null: every unit.
 */
export function problemsReachedUnits(
  db: Db,
  sinceIso: string,
  untilIso: string,
  unitId: number | null,
): ReminderProblemRow[] {
  return db
    .prepare(
      `SELECT ${PROBLEM_COLUMNS} FROM ${PROBLEM_FROM}
       WHERE p.status = 'open' AND u.retired_at IS NULL AND (:unitId IS NULL OR p.unit_id = :unitId)
         AND EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.action IN ${REACHING_ACTIONS}
                       AND e.at > :since AND e.at <= :until)
       ORDER BY p.unit_id, p.id`,
    )
    .all({ since: sinceIso, until: untilIso, unitId }) as ReminderProblemRow[];
}

/** Open problems with a unit in use whose deadline day is in [fromDate, toDate], by deadline then id. */
export function openProblemsDueBetween(db: Db, fromDate: string, toDate: string): ReminderProblemRow[] {
  return db
    .prepare(
      `SELECT ${PROBLEM_COLUMNS} FROM ${PROBLEM_FROM}
       WHERE p.status = 'open' AND p.deadline >= ? AND p.deadline <= ? AND u.retired_at IS NULL
       ORDER BY p.deadline, p.id`,
    )
    .all(fromDate, toDate) as ReminderProblemRow[];
}

/** An open document task with the unit answering it and its place's names. */
export interface ReminderTaskRow {
  id: number;
  round_id: number;
  criteria_version_id: number;
  standard_code: string;
  level: TaskLevel;
  department: string | null;
  /** the last day to submit: extended_to, else due_on */
  due: string;
  unit_id: number;
  unit_name: string;
  community_name: string | null;
  street_name: string | null;
}

const TASK_SELECT = `SELECT t.id, t.round_id, r.criteria_version_id, t.standard_code, t.level, t.department,
    coalesce(t.extended_to, t.due_on) AS due, tu.unit_id, u.name AS unit_name, c.name AS community_name,
    st.name AS street_name
  FROM document_tasks t JOIN document_task_units tu ON tu.task_id = t.id JOIN units u ON u.id = tu.unit_id
    JOIN rounds r ON r.id = t.round_id LEFT JOIN communities c ON c.id = t.community_id
    LEFT JOIN streets st ON st.id = t.street_id
  WHERE r.status = 'open' AND t.status IN ('pending', 'returned') AND u.retired_at IS NULL`;

/** Tasks of open rounds not yet submitted that were made in (sinceIso, untilIso] (a round opening). */
export function tasksReachedUnits(
  db: Db,
  sinceIso: string,
  untilIso: string,
  unitId: number | null,
): ReminderTaskRow[] {
  return db
    .prepare(
      `${TASK_SELECT} AND t.created_at > :since AND t.created_at <= :until
         AND (:unitId IS NULL OR tu.unit_id = :unitId)
       ORDER BY tu.unit_id, t.id`,
    )
    .all({ since: sinceIso, until: untilIso, unitId }) as ReminderTaskRow[];
}

/** Tasks of open rounds not yet submitted whose last day is in [fromDate, toDate]. */
export function openTasksDueBetween(db: Db, fromDate: string, toDate: string): ReminderTaskRow[] {
  return db
    .prepare(
      `${TASK_SELECT} AND coalesce(t.extended_to, t.due_on) >= ? AND coalesce(t.extended_to, t.due_on) <= ?
       ORDER BY t.id`,
    )
    .all(fromDate, toDate) as ReminderTaskRow[];
}

/** A step of a problem's history, with the problem as ReminderProblemRow reads it. */
export interface ReminderEventRow {
  event_id: number;
  action: string;
  at: string;
  note: string;
  /** JSON (e.g. a transfer's {from, to}, an extension's {from, to}) */
  data: string | null;
  problem: ReminderProblemRow;
}

/**
 * Steps with one of `actions` recorded at or after sinceIso, oldest first, with their problem (its
 * unit now; a problem without a unit is left out).
 */
export function recentProblemEvents(
  db: Db,
  actions: readonly string[],
  sinceIso: string,
): ReminderEventRow[] {
  const rows = db
    .prepare(
      `SELECT e.id AS event_id, e.action, e.at, e.note, e.data, ${PROBLEM_COLUMNS}
       FROM problem_events e JOIN problems p ON p.id = e.problem_id ${PROBLEM_PLACE_FROM}
         JOIN units u ON u.id = p.unit_id
       WHERE e.at >= ? AND e.action IN (SELECT value FROM json_each(?))
       ORDER BY e.id`,
    )
    .all(sinceIso, JSON.stringify(actions)) as (ReminderProblemRow & Omit<ReminderEventRow, 'problem'>)[];
  return rows.map(({ event_id, action, at, note, data, ...problem }) => ({
    event_id,
    action,
    at,
    note,
    data,
    problem: problem as ReminderProblemRow,
  }));
}

/** The names of the units in use among `ids` (a retired unit is left out: it gets no reminder). */
export function unitNames(db: Db, ids: readonly number[]): Map<number, string> {
  if (!ids.length) return new Map();
  const rows = db
    .prepare('SELECT id, name FROM units WHERE retired_at IS NULL AND id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ids)) as { id: number; name: string }[];
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Open rounds with a frozen questionnaire whose last day is in [fromDate, toDate]. */
export function surveyRoundsEnding(db: Db, fromDate: string, toDate: string): RoundRow[] {
  return db
    .prepare(
      `SELECT id, name, criteria_version_id, starts_on, ends_on, status, selection, created_at, opened_at,
         closed_at, published_at, methods, questionnaire_id
       FROM rounds WHERE status = 'open' AND questionnaire_id IS NOT NULL AND ends_on >= ? AND ends_on <= ?
       ORDER BY id`,
    )
    .all(fromDate, toDate) as RoundRow[];
}
