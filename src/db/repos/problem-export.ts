/**
 * Reads for the 整改清单 workbooks (a round's, and the board's of every source), in pages by id so a 20,000-problem export never holds a statement
 * open across the stream (better-sqlite3 would block every other request) nor all rows in memory.
 */
import type { Db } from '../connection.ts';
import {
  OVERDUE_WHERE,
  overdueParams,
  PROBLEM_PLACE_FROM,
  type ProblemFilter,
  type ProblemSource,
} from './problems.ts';
import type { TaskLevel } from './document-tasks.ts';

export interface ExportPhoto {
  id: number;
  sha256: string;
  width: number;
  height: number;
}

const PHOTO = `ph.id || ',' || ph.sha256 || ',' || ph.width || ',' || ph.height`;

export interface ExportSkeleton {
  id: number;
  before: ExportPhoto | null;
  after: ExportPhoto | null;
}

const WHERE = `(:roundId IS NULL OR p.round_id = :roundId)
  AND (:streetId IS NULL OR st.id = :streetId)
  AND (:communityId IS NULL OR c.id = :communityId)
  AND (:communityIds IS NULL OR c.id IN (SELECT value FROM json_each(:communityIds))
       OR (:recordedBy IS NOT NULL AND p.recorded_by = :recordedBy))
  AND (:inspectorId IS NULL OR p.reinspector_id = :inspectorId
       OR EXISTS (SELECT 1 FROM assignments a WHERE a.round_id = p.round_id AND a.site_id = p.site_id AND a.inspector_id = :inspectorId))
  AND (:source IS NULL OR p.source = :source)
  AND (:unitIds IS NULL OR p.unit_id IN (SELECT value FROM json_each(:unitIds)))
  AND (:status IS NULL OR p.status = :status)
  AND ${OVERDUE_WHERE}
  AND (:unassigned = 0 OR p.unit_id IS NULL)
  AND (:repeatOnly = 0 OR p.repeat_count > 0)
  AND (:request IS NULL OR (p.status = 'open' AND p.request IS NOT NULL AND (:request = 'any' OR p.request = :request)))`;

function params(f: ProblemFilter) {
  return {
    roundId: f.roundId ?? null,
    streetId: f.streetId ?? null,
    communityId: f.communityId ?? null,
    communityIds: f.communityIds ? JSON.stringify(f.communityIds) : null,
    recordedBy: f.recordedBy ?? null,
    inspectorId: f.inspectorId ?? null,
    source: f.source ?? null,
    unitIds: f.unitIds ? JSON.stringify(f.unitIds) : null,
    status: f.status ?? null,
    ...overdueParams(f),
    unassigned: f.unassigned ? 1 : 0,
    repeatOnly: f.repeatOnly ? 1 : 0,
    request: f.request ?? null,
  };
}

/**
 * Every matching problem's id and the one before / after photo shown for it, in export order: by 镇街
 * and 社区 (a document problem's are its task's, one from outside rounds the place it was recorded in),
 * a 社区's sites before its document tasks, then the departments' and the district's tasks, then what
 * has no place. A document problem has no photos; the before photo of a problem from outside rounds is
 * its first 督查 photo ('record') or else its residents' first ('report'). Each photo is its own indexed
 * subquery (coalesce stops at the first found), so a long export never scans the photos table per row.
 */
export function exportSkeleton(db: Db, f: ProblemFilter): ExportSkeleton[] {
  const rows = db
    .prepare(
      `SELECT p.id,
         coalesce(
           (SELECT ${PHOTO} FROM photos ph
            WHERE ph.inspection_id = p.inspection_id AND ph.standard_code = p.standard_code AND ph.kind = 'evidence'
              AND ph.deleted_at IS NULL ORDER BY ph.id LIMIT 1),
           (SELECT ${PHOTO} FROM photos ph
            WHERE ph.problem_id = p.id AND ph.kind = 'record' AND ph.deleted_at IS NULL ORDER BY ph.id LIMIT 1),
           (SELECT ${PHOTO} FROM citizen_reports cr JOIN photos ph ON ph.report_id = cr.id
            WHERE cr.problem_id = p.id AND ph.kind = 'report' AND ph.deleted_at IS NULL ORDER BY ph.id LIMIT 1)
         ) AS before,
         (SELECT ${PHOTO} FROM photos ph
          WHERE ph.problem_id = p.id AND ph.kind = 'fix' AND ph.deleted_at IS NULL ORDER BY ph.id DESC LIMIT 1) AS after
       FROM problems p ${PROBLEM_PLACE_FROM}
       WHERE ${WHERE}
       ORDER BY p.round_id IS NULL, p.round_id DESC, st.id IS NULL, st.id, c.id, p.source DESC, s.id, t.level,
         t.department, p.standard_code, p.id`,
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
  /** 测评 (a sheet's), 材料 (a document task's, without a site) or from outside rounds (maybe no site) */
  source: ProblemSource;
  /** the site's 镇街 and 社区, the document task's (none for a department's or the district's task), or
   * the ones a problem from outside rounds was recorded in */
  street: string | null;
  community: string | null;
  site: string | null;
  site_type: string | null;
  task_level: TaskLevel | null;
  task_department: string | null;
  /** null: a problem from outside rounds recorded without a standard */
  standard_code: string | null;
  description: string;
  points_lost: number;
  unit: string | null;
  deadline: string;
  /** HH:MM for a deadline in hours */
  deadline_time: string | null;
  status: string;
  fix_note: string;
  /** when the unit reported the fix (UTC ISO), null until then */
  fixed_at: string | null;
  repeat_count: number;
  /** null for a problem from outside rounds */
  round_id: number | null;
  round_name: string | null;
  /** the version a standard of a problem from outside rounds is in */
  criteria_version_id: number | null;
  /** 12345: the hotline's 工单号 */
  external_ref: string | null;
  /** where a problem from outside rounds was recorded */
  address: string;
  review: string | null;
  review_note: string | null;
}

/** Full rows for a page of ids (any order; the caller keeps its own). */
export function exportRows(db: Db, ids: number[]): Map<number, ExportRow> {
  const rows = db
    .prepare(
      `SELECT p.id, p.source, st.name AS street, c.name AS community, s.name AS site, s.site_type,
              t.level AS task_level, t.department AS task_department, p.standard_code, p.description,
              p.points_lost, u.name AS unit, p.deadline, p.deadline_time, p.status, p.fix_note, p.fixed_at,
              p.repeat_count, p.round_id, r.name AS round_name, p.criteria_version_id, p.external_ref, p.address,
              (SELECT e.action FROM problem_events e WHERE e.problem_id = p.id AND e.action IN ('close', 'reject') ORDER BY e.id DESC LIMIT 1) AS review,
              (SELECT e.note FROM problem_events e WHERE e.problem_id = p.id AND e.action IN ('close', 'reject') ORDER BY e.id DESC LIMIT 1) AS review_note
       FROM problems p ${PROBLEM_PLACE_FROM} LEFT JOIN units u ON u.id = p.unit_id
       LEFT JOIN rounds r ON r.id = p.round_id
       WHERE p.id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as ExportRow[];
  return new Map(rows.map((r) => [r.id, r]));
}
