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
}

const COLUMNS =
  'id, name, criteria_version_id, starts_on, ends_on, status, selection, created_at, opened_at, closed_at, published_at';

export interface NewRound {
  name: string;
  criteriaVersionId: number;
  startsOn: string;
  endsOn: string;
  selection: unknown;
  createdBy: number | null;
}

export function insertRound(db: Db, r: NewRound): number {
  return Number(
    db
      .prepare(
        `INSERT INTO rounds (name, criteria_version_id, starts_on, ends_on, status, selection, created_by, created_at)
         VALUES (?, ?, ?, ?, 'draft', ?, ?, ?)`,
      )
      .run(
        r.name,
        r.criteriaVersionId,
        r.startsOn,
        r.endsOn,
        JSON.stringify(r.selection),
        r.createdBy,
        nowIso(),
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

export function roundCounts(db: Db, roundId: number): { sites: number; assigned: number } {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM round_sites WHERE round_id = ? AND excluded_reason IS NULL) AS sites,
              (SELECT count(*) FROM assignments WHERE round_id = ?) AS assigned`,
    )
    .get(roundId, roundId) as { sites: number; assigned: number };
}

/** The sites assigned to an inspector in a round, with names for display. */
export interface AssignedSiteRow {
  site_id: number;
  site_name: string;
  site_type: string;
  street_name: string;
  community_name: string | null;
}

export function assignedSites(db: Db, roundId: number, inspectorId: number): AssignedSiteRow[] {
  return db
    .prepare(
      `SELECT s.id AS site_id, s.name AS site_name, s.site_type, st.name AS street_name, c.name AS community_name
       FROM assignments a JOIN sites s ON s.id = a.site_id JOIN streets st ON st.id = s.street_id
       LEFT JOIN communities c ON c.id = s.community_id
       WHERE a.round_id = ? AND a.inspector_id = ? ORDER BY st.id, c.id, s.id`,
    )
    .all(roundId, inspectorId) as AssignedSiteRow[];
}
