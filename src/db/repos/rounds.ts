/** rounds (测评轮次), the sites each includes, and assignments of sites to inspectors (测评分工). */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export type RoundStatus = 'draft' | 'open' | 'closed' | 'published';

export interface RoundRow {
  id: number;
  name: string;
  criteria_version_id: number;
  starts_on: string;
  ends_on: string;
  status: RoundStatus;
  selection: string;
  created_at: string;
  opened_at: string | null;
  closed_at: string | null;
  published_at: string | null;
  /** the methods it counts, comma-separated: field, document, survey (see roundMethods) */
  methods: string;
  /** the questionnaire version a round with 问卷调查 froze when it opened (null before, or without surveys) */
  questionnaire_id: number | null;
}

const COLUMNS =
  'id, name, criteria_version_id, starts_on, ends_on, status, selection, created_at, opened_at, closed_at, published_at, methods, questionnaire_id';

export interface NewRound {
  name: string;
  criteriaVersionId: number;
  startsOn: string;
  endsOn: string;
  selection: unknown;
  createdBy: number | null;
  /** comma-separated methods; absent: 'field' */
  methods?: string;
}

export function insertRound(db: Db, r: NewRound): number {
  return Number(
    db
      .prepare(
        `INSERT INTO rounds (name, criteria_version_id, starts_on, ends_on, status, selection, created_by, created_at, methods)
         VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?)`,
      )
      .run(
        r.name,
        r.criteriaVersionId,
        r.startsOn,
        r.endsOn,
        JSON.stringify(r.selection),
        r.createdBy,
        nowIso(),
        r.methods ?? 'field',
      ).lastInsertRowid,
  );
}

export function setRoundStatus(db: Db, id: number, status: RoundStatus): void {
  const column = { draft: null, open: 'opened_at', closed: 'closed_at', published: 'published_at' }[status];
  if (column)
    db.prepare(`UPDATE rounds SET status = ?, ${column} = ? WHERE id = ?`).run(status, nowIso(), id);
  else db.prepare('UPDATE rounds SET status = ? WHERE id = ?').run(status, id);
}

export function findRoundById(db: Db, id: number): RoundRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM rounds WHERE id = ?`).get(id) as RoundRow | undefined;
}

export function listRounds(db: Db): RoundRow[] {
  return db.prepare(`SELECT ${COLUMNS} FROM rounds ORDER BY starts_on DESC, id DESC`).all() as RoundRow[];
}

export function includeSites(db: Db, roundId: number, siteIds: number[]): void {
  const stmt = db.prepare('INSERT OR IGNORE INTO round_sites (round_id, site_id) VALUES (?, ?)');
  for (const id of siteIds) stmt.run(roundId, id);
}

export function assignSite(
  db: Db,
  roundId: number,
  siteId: number,
  inspectorId: number,
  by: number | null,
): void {
  db.prepare(
    `INSERT INTO assignments (round_id, site_id, inspector_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(round_id, site_id) DO UPDATE SET inspector_id = excluded.inspector_id,
       assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
  ).run(roundId, siteId, inspectorId, nowIso(), by);
}

export interface RoundSummaryRow {
  round_id: number;
  sites: number;
  assigned: number;
}

