/**
 * problems (整改问题) and their history (problem_events): the loop of one problem and the lists of them;
 * the home pages' counts and decisions are in problem-work.ts.
 */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';
import type { TaskLevel } from './document-tasks.ts';
import type { HotlineOrderListRow } from './hotline.ts';

export type ProblemStatus = 'open' | 'fixed' | 'closed' | 'void';
export type ProblemRequest = 'dispute' | 'transfer' | 'extension';
export type ProblemSource = 'round' | 'document' | 'inspection' | 'report' | 'hotline' | 'media';
/** The sources outside rounds: their problems have no round and never change a round's score. */
export const OUTSIDE_SOURCES = ['inspection', 'report', 'hotline', 'media'] as const;
export type OutsideSource = (typeof OUTSIDE_SOURCES)[number];
export const isOutsideSource = (s: ProblemSource): s is OutsideSource =>
  (OUTSIDE_SOURCES as readonly string[]).includes(s);
/** How a deadline was counted: calendar days, working days (holidays and 调休 included) or hours. */
export type DeadlineUnit = 'calendar' | 'workdays' | 'hours';

export interface ProblemRow {
  id: number;
  /** null for a problem from outside rounds (督查, 随手拍, 12345, 媒体) */
  round_id: number | null;
  /** null for a problem from a document task (source 'document') */
  site_id: number | null;
  /** round: a sheet's deduction (测评); document: a document task's (材料) */
  source: ProblemSource;
  /** the document task it came from (source 'document') */
  task_id: number | null;
  /** the scoring sheet it was raised from (the column is inspection_id) */
  sheet_id: number | null;
  /** null only for a problem from outside rounds recorded without a standard */
  standard_code: string | null;
  description: string;
  points_lost: number;
  unit_id: number | null;
  /** YYYY-MM-DD (Asia/Shanghai); with deadline_time for a rule in hours */
  deadline: string;
  status: ProblemStatus;
  repeat_count: number;
  previous_problem_id: number | null;
  created_at: string;
  fixed_by: number | null;
  fixed_at: string | null;
  fix_note: string;
  closed_at: string | null;
  request: ProblemRequest | null;
  request_note: string;
  request_deadline: string | null;
  /** 转办: the unit the request names (null: no transfer pending, or a request older than this column) */
  request_unit_id: number | null;
  void_reason: string | null;
  /** where a problem without a site is (its 镇街 / 社区 when known, an address, WGS-84 coordinates) */
  loc_street_id: number | null;
  loc_community_id: number | null;
  address: string;
  gps_lat: number | null;
  gps_lng: number | null;
  /** 1: the coordinates are farther than the set distance from every site of the district */
  outside_district: number;
  /** who recorded a problem from outside rounds (督查: the office or a 包联 leader) */
  recorded_by: number | null;
  /** the inspector the office gave its 复查 (null: the office itself, or the leader who recorded it) */
  reinspector_id: number | null;
  /** 12345: the hotline's 工单号 */
  external_ref: string | null;
  /** a problem from outside rounds recorded under a standard: the criteria version the standard is in */
  criteria_version_id: number | null;
  deadline_rule: DeadlineUnit;
  deadline_amount: number | null;
  /** HH:MM, for a deadline in hours */
  deadline_time: string | null;
}

const COLUMNS = `id, round_id, site_id, inspection_id AS sheet_id, standard_code, description, points_lost, unit_id, deadline, status,
  repeat_count, previous_problem_id, created_at, fixed_by, fixed_at, fix_note, closed_at, request, request_note,
  request_deadline, request_unit_id, void_reason, source, task_id, street_id AS loc_street_id,
  community_id AS loc_community_id, address, gps_lat, gps_lng, outside_district, recorded_by, reinspector_id,
  external_ref, criteria_version_id, deadline_rule, deadline_amount, deadline_time`;

export interface NewProblem {
  /** null for a problem from outside rounds */
  roundId: number | null;
  /** null for a problem from a document task */
  siteId: number | null;
  /** 'round' (a sheet's deduction) unless given; 'document' needs taskId */
  source?: ProblemSource;
  taskId?: number | null;
  sheetId: number | null;
  standardCode: string | null;
  description: string;
  pointsLost: number;
  unitId: number | null;
  deadline: string;
  repeatCount: number;
  previousProblemId: number | null;
  /** how the deadline was counted (calendar days unless given) */
  deadlineRule?: DeadlineUnit;
  deadlineAmount?: number | null;
  deadlineTime?: string | null;
  /** where a problem from outside rounds is, when it has no site (or as well as its site) */
  streetId?: number | null;
  communityId?: number | null;
  address?: string;
  gps?: { lat: number; lng: number } | null;
  outsideDistrict?: boolean;
  recordedBy?: number | null;
  externalRef?: string | null;
  /** a problem from outside rounds recorded under a standard: the version the standard is in */
  criteriaVersionId?: number | null;
}

