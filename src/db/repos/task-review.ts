/**
 * Reads the office's review of document tasks needs beyond document-tasks.ts: how many current files
 * each task of a round has (one query for the whole queue) and the problem a task's deduction raised.
 */
import type { Db } from '../connection.ts';
import type { DocumentFileRow } from './document-tasks.ts';

/** task id → number of current (not removed) files, for every task of the round that has any. */
export function currentFileCounts(db: Db, roundId: number): Map<number, number> {
  const rows = db
    .prepare(
      `SELECT f.task_id AS id, count(*) AS n FROM document_files f JOIN document_tasks t ON t.id = f.task_id
       WHERE t.round_id = ? AND f.removed_at IS NULL GROUP BY f.task_id`,
    )
    .all(roundId) as { id: number; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** The id of the task's problem that is not void (at most one: problems_task_live_once). */
export function liveTaskProblemId(db: Db, taskId: number): number | undefined {
  return db.prepare(`SELECT id FROM problems WHERE task_id = ? AND status <> 'void'`).pluck().get(taskId) as
    number | undefined;
}

/** Template files the office attached to kinds of material: the current ones first, then the removed. */
export function templateFiles(db: Db): DocumentFileRow[] {
  return db
    .prepare(
      `SELECT id, task_id, template_material, problem_id, sha256, name, kind, bytes, uploaded_by, uploaded_at,
              removed_at, removed_by, replaced_by
       FROM document_files WHERE template_material IS NOT NULL ORDER BY removed_at IS NOT NULL, id DESC`,
    )
    .all() as DocumentFileRow[];
}
