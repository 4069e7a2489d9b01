/**
 * What goes into a round's 网上申报 package: the current files (not removed nor replaced) of its document
 * tasks that were handed in — 已提交 (waiting for review) or 已评分. A task sent back (退回补充) is being
 * completed by its unit and is left out until it is submitted again. With each file: its task's standard,
 * state and review, and who answers it (the unit now, else the place, for 无责任单位).
 */
import type { Db } from '../connection.ts';
import type { DocumentKind } from '../../documents/kinds.ts';
import type { TaskLevel, TaskStatus } from './document-tasks.ts';

export interface MaterialFileRow {
  file_id: number;
  sha256: string;
  name: string;
  kind: DocumentKind;
  bytes: number;
  uploaded_at: string;
  task_id: number;
  standard_code: string;
  level: TaskLevel;
  status: Extract<TaskStatus, 'submitted' | 'scored'>;
  result: 'ok' | 'fail' | null;
  cases: number;
  submitted_at: string | null;
  department: string | null;
  /** null: 无责任单位 */
  unit_name: string | null;
  community_name: string | null;
  street_name: string | null;
}

/** The files of a round's submitted and scored tasks, by task (version order, then place), then upload. */
export function packagedFiles(db: Db, roundId: number): MaterialFileRow[] {
  return db
    .prepare(
      `SELECT f.id AS file_id, f.sha256, f.name, f.kind, f.bytes, f.uploaded_at,
              t.id AS task_id, t.standard_code, t.level, t.status, t.result, t.cases, t.submitted_at,
              t.department, u.name AS unit_name, c.name AS community_name, s.name AS street_name
       FROM document_tasks t
       JOIN document_task_units tu ON tu.task_id = t.id
       JOIN document_files f ON f.task_id = t.id AND f.removed_at IS NULL
       LEFT JOIN units u ON u.id = tu.unit_id
       LEFT JOIN communities c ON c.id = t.community_id
       LEFT JOIN streets s ON s.id = t.street_id
       WHERE t.round_id = ? AND t.status IN ('submitted', 'scored')
       ORDER BY t.id, f.id`,
    )
    .all(roundId) as MaterialFileRow[];
}

/** How many of a round's tasks are 退回补充 now (the index says they are not in the package). */
export function returnedTaskCount(db: Db, roundId: number): number {
  return db
    .prepare("SELECT count(*) FROM document_tasks WHERE round_id = ? AND status = 'returned'")
    .pluck()
    .get(roundId) as number;
}