export function insertProblem(db: Db, p: NewProblem): number {
  return Number(
    db
      .prepare(
        `INSERT INTO problems (round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id, deadline,
           status, repeat_count, previous_problem_id, created_at, source, task_id, deadline_rule, deadline_amount,
           deadline_time, street_id, community_id, address, gps_lat, gps_lng, outside_district, recorded_by, external_ref,
           criteria_version_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.roundId,
        p.siteId,
        p.sheetId,
        p.standardCode,
        p.description,
        p.pointsLost,
        p.unitId,
        p.deadline,
        p.repeatCount,
        p.previousProblemId,
        nowIso(),
        p.source ?? 'round',
        p.taskId ?? null,
        p.deadlineRule ?? 'calendar',
        p.deadlineAmount ?? null,
        p.deadlineTime ?? null,
        p.streetId ?? null,
        p.communityId ?? null,
        p.address ?? '',
        p.gps?.lat ?? null,
        p.gps?.lng ?? null,
        p.outsideDistrict ? 1 : 0,
        p.recordedBy ?? null,
        p.externalRef ?? null,
        p.criteriaVersionId ?? null,
      ).lastInsertRowid,
  );
}

export function findProblem(db: Db, id: number): ProblemRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM problems WHERE id = ?`).get(id) as ProblemRow | undefined;
}

/** The sheet's problem under this standard that is not void. */
export function liveProblem(db: Db, sheetId: number, standardCode: string): ProblemRow | undefined {
  return db
    .prepare(
      `SELECT ${COLUMNS} FROM problems WHERE inspection_id = ? AND standard_code = ? AND status <> 'void'`,
    )
    .get(sheetId, standardCode) as ProblemRow | undefined;
}

/** The problem on the same site and standard in an earlier round (the latest one), for 反复出现. */
export function earlierProblem(
  db: Db,
  roundId: number,
  siteId: number,
  standardCode: string,
): ProblemRow | undefined {
  return db
    .prepare(
      `SELECT ${COLUMNS} FROM problems WHERE round_id = ? AND site_id = ? AND standard_code = ? AND status <> 'void' ORDER BY id DESC LIMIT 1`,
    )
    .get(roundId, siteId, standardCode) as ProblemRow | undefined;
}

export function updateProblem(
  db: Db,
  id: number,
  fields: Partial<Omit<ProblemRow, 'id' | 'sheet_id'>>,
): void {
  const keys = Object.keys(fields);
  if (!keys.length) return;
  db.prepare(`UPDATE problems SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({
    ...fields,
    id,
  });
}

export interface ProblemEventRow {
  id: number;
  problem_id: number;
  at: string;
  user_id: number | null;
  user_name: string | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string;
  data: string | null;
}

export function addProblemEvent(
  db: Db,
  e: {
    problemId: number;
    userId: number | null;
    action: string;
    from: string | null;
    to: string | null;
    note?: string;
    data?: unknown;
  },
): void {
  db.prepare(
    'INSERT INTO problem_events (problem_id, at, user_id, action, from_status, to_status, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    e.problemId,
    nowIso(),
    e.userId,
    e.action,
    e.from,
    e.to,
    e.note ?? '',
    e.data === undefined ? null : JSON.stringify(e.data),
  );
}

export function problemEvents(db: Db, problemId: number): ProblemEventRow[] {
  return db
    .prepare(
      `SELECT e.id, e.problem_id, e.at, e.user_id, u.display_name AS user_name, e.action, e.from_status, e.to_status, e.note, e.data
       FROM problem_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.problem_id = ? ORDER BY e.id`,
    )
    .all(problemId) as ProblemEventRow[];
}

export interface ProblemFilter {
  id?: number | null;
  roundId?: number | null;
  streetId?: number | null;
  communityId?: number | null;
  /** 包联 leaders: only problems at sites in these 社区 */
  communityIds?: number[] | null;
  unitIds?: number[] | null;
  status?: ProblemStatus | null;
  /** open problems past their deadline at this moment (Asia/Shanghai): OVERDUE_WHERE */
  overdueAt?: { date: string; time: string } | null;
  /** 待分派: only problems without a responsible unit */
  unassigned?: boolean;
  repeatOnly?: boolean;
  /** open problems with a pending request of this kind ('any': of any kind) */
  request?: ProblemRequest | 'any' | null;
  /** inspectors: only sites assigned to them (in any round), and problems given them for 复查 */
  inspectorId?: number | null;
  /** 包联 leaders: also the problems they recorded, wherever they are */
  recordedBy?: number | null;
  /** 来源: a sheet's problems (测评) or document tasks' (材料) */
  source?: ProblemSource | null;
  limit?: number;
}

/**
 * A problem with the names of its place. A problem from a document task has no site: its 镇街 and 社区
 * are its task's (a department's or the district's task has neither), and `task_level` / `task_department`
 * say whose task it was.
 */
export interface ProblemListRow extends ProblemRow {
  /** null for a problem from outside rounds */
  round_name: string | null;
  site_name: string | null;
  site_type: string | null;
  street_id: number | null;
  street_name: string | null;
  community_id: number | null;
  community_name: string | null;
  task_level: TaskLevel | null;
  task_department: string | null;
  unit_name: string | null;
  request_unit_name: string | null;
  /** after-photos whose metadata raised a doubt (taken before the problem, in the future, far away) */
  flagged_fix_photos: number;
}

/**
 * The place columns of a problem: its site's, or for a problem without a site its document task's, or
 * (from outside rounds) the 社区 / 镇街 it was recorded in (`s`, `t`, `st`, `c`; `where` filters use the
 * same coalesced 镇街 and 社区).
 */
export const PROBLEM_PLACE_FROM = `LEFT JOIN sites s ON s.id = p.site_id
       LEFT JOIN document_tasks t ON t.id = p.task_id
       LEFT JOIN communities c ON c.id = coalesce(s.community_id, t.community_id, p.community_id)
       LEFT JOIN streets st ON st.id = coalesce(s.street_id, t.street_id, c.street_id, p.street_id)`;

/**
 * The board's 逾期 filter, as isOverdue counts it: an open problem whose deadline day has passed, or
 * (a deadline in hours) whose day is today and whose time has passed, to the minute. Its parameters
 * come from overdueParams.
 */
export const OVERDUE_WHERE = `(:overdueDate IS NULL OR (p.status = 'open' AND (p.deadline < :overdueDate
  OR (p.deadline = :overdueDate AND p.deadline_time IS NOT NULL AND p.deadline_time < :overdueTime))))`;

export const overdueParams = (f: ProblemFilter) => ({
  overdueDate: f.overdueAt?.date ?? null,
  overdueTime: f.overdueAt?.time ?? null,
});

export function listProblems(db: Db, f: ProblemFilter): ProblemListRow[] {
  return db
    .prepare(
      `SELECT p.id, p.round_id, p.site_id, p.inspection_id AS sheet_id, p.standard_code, p.description, p.points_lost, p.unit_id,
              p.deadline, p.status, p.repeat_count, p.previous_problem_id, p.created_at, p.fixed_by, p.fixed_at,
              p.fix_note, p.closed_at, p.request, p.request_note, p.request_deadline, p.request_unit_id, p.void_reason,
              p.source, p.task_id, p.street_id AS loc_street_id, p.community_id AS loc_community_id, p.address,
              p.gps_lat, p.gps_lng, p.outside_district, p.recorded_by, p.reinspector_id, p.external_ref, p.criteria_version_id,
              p.deadline_rule, p.deadline_amount, p.deadline_time,
              r.name AS round_name, s.name AS site_name, s.site_type, st.id AS street_id, st.name AS street_name,
              c.id AS community_id, c.name AS community_name, t.level AS task_level, t.department AS task_department,
              u.name AS unit_name, ru.name AS request_unit_name,
              (SELECT count(*) FROM photos ph WHERE ph.problem_id = p.id AND ph.kind = 'fix'
                 AND ph.deleted_at IS NULL AND ph.flags <> '[]') AS flagged_fix_photos
       FROM problems p LEFT JOIN rounds r ON r.id = p.round_id ${PROBLEM_PLACE_FROM}
       LEFT JOIN units u ON u.id = p.unit_id LEFT JOIN units ru ON ru.id = p.request_unit_id
       WHERE (:id IS NULL OR p.id = :id) AND (:roundId IS NULL OR p.round_id = :roundId)
         AND (:streetId IS NULL OR st.id = :streetId)
         AND (:communityId IS NULL OR c.id = :communityId)
         AND (:communityIds IS NULL OR c.id IN (SELECT value FROM json_each(:communityIds))
              OR (:recordedBy IS NOT NULL AND p.recorded_by = :recordedBy))
         AND (:unitIds IS NULL OR p.unit_id IN (SELECT value FROM json_each(:unitIds)))
         AND (:status IS NULL OR p.status = :status)
         AND ${OVERDUE_WHERE}
         AND (:unassigned = 0 OR p.unit_id IS NULL)
         AND (:repeatOnly = 0 OR p.repeat_count > 0)
         AND (:request IS NULL OR (p.status = 'open' AND p.request IS NOT NULL AND (:request = 'any' OR p.request = :request)))
         AND (:inspectorId IS NULL OR p.reinspector_id = :inspectorId
              OR EXISTS (SELECT 1 FROM assignments a WHERE a.round_id = p.round_id AND a.site_id = p.site_id AND a.inspector_id = :inspectorId))
         AND (:source IS NULL OR p.source = :source)
       ORDER BY p.round_id IS NULL, p.round_id DESC, st.id IS NULL, st.id, c.id, p.source DESC, s.id, t.level, t.department, p.standard_code, p.id
       LIMIT :limit`,
    )
    .all({
      id: f.id ?? null,
      roundId: f.roundId ?? null,
      streetId: f.streetId ?? null,
      communityId: f.communityId ?? null,
      communityIds: f.communityIds ? JSON.stringify(f.communityIds) : null,
      unitIds: f.unitIds ? JSON.stringify(f.unitIds) : null,
      status: f.status ?? null,
      ...overdueParams(f),
      unassigned: f.unassigned ? 1 : 0,
      repeatOnly: f.repeatOnly ? 1 : 0,
      request: f.request ?? null,
      inspectorId: f.inspectorId ?? null,
      recordedBy: f.recordedBy ?? null,
      source: f.source ?? null,
      limit: f.limit ?? 100000,
    }) as ProblemListRow[];
}

export interface ProblemPhotoRow {
  id: number;
  kind: string;
  uploaded_at: string;
  /** JSON array of EvidenceFlag */
  flags: string;
}

export function problemPhotos(db: Db, problem: ProblemRow): ProblemPhotoRow[] {
  return db
    .prepare(
      `SELECT id, kind, uploaded_at, flags FROM photos WHERE deleted_at IS NULL AND (problem_id = ?
         OR (kind = 'evidence' AND inspection_id = ? AND standard_code = ?)
         OR (kind = 'report' AND report_id IN (SELECT id FROM citizen_reports WHERE problem_id = ?))) ORDER BY id`,
    )
    .all(problem.id, problem.sheet_id, problem.standard_code, problem.id) as ProblemPhotoRow[];
}

/** A corrected document sent to fix a problem from a document task (材料问题的整改材料). */
export interface ProblemDocumentRow {
  id: number;
  name: string;
  kind: string;
  bytes: number;
  uploaded_at: string;
  uploaded_by_name: string | null;
}

/** The corrected documents of a problem, oldest first (kept after the problem is closed). */
export function problemDocuments(db: Db, problemId: number): ProblemDocumentRow[] {
  return db
    .prepare(
      `SELECT f.id, f.name, f.kind, f.bytes, f.uploaded_at, u.display_name AS uploaded_by_name
       FROM document_files f LEFT JOIN users u ON u.id = f.uploaded_by
       WHERE f.problem_id = ? AND f.removed_at IS NULL ORDER BY f.id`,
    )
    .all(problemId) as ProblemDocumentRow[];
}

/** A 12345 problem's work order as imported (hotline_orders): what the problem page shows of it. */
export type HotlineOrderRow = Pick<
  HotlineOrderListRow,
  'order_no' | 'content' | 'address' | 'received_at' | 'handler' | 'limit_amount' | 'limit_unit'
>;

/** The hotline work order a problem came from (undefined: not from 12345, or not imported). */
export function hotlineOrderOfProblem(db: Db, problemId: number): HotlineOrderRow | undefined {
  return db
    .prepare(
      `SELECT order_no, content, address, received_at, handler, limit_amount, limit_unit
       FROM hotline_orders WHERE problem_id = ?`,
    )
    .get(problemId) as HotlineOrderRow | undefined;
}
