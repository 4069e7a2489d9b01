/**
 * What "who is keeping up" (单位整改排名) counts, read as plain rows: the problems raised in a period
 * with their responsible unit and the 社区 they are in, the document tasks whose deadline falls in a
 * period with the unit answering each, and a round's tasks' units. The figures themselves (整改率,
 * 逾期, time to fix in working days) are worked out in services/unit-standing.ts.
 */
import type { Db } from '../connection.ts';
import { PROBLEM_PLACE_FROM, type DeadlineUnit, type ProblemSource, type ProblemStatus } from './problems.ts';
import type { TaskLevel, TaskStatus } from './document-tasks.ts';

export interface StandingProblemRow {
  unit_id: number | null;
  /** the 社区 it is in: its site's, its document task's or the one it was recorded in */
  community_id: number | null;
  status: ProblemStatus;
  repeat_count: number;
  created_at: string;
  fixed_at: string | null;
  deadline: string;
  deadline_time: string | null;
  deadline_rule: DeadlineUnit;
}

/** Problems created in [since, until) (ISO instants), of one 来源 or all. */
export function standingProblems(
  db: Db,
  f: { since: string; until: string; source: ProblemSource | null },
): StandingProblemRow[] {
  return db
    .prepare(
      `SELECT p.unit_id, c.id AS community_id, p.status, p.repeat_count, p.created_at, p.fixed_at,
              p.deadline, p.deadline_time, p.deadline_rule
       FROM problems p ${PROBLEM_PLACE_FROM}
       WHERE p.created_at >= :since AND p.created_at < :until AND (:source IS NULL OR p.source = :source)`,
    )
    .all({ since: f.since, until: f.until, source: f.source }) as StandingProblemRow[];
}

export interface StandingTaskRow {
  /** the unit answering it now (null: 无责任单位) */
  unit_id: number | null;
  level: TaskLevel;
  community_id: number | null;
  status: TaskStatus;
  submitted_at: string | null;
  due_on: string;
  extended_to: string | null;
}

/** Document tasks whose last day (the extension when there is one) falls between two dates. */
export function standingTasks(db: Db, fromDate: string, toDate: string): StandingTaskRow[] {
  return db
    .prepare(
      `SELECT tu.unit_id, t.level, t.community_id, t.status, t.submitted_at, t.due_on, t.extended_to
       FROM document_tasks t JOIN document_task_units tu ON tu.task_id = t.id
       WHERE coalesce(t.extended_to, t.due_on) BETWEEN ? AND ?`,
    )
    .all(fromDate, toDate) as StandingTaskRow[];
}

/** The unit answering each of a round's document tasks, by task id. */
export function roundTaskUnits(db: Db, roundId: number): Map<number, number | null> {
  const rows = db
    .prepare(
      `SELECT tu.task_id, tu.unit_id FROM document_tasks t JOIN document_task_units tu ON tu.task_id = t.id
       WHERE t.round_id = ?`,
    )
    .all(roundId) as { task_id: number; unit_id: number | null }[];
  return new Map(rows.map((r) => [r.task_id, r.unit_id]));
}
