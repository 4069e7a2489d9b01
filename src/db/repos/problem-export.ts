/**
 * Reads for the 整改清单 workbook, in pages by id so a 20,000-problem export never holds a statement
 * open across the stream (better-sqlite3 would block every other request) nor all rows in memory.
 */
import type { Db } from '../connection.ts';
import { PROBLEM_PLACE_FROM, type ProblemFilter, type ProblemSource } from './problems.ts';
import type { TaskLevel } from './document-tasks.ts';

export interface ExportPhoto {
  id: number;
  sha256: string;
  width: number;
  height: number;
}

export interface ExportSkeleton {
  id: number;
  before: ExportPhoto | null;
  after: ExportPhoto | null;
}

const WHERE = `(:roundId IS NULL OR p.round_id = :roundId)
  AND (:streetId IS NULL OR st.id = :streetId)
  AND (:communityId IS NULL OR c.id = :communityId)
  AND (:communityIds IS NULL OR c.id IN (SELECT value FROM json_each(:communityIds)))
  AND (:source IS NULL OR p.source = :source)
  AND (:unitIds IS NULL OR p.unit_id IN (SELECT value FROM json_each(:unitIds)))
  AND (:status IS NULL OR p.status = :status)
  AND (:overdue IS NULL OR (p.status = 'open' AND p.deadline < :overdue))
  AND (:repeatOnly = 0 OR p.repeat_count > 0)
  AND (:request IS NULL OR (p.status = 'open' AND p.request IS NOT NULL AND (:request = 'any' OR p.request = :request)))`;

function params(f: ProblemFilter) {
  return {
    roundId: f.roundId ?? null,
    streetId: f.streetId ?? null,
    communityId: f.communityId ?? null,
    communityIds: f.communityIds ? JSON.stringify(f.communityIds) : null,
    source: f.source ?? null,
    unitIds: f.unitIds ? JSON.stringify(f.unitIds) : null,
    status: f.status ?? null,
    overdue: f.overdueBefore ?? null,
    repeatOnly: f.repeatOnly ? 1 : 0,
    request: f.request ?? null,
  };
}

/**
 * Every matching problem's id and the one before / after photo shown for it, in export order: by 镇街
 * and 社区 (a document problem's are its task's), a 社区's sites before its document tasks, then the
 * departments' and the district's tasks. A document problem has no photos.
 */
export function exportSkeleton(db: Db, f: ProblemFilter): ExportSkeleton[] {
  const rows = db
    .prepare(
      `SELECT p.id,
         (SELECT ph.id || ',' || ph.sha256 || ',' || ph.width || ',' || ph.height FROM photos ph
          WHERE ph.inspection_id = p.inspection_id AND ph.standard_code = p.standard_code AND ph.kind = 'evidence'
            AND ph.deleted_at IS NULL ORDER BY ph.id LIMIT 1) AS before,
         (SELECT ph.id || ',' || ph.sha256 || ',' || ph.width || ',' || ph.height FROM photos ph
          WHERE ph.problem_id = p.id AND ph.kind = 'fix' AND ph.deleted_at IS NULL ORDER BY ph.id DESC LIMIT 1) AS after
       FROM problems p ${PROBLEM_PLACE_FROM}
       WHERE ${WHERE}
       ORDER BY st.id IS NULL, st.id, c.id, p.source DESC, s.id, t.level, t.department, p.standard_code, p.id`,
    )
    .all(params(f)) as { id: number; before: string | null; after: string | null }[];
  const photo = (v: string | null): ExportPhoto | null => {
    if (!v) return null;
    const [id, sha256, width, height] = v.split(',');
    return { id: Number(id), sha256: sha256!, width: Number(width), height: Number(height) };
  };
  return rows.map((r) => ({ id: r.id, before: photo(r.before), after: photo(r.after) }));
}

export interface ExportRow {
  id: number;
  /** 测评 (a sheet's) or 材料 (a document task's, without a site) */
  source: ProblemSource;
  /** the site's 镇街 and 社区, or the document task's (none for a department's or the district's task) */
  street: string | null;
  community: string | null;
  site: string | null;
  site_type: string | null;
  task_level: TaskLevel | null;
  task_department: string | null;
  standard_code: string;
  description: string;
  points_lost: number;
  unit: string | null;
  deadline: string;
  status: string;
  fix_note: string;
  /** when the unit reported the fix (UTC ISO), null until then */
  fixed_at: string | null;
  repeat_count: number;
  round_id: number;
  review: string | null;
  review_note: string | null;
}

/** Full rows for a page of ids (any order; the caller keeps its own). */
export function exportRows(db: Db, ids: number[]): Map<number, ExportRow> {
  const rows = db
    .prepare(
      `SELECT p.id, p.source, st.name AS street, c.name AS community, s.name AS site, s.site_type,
              t.level AS task_level, t.department AS task_department, p.standard_code, p.description,
              p.points_lost, u.name AS unit, p.deadline, p.status, p.fix_note, p.fixed_at, p.repeat_count, p.round_id,
              (SELECT e.action FROM problem_events e WHERE e.problem_id = p.id AND e.action IN ('close', 'reject') ORDER BY e.id DESC LIMIT 1) AS review,
              (SELECT e.note FROM problem_events e WHERE e.problem_id = p.id AND e.action IN ('close', 'reject') ORDER BY e.id DESC LIMIT 1) AS review_note
       FROM problems p ${PROBLEM_PLACE_FROM} LEFT JOIN units u ON u.id = p.unit_id
       WHERE p.id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as ExportRow[];
  return new Map(rows.map((r) => [r.id, r]));
}
