/**
 * document_tasks (材料审核 / 网上申报 tasks of a round), their files (document_files) and their history
 * (document_task_events). The unit answering a task is the place's unit now (the document_task_units
 * view): `unit_id` on a row read here is that unit, null for 无责任单位.
 */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';
import type { DocumentKind } from '../../documents/kinds.ts';

export type TaskLevel = 'community' | 'street' | 'department' | 'district';
export type TaskStatus = 'pending' | 'submitted' | 'returned' | 'scored';

export interface DocumentTaskRow {
  id: number;
  round_id: number;
  standard_code: string;
  level: TaskLevel;
  community_id: number | null;
  /** the 镇街 of a 镇街 task, and of a 社区 task (its 社区's 镇街) */
  street_id: number | null;
  department: string | null;
  due_on: string;
  extended_to: string | null;
  status: TaskStatus;
  note: string;
  submitted_at: string | null;
  submitted_by: number | null;
  result: 'ok' | 'fail' | null;
  cases: number;
  review_note: string;
  reviewed_at: string | null;
  reviewed_by: number | null;
  return_reason: string | null;
  revision: number;
  created_at: string;
  /** the answering unit as places and units are now (null: 无责任单位) */
  unit_id: number | null;
}

export const TASK_COLUMNS = `t.id, t.round_id, t.standard_code, t.level, t.community_id, t.street_id, t.department,
  t.due_on, t.extended_to, t.status, t.note, t.submitted_at, t.submitted_by, t.result, t.cases, t.review_note,
  t.reviewed_at, t.reviewed_by, t.return_reason, t.revision, t.created_at, tu.unit_id`;

/** FROM clause giving `t` (the task) and `tu` (its unit). */
export const TASK_FROM = 'document_tasks t JOIN document_task_units tu ON tu.task_id = t.id';

export interface NewDocumentTask {
  roundId: number;
  standardCode: string;
  level: TaskLevel;
  communityId: number | null;
  streetId: number | null;
  department: string | null;
  dueOn: string;
}

export function placeKey(
  t: Pick<NewDocumentTask, 'level' | 'communityId' | 'streetId' | 'department'>,
): string {
  switch (t.level) {
    case 'community':
      return `c:${t.communityId}`;
    case 'street':
      return `s:${t.streetId}`;
    case 'department':
      return `d:${t.department}`;
    case 'district':
      return 'district';
  }
}

