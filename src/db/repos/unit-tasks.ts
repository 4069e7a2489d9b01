/**
 * Reads a unit's 材料任务 pages need beyond document-tasks.ts: how many current files each of its tasks
 * has (one query for the whole list), and the templates the office has put up for each kind of material.
 */
import type { Db } from '../connection.ts';

/** task id → number of current (not removed) files, for the given tasks that have any. */
export function currentFileCountsOf(db: Db, taskIds: readonly number[]): Map<number, number> {
  if (!taskIds.length) return new Map();
  const rows = db
    .prepare(
      `SELECT task_id AS id, count(*) AS n FROM document_files
       WHERE task_id IN (SELECT value FROM json_each(?)) AND removed_at IS NULL GROUP BY task_id`,
    )
    .all(JSON.stringify(taskIds)) as { id: number; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

export interface TemplateFileRow {
  id: number;
  template_material: string;
  name: string;
  kind: string;
  bytes: number;
}

/** The current template files of these kinds of material, newest first within a kind. */
export function currentTemplates(db: Db, materials: readonly string[]): TemplateFileRow[] {
  if (!materials.length) return [];
  return db
    .prepare(
      `SELECT id, template_material, name, kind, bytes FROM document_files
       WHERE template_material IN (SELECT value FROM json_each(?)) AND removed_at IS NULL
       ORDER BY template_material, id DESC`,
    )
    .all(JSON.stringify(materials)) as TemplateFileRow[];
}

/** Display names of users, for a task's file list (uploaded by, removed by). */
export function userNames(db: Db, ids: readonly number[]): Map<number, string> {
  if (!ids.length) return new Map();
  const rows = db
    .prepare('SELECT id, display_name FROM users WHERE id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify([...new Set(ids)])) as { id: number; display_name: string }[];
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

/** Submitted 材料任务 waiting for the office's review, per open round that has any. */
export function submittedTasksByOpenRound(
  db: Db,
): { round_id: number; round_name: string; submitted: number }[] {
  return db
    .prepare(
      `SELECT r.id AS round_id, r.name AS round_name, count(*) AS submitted
       FROM document_tasks t JOIN rounds r ON r.id = t.round_id
       WHERE r.status = 'open' AND t.status = 'submitted'
       GROUP BY r.id ORDER BY r.starts_on DESC, r.id DESC`,
    )
    .all() as { round_id: number; round_name: string; submitted: number }[];
}

/** Open rounds that collect documents (the office's 材料待审核 tile links to the newest). */
export function openDocumentRounds(db: Db): { id: number; name: string }[] {
  return db
    .prepare(
      `SELECT id, name FROM rounds WHERE status = 'open' AND (',' || methods || ',') LIKE '%,document,%'
       ORDER BY starts_on DESC, id DESC`,
    )
    .all() as { id: number; name: string }[];
}
