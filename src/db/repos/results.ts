/** The rows a round's results are computed from: its included sites, the answers that count, earlier rounds. */
import type { Db } from '../connection.ts';
import type { InspectionStatus } from './inspections.ts';
import type { RoundRow } from './rounds.ts';

export interface ResultSiteRow {
  id: number;
  name: string;
  site_type: string;
  street_id: number;
  community_id: number | null;
  responsible_unit_id: number | null;
}

export function includedSites(db: Db, roundId: number): ResultSiteRow[] {
  return db
    .prepare(
      `SELECT s.id, s.name, s.site_type, s.street_id, s.community_id, s.responsible_unit_id
       FROM round_sites r JOIN sites s ON s.id = r.site_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL ORDER BY s.street_id, s.community_id, s.id`,
    )
    .all(roundId) as ResultSiteRow[];
}

export interface CountedAnswerRow {
  site_id: number;
  standard_code: string;
  result: 'ok' | 'fail' | 'na';
  cases: number;
  fixed_cases: number;
}

/** Answers of the round's sheets in the given statuses, at included sites. */
export function countedAnswers(db: Db, roundId: number, statuses: InspectionStatus[]): CountedAnswerRow[] {
  return db
    .prepare(
      `SELECT i.site_id, a.standard_code, a.result, a.cases, a.fixed_cases
       FROM inspections i JOIN answers a ON a.inspection_id = i.id
       JOIN round_sites r ON r.round_id = i.round_id AND r.site_id = i.site_id AND r.excluded_reason IS NULL
       WHERE i.round_id = ? AND i.status IN (SELECT value FROM json_each(?))`,
    )
    .all(roundId, JSON.stringify(statuses)) as CountedAnswerRow[];
}

/** Sheets counted per status, for the page's 暂定 note. */
export function sheetCounts(db: Db, roundId: number): Record<string, number> {
  const rows = db
    .prepare('SELECT status, count(*) AS n FROM inspections WHERE round_id = ? GROUP BY status')
    .all(roundId) as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** The latest final (closed or published) round of the same criteria family that started before this one. */
export function previousRound(db: Db, round: RoundRow): RoundRow | undefined {
  return db
    .prepare(
      `SELECT r.id, r.name, r.criteria_version_id, r.starts_on, r.ends_on, r.status, r.selection, r.created_at,
              r.opened_at, r.closed_at, r.published_at
       FROM rounds r JOIN criteria_versions v ON v.id = r.criteria_version_id
       WHERE v.family = (SELECT family FROM criteria_versions WHERE id = ?) AND r.id <> ?
         AND r.status IN ('closed', 'published') AND (r.starts_on < ? OR (r.starts_on = ? AND r.id < ?))
       ORDER BY r.starts_on DESC, r.id DESC LIMIT 1`,
    )
    .get(round.criteria_version_id, round.id, round.starts_on, round.starts_on, round.id) as
    RoundRow | undefined;
}

/** Final rounds of one criteria family in date order, for trends. */
export function familyRounds(db: Db, family: string): RoundRow[] {
  return db
    .prepare(
      `SELECT r.id, r.name, r.criteria_version_id, r.starts_on, r.ends_on, r.status, r.selection, r.created_at,
              r.opened_at, r.closed_at, r.published_at
       FROM rounds r JOIN criteria_versions v ON v.id = r.criteria_version_id
       WHERE v.family = ? AND r.status IN ('open', 'closed', 'published') ORDER BY r.starts_on, r.id`,
    )
    .all(family) as RoundRow[];
}

/** `siteId:standard` of every failed answer in a round's approved sheets (the next round's repeats). */
export function deductionKeys(db: Db, roundId: number): Set<string> {
  const rows = db
    .prepare(
      `SELECT i.site_id || ':' || a.standard_code FROM inspections i JOIN answers a ON a.inspection_id = i.id
       WHERE i.round_id = ? AND i.status = 'approved' AND a.result = 'fail'`,
    )
    .pluck()
    .all(roundId) as string[];
  return new Set(rows);
}