/** Inserts the task unless the round already has it for that standard and place; true when inserted. */
export function insertTask(db: Db, t: NewDocumentTask): boolean {
  return (
    db
      .prepare(
        `INSERT OR IGNORE INTO document_tasks
           (round_id, standard_code, level, community_id, street_id, department, place_key, due_on, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.roundId,
        t.standardCode,
        t.level,
        t.communityId,
        t.streetId,
        t.department,
        placeKey(t),
        t.dueOn,
        nowIso(),
      ).changes > 0
  );
}

export function findTaskById(db: Db, id: number): DocumentTaskRow | undefined {
  return db.prepare(`SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = ?`).get(id) as
    DocumentTaskRow | undefined;
}

/** Every task of a round, in id order (the order they were made: version order, then place). */
export function roundTasks(db: Db, roundId: number): DocumentTaskRow[] {
  return db
    .prepare(`SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.round_id = ? ORDER BY t.id`)
    .all(roundId) as DocumentTaskRow[];
}

/** The tasks of rounds not in draft whose unit is one of `unitIds`, newest round first. */
export function tasksOfUnits(db: Db, unitIds: readonly number[]): DocumentTaskRow[] {
  if (!unitIds.length) return [];
  return db
    .prepare(
      `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} JOIN rounds r ON r.id = t.round_id
       WHERE r.status <> 'draft' AND tu.unit_id IN (SELECT value FROM json_each(?))
       ORDER BY r.starts_on DESC, r.id DESC, t.id`,
    )
    .all(JSON.stringify(unitIds)) as DocumentTaskRow[];
}

/** What a round's combined results depend on from its tasks: changes whenever a task does. */
export function tasksFingerprint(db: Db, roundId: number): string {
  return db
    .prepare(
      `SELECT count(*) || ':' || total(revision) || ':' || coalesce(max(extended_to), '')
       FROM document_tasks WHERE round_id = ?`,
    )
    .pluck()
    .get(roundId) as string;
}

/**
 * Changes a task's fields and raises its revision. `expectRevision`: the revision the form was opened
 * at (stale: nothing changes, returns false).
 */
export function updateTask(
  db: Db,
  id: number,
  fields: Partial<
    Pick<
      DocumentTaskRow,
      | 'status'
      | 'extended_to'
      | 'note'
      | 'submitted_at'
      | 'submitted_by'
      | 'result'
      | 'cases'
      | 'review_note'
      | 'reviewed_at'
      | 'reviewed_by'
      | 'return_reason'
    >
  >,
  expectRevision?: number,
): boolean {
  const keys = Object.keys(fields) as (keyof typeof fields)[];
  const sets = keys.map((k) => `${k} = @${k}`).join(', ');
  const where = expectRevision === undefined ? 'id = @id' : 'id = @id AND revision = @expectRevision';
  return (
    db
      .prepare(`UPDATE document_tasks SET ${sets}${sets ? ', ' : ''}revision = revision + 1 WHERE ${where}`)
      .run({ ...fields, id, expectRevision }).changes > 0
  );
}

export interface TaskEvent {
  taskId: number;
  userId: number | null;
  action: string;
  from?: string | null;
  to?: string | null;
  note?: string;
  data?: unknown;
}

export function appendTaskEvent(db: Db, e: TaskEvent): void {
  db.prepare(
    `INSERT INTO document_task_events (task_id, at, user_id, action, from_status, to_status, note, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.taskId,
    nowIso(),
    e.userId,
    e.action,
    e.from ?? null,
    e.to ?? null,
    e.note ?? '',
    e.data === undefined ? null : JSON.stringify(e.data),
  );
}

export interface TaskEventRow {
  id: number;
  task_id: number;
  at: string;
  user_id: number | null;
  user_name: string | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string;
  data: string | null;
}

export function taskEvents(db: Db, taskId: number): TaskEventRow[] {
  return db
    .prepare(
      `SELECT e.id, e.task_id, e.at, e.user_id, u.display_name AS user_name, e.action, e.from_status, e.to_status,
              e.note, e.data
       FROM document_task_events e LEFT JOIN users u ON u.id = e.user_id
       WHERE e.task_id = ? ORDER BY e.id`,
    )
    .all(taskId) as TaskEventRow[];
}

export interface DocumentFileRow {
  id: number;
  task_id: number | null;
  template_material: string | null;
  problem_id: number | null;
  sha256: string;
  name: string;
  kind: DocumentKind;
  bytes: number;
  uploaded_by: number;
  uploaded_at: string;
  removed_at: string | null;
  removed_by: number | null;
  replaced_by: number | null;
}

const FILE_COLUMNS = `id, task_id, template_material, problem_id, sha256, name, kind, bytes, uploaded_by, uploaded_at,
  removed_at, removed_by, replaced_by`;

export interface NewDocumentFile {
  taskId?: number | null;
  templateMaterial?: string | null;
  problemId?: number | null;
  sha256: string;
  name: string;
  kind: DocumentKind;
  bytes: number;
  uploadedBy: number;
}

export function insertDocumentFile(db: Db, f: NewDocumentFile): number {
  return Number(
    db
      .prepare(
        `INSERT INTO document_files (task_id, template_material, problem_id, sha256, name, kind, bytes, uploaded_by,
           uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        f.taskId ?? null,
        f.templateMaterial ?? null,
        f.problemId ?? null,
        f.sha256,
        f.name,
        f.kind,
        f.bytes,
        f.uploadedBy,
        nowIso(),
      ).lastInsertRowid,
  );
}

export function findDocumentFile(db: Db, id: number): DocumentFileRow | undefined {
  return db.prepare(`SELECT ${FILE_COLUMNS} FROM document_files WHERE id = ?`).get(id) as
    DocumentFileRow | undefined;
}

/** A task's files, current ones first (upload order), then the removed and replaced ones (its history). */
export function taskFiles(db: Db, taskId: number): DocumentFileRow[] {
  return db
    .prepare(
      `SELECT ${FILE_COLUMNS} FROM document_files WHERE task_id = ? ORDER BY removed_at IS NOT NULL, id`,
    )
    .all(taskId) as DocumentFileRow[];
}

/** Takes a file out of its task or problem (kept in the history); `replacedBy`: the file that replaces it. */
export function removeDocumentFile(
  db: Db,
  id: number,
  userId: number | null,
  replacedBy: number | null = null,
): void {
  db.prepare(
    'UPDATE document_files SET removed_at = ?, removed_by = ?, replaced_by = ? WHERE id = ? AND removed_at IS NULL',
  ).run(nowIso(), userId, replacedBy, id);
}

/** Every SHA-256 a document row names (the start-up sweep keeps these files, backup copies them). */
export function knownDocumentHashes(db: Db): Set<string> {
  return new Set(db.prepare('SELECT DISTINCT sha256 FROM document_files').pluck().all() as string[]);
}
