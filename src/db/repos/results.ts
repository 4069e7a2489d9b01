/** The rows a round's results are computed from: its included sites, the answers that count, earlier rounds. */
import type { Db } from '../connection.ts';
import type { InspectionStatus } from './inspections.ts';
import type { RoundRow } from './rounds.ts';
import type { RoundSite } from '../../scoring/aggregate.ts';

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

/**
 * The round's included sites as the scoring takes them (scoring/aggregate.ts RoundSite), in the same
 * order; read as arrays (a ranking reads two rounds' 3,000 sites each, and named rows cost twice as much).
 */
export function roundSites(db: Db, roundId: number): RoundSite[] {
  const rows = db
    .prepare(
      `SELECT s.id, s.name, s.site_type, s.street_id, s.community_id
       FROM round_sites r JOIN sites s ON s.id = r.site_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL ORDER BY s.street_id, s.community_id, s.id`,
    )
    .raw()
    .all(roundId) as [number, string, string, number, number | null][];
  const sites = new Array<RoundSite>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [id, name, siteType, streetId, communityId] = rows[i]!;
    sites[i] = { id, name, siteType, streetId, communityId };
  }
  return sites;
}

export interface CountedAnswer {
  siteId: number;
  standard: string;
  result: 'ok' | 'fail' | 'na';
  cases: number;
  fixedCases: number;
}

/**
 * Answers of the round's sheets in the given statuses, at the given (included) sites. A city round is
 * ≈60,000 answers and this is most of the time a ranking takes: SQLite finds them in a few milliseconds,
 * but handing them over row by row costs ≈1.5 µs a row, so they come as one JSON array of arrays
 * (json_group_array), parsed at native speed — about half the time of a row-by-row read.
 */
export function countedAnswers(
  db: Db,
  roundId: number,
  statuses: InspectionStatus[],
  siteIds: ReadonlySet<number>,
): CountedAnswer[] {
  const json = db
    .prepare(
      `SELECT json_group_array(json_array(i.site_id, a.standard_code, a.result, a.cases, a.fixed_cases))
       FROM inspections i JOIN answers a ON a.inspection_id = i.id
       WHERE i.round_id = ? AND i.status IN (${statuses.map(() => '?').join(', ')})`,
    )
    .pluck()
    .get(roundId, ...statuses) as string;
  const rows = JSON.parse(json) as [number, string, CountedAnswer['result'], number, number][];
  const answers: CountedAnswer[] = [];
  for (const r of rows)
    if (siteIds.has(r[0]))
      answers.push({ siteId: r[0], standard: r[1], result: r[2], cases: r[3], fixedCases: r[4] });
  return answers;
}

/**
 * What a round's results depend on, as one string that changes whenever they may: the round's state,
 * its sites and exclusions, and its sheets' statuses and revisions (every change to an answer raises
 * its sheet's revision; imports add sheets). With the places' generation (renames, moves) it keys the
 * results cache.
 */
export function resultsFingerprint(db: Db, roundId: number): string {
  return db
    .prepare(
      `SELECT r.status || ':' || coalesce(r.published_at, '') || ':' ||
         (SELECT count(*) || ':' || count(excluded_reason) FROM round_sites WHERE round_id = r.id) || ':' ||
         (SELECT count(*) || ':' || total(revision) || ':' || total(status = 'approved') || ':' ||
                 total(status = 'submitted') FROM inspections WHERE round_id = r.id)
       FROM rounds r WHERE r.id = ?`,
    )
    .pluck()
    .get(roundId) as string;
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
              r.opened_at, r.closed_at, r.published_at, r.methods, r.questionnaire_id
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
              r.opened_at, r.closed_at, r.published_at, r.methods, r.questionnaire_id
       FROM rounds r JOIN criteria_versions v ON v.id = r.criteria_version_id
       WHERE v.family = ? AND r.status IN ('open', 'closed', 'published') ORDER BY r.starts_on, r.id`,
    )
    .all(family) as RoundRow[];
}

/** `siteId:standard` of every failed answer in a round's approved sheets (the next round's repeats). */
export function deductionKeys(db: Db, roundId: number): Set<string> {
  const json = db
    .prepare(
      `SELECT json_group_array(i.site_id || ':' || a.standard_code)
       FROM inspections i JOIN answers a ON a.inspection_id = i.id
       WHERE i.round_id = ? AND i.status = 'approved' AND a.result = 'fail'`,
    )
    .pluck()
    .get(roundId) as string;
  return new Set(JSON.parse(json) as string[]);
}

/** What a round's totals read of each document task (no unit: the totals do not need it), in id order. */
export interface CountableTaskRow {
  id: number;
  standard_code: string;
  level: 'community' | 'street' | 'department' | 'district';
  community_id: number | null;
  street_id: number | null;
  status: 'pending' | 'submitted' | 'returned' | 'scored';
  due_on: string;
  extended_to: string | null;
  result: 'ok' | 'fail' | null;
  cases: number;
}

/** Read as arrays, as roundSites reads its sites: a city round's ≈ 1,900 tasks as named rows cost twice as much. */
export function countableTasks(db: Db, roundId: number): CountableTaskRow[] {
  const rows = db
    .prepare(
      `SELECT id, standard_code, level, community_id, street_id, status, due_on, extended_to, result, cases
       FROM document_tasks WHERE round_id = ? ORDER BY id`,
    )
    .raw()
    .all(roundId) as [
    number,
    string,
    CountableTaskRow['level'],
    number | null,
    number | null,
    CountableTaskRow['status'],
    string,
    string | null,
    CountableTaskRow['result'],
    number,
  ][];
  const tasks = new Array<CountableTaskRow>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    tasks[i] = {
      id: r[0],
      standard_code: r[1],
      level: r[2],
      community_id: r[3],
      street_id: r[4],
      status: r[5],
      due_on: r[6],
      extended_to: r[7],
      result: r[8],
      cases: r[9],
    };
  }
  return tasks;
}

/**
 * What a results cache key counts besides the rounds' own fingerprints: the generations of places and of
 * rounds' sites (raised by triggers on every change, migrations 008 and 018), as one string.
 */
export function resultsGeneration(db: Db): string {
  return db
    .prepare(
      "SELECT group_concat(n, '.') FROM (SELECT n FROM change_counters WHERE name IN ('places', 'round_sites') ORDER BY name)",
    )
    .pluck()
    .get() as string;
}