/** Included sites, and the assignments of sites still included (an excluded site's assignment stays but is not counted). */
export function roundCounts(db: Db, roundId: number): { sites: number; assigned: number } {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM round_sites WHERE round_id = ? AND excluded_reason IS NULL) AS sites,
              (SELECT count(*) FROM assignments a JOIN round_sites rs ON rs.round_id = a.round_id
                 AND rs.site_id = a.site_id AND rs.excluded_reason IS NULL WHERE a.round_id = ?) AS assigned`,
    )
    .get(roundId, roundId) as { sites: number; assigned: number };
}

/** The sites assigned to an inspector in a round, with names for display. */
export interface AssignedSiteRow {
  site_id: number;
  site_name: string;
  site_type: string;
  /** the site type's name (公园, 农贸市场 …) */
  site_type_name: string;
  street_name: string;
  community_name: string | null;
}

export function assignedSites(db: Db, roundId: number, inspectorId: number): AssignedSiteRow[] {
  return db
    .prepare(
      `SELECT s.id AS site_id, s.name AS site_name, s.site_type, t.name AS site_type_name, st.name AS street_name,
              c.name AS community_name
       FROM assignments a JOIN sites s ON s.id = a.site_id JOIN site_types t ON t.code = s.site_type
       JOIN streets st ON st.id = s.street_id LEFT JOIN communities c ON c.id = s.community_id
       WHERE a.round_id = ? AND a.inspector_id = ? ORDER BY st.id, c.id, s.id`,
    )
    .all(roundId, inspectorId) as AssignedSiteRow[];
}

export function isSiteInRound(db: Db, roundId: number, siteId: number, includeExcluded = true): boolean {
  const sql = includeExcluded
    ? 'SELECT 1 FROM round_sites WHERE round_id = ? AND site_id = ?'
    : 'SELECT 1 FROM round_sites WHERE round_id = ? AND site_id = ? AND excluded_reason IS NULL';
  return !!db.prepare(sql).get(roundId, siteId);
}

/**
 * Whether the site is in the round (excluded sites included) and, if so, who is assigned to it there:
 * `undefined` when it is not in the round, `{ inspectorId: null }` when nobody is assigned.
 */
export function siteInRound(
  db: Db,
  roundId: number,
  siteId: number,
): { inspectorId: number | null } | undefined {
  return db
    .prepare(
      `SELECT a.inspector_id AS inspectorId FROM round_sites rs
       LEFT JOIN assignments a ON a.round_id = rs.round_id AND a.site_id = rs.site_id
       WHERE rs.round_id = ? AND rs.site_id = ?`,
    )
    .get(roundId, siteId) as { inspectorId: number | null } | undefined;
}

export function assignedInspectorId(db: Db, roundId: number, siteId: number): number | null {
  return (
    (db
      .prepare('SELECT inspector_id FROM assignments WHERE round_id = ? AND site_id = ?')
      .pluck()
      .get(roundId, siteId) as number | undefined) ?? null
  );
}

export function inspectorHasSites(db: Db, roundId: number, inspectorId: number): boolean {
  return !!db
    .prepare('SELECT 1 FROM assignments WHERE round_id = ? AND inspector_id = ? LIMIT 1')
    .get(roundId, inspectorId);
}

export function roundSites(db: Db, roundId: number): { id: number; street_id: number }[] {
  return db
    .prepare(
      `SELECT s.id, s.street_id FROM round_sites r JOIN sites s ON s.id = r.site_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL ORDER BY s.id`,
    )
    .all(roundId) as { id: number; street_id: number }[];
}

export function setSiteExcluded(db: Db, roundId: number, siteId: number, reason: string | null): void {
  db.prepare('UPDATE round_sites SET excluded_reason = ? WHERE round_id = ? AND site_id = ?').run(
    reason,
    roundId,
    siteId,
  );
}

/** Included sites of a round whose sheet is not approved yet, with names, for the close check. */
export function unapprovedSites(
  db: Db,
  roundId: number,
): { site_id: number; name: string; status: string | null }[] {
  return db
    .prepare(
      `SELECT s.id AS site_id, s.name, i.status FROM round_sites r JOIN sites s ON s.id = r.site_id
       LEFT JOIN inspections i ON i.round_id = r.round_id AND i.site_id = r.site_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL AND (i.status IS NULL OR i.status <> 'approved')
       ORDER BY s.id`,
    )
    .all(roundId) as { site_id: number; name: string; status: string | null }[];
}

export function siteExclusion(db: Db, roundId: number, siteId: number): string | null {
  return (
    (db
      .prepare('SELECT excluded_reason FROM round_sites WHERE round_id = ? AND site_id = ?')
      .pluck()
      .get(roundId, siteId) as string | null | undefined) ?? null
  );
}

export interface AssignmentRow {
  site_id: number;
  site_name: string;
  site_type: string;
  /** the site type's name (公园, 农贸市场 …) */
  site_type_name: string;
  street_id: number;
  street_name: string;
  community_id: number | null;
  community_name: string | null;
  inspector_id: number | null;
  excluded_reason: string | null;
  status: string | null;
}

/** Every site of a round with its assignment and sheet status, in 镇街 → 社区 order. */
export function roundAssignments(db: Db, roundId: number): AssignmentRow[] {
  return db
    .prepare(
      `SELECT s.id AS site_id, s.name AS site_name, s.site_type, t.name AS site_type_name, st.id AS street_id,
              st.name AS street_name, c.id AS community_id, c.name AS community_name, a.inspector_id,
              r.excluded_reason, i.status
       FROM round_sites r JOIN sites s ON s.id = r.site_id JOIN site_types t ON t.code = s.site_type
       JOIN streets st ON st.id = s.street_id
       LEFT JOIN communities c ON c.id = s.community_id
       LEFT JOIN assignments a ON a.round_id = r.round_id AND a.site_id = r.site_id
       LEFT JOIN inspections i ON i.round_id = r.round_id AND i.site_id = r.site_id
       WHERE r.round_id = ? ORDER BY st.id, c.id IS NOT NULL, c.id, s.id`,
    )
    .all(roundId) as AssignmentRow[];
}

export interface ProgressRow {
  key: number;
  name: string;
  sites: number;
  assigned: number;
  in_progress: number;
  submitted: number;
  approved: number;
}

/** Progress per inspector (assigned, in progress, submitted, approved) on the included sites. */
export function progressByInspector(db: Db, roundId: number): ProgressRow[] {
  return db
    .prepare(
      `SELECT u.id AS key, u.display_name AS name, count(*) AS sites, count(*) AS assigned,
              coalesce(sum(i.status IN ('draft', 'returned')), 0) AS in_progress,
              coalesce(sum(i.status = 'submitted'), 0) AS submitted, coalesce(sum(i.status = 'approved'), 0) AS approved
       FROM assignments a JOIN users u ON u.id = a.inspector_id
       JOIN round_sites r ON r.round_id = a.round_id AND r.site_id = a.site_id AND r.excluded_reason IS NULL
       LEFT JOIN inspections i ON i.round_id = a.round_id AND i.site_id = a.site_id
       WHERE a.round_id = ? GROUP BY u.id ORDER BY u.id`,
    )
    .all(roundId) as ProgressRow[];
}

/** Progress per 镇街 over its included sites. */
export function progressByStreet(db: Db, roundId: number): ProgressRow[] {
  return db
    .prepare(
      `SELECT st.id AS key, st.name AS name, count(*) AS sites, count(a.site_id) AS assigned,
              coalesce(sum(i.status IN ('draft', 'returned')), 0) AS in_progress,
              coalesce(sum(i.status = 'submitted'), 0) AS submitted, coalesce(sum(i.status = 'approved'), 0) AS approved
       FROM round_sites r JOIN sites s ON s.id = r.site_id JOIN streets st ON st.id = s.street_id
       LEFT JOIN assignments a ON a.round_id = r.round_id AND a.site_id = r.site_id
       LEFT JOIN inspections i ON i.round_id = r.round_id AND i.site_id = r.site_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL GROUP BY st.id ORDER BY st.id`,
    )
    .all(roundId) as ProgressRow[];
}

/** An open round near or past its end with the included sites whose sheet is not submitted yet. */
export interface ClosingRoundRow {
  id: number;
  name: string;
  ends_on: string;
  /** included sites with no sheet, a sheet being filled in, or a returned sheet */
  unfinished: number;
}

/** Open rounds ending on or before `until` that still have unfinished sheets, the soonest first. */
export function closingRounds(db: Db, until: string): ClosingRoundRow[] {
  return db
    .prepare(
      `SELECT r.id, r.name, r.ends_on, count(*) AS unfinished
       FROM rounds r JOIN round_sites rs ON rs.round_id = r.id AND rs.excluded_reason IS NULL
       LEFT JOIN inspections i ON i.round_id = rs.round_id AND i.site_id = rs.site_id
       WHERE r.status = 'open' AND r.ends_on <= ? AND (i.status IS NULL OR i.status IN ('draft', 'returned'))
       GROUP BY r.id ORDER BY r.ends_on, r.id`,
    )
    .all(until) as ClosingRoundRow[];
}
