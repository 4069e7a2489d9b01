/** inspections (one scoring sheet per site and round) and their per-standard answers. */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';
import type { Grade } from '../../criteria/schema.ts';

export type InspectionStatus = 'draft' | 'submitted' | 'returned' | 'approved';

export interface InspectionRow {
  id: number;
  round_id: number;
  site_id: number;
  inspector_id: number | null;
  status: InspectionStatus;
  revision: number;
  source: string;
  opened_lat: number | null;
  opened_lng: number | null;
  started_at: string;
  submitted_at: string | null;
  returned_at: string | null;
  returned_reason: string | null;
  approved_at: string | null;
}

const COLUMNS = `id, round_id, site_id, inspector_id, status, revision, source, opened_lat, opened_lng, started_at,
  submitted_at, returned_at, returned_reason, approved_at`;

export interface AnswerRow {
  inspection_id: number;
  standard_code: string;
  result: 'ok' | 'fail' | 'na';
  cases: number;
  fixed_cases: number;
  grade: Grade | null;
  note: string;
  corrected: number;
  updated_at: string;
  updated_by: number | null;
}

const ANSWER_COLUMNS =
  'inspection_id, standard_code, result, cases, fixed_cases, grade, note, corrected, updated_at, updated_by';

export function findInspection(db: Db, roundId: number, siteId: number): InspectionRow | undefined {
  return db
    .prepare(`SELECT ${COLUMNS} FROM inspections WHERE round_id = ? AND site_id = ?`)
    .get(roundId, siteId) as InspectionRow | undefined;
}

export function insertInspection(
  db: Db,
  roundId: number,
  siteId: number,
  inspectorId: number | null,
): InspectionRow {
  db.prepare(
    `INSERT INTO inspections (round_id, site_id, inspector_id, status, revision, started_at) VALUES (?, ?, ?, 'draft', 0, ?)`,
  ).run(roundId, siteId, inspectorId, nowIso());
  return findInspection(db, roundId, siteId) as InspectionRow;
}

export function bumpRevision(db: Db, id: number): number {
  return db
    .prepare('UPDATE inspections SET revision = revision + 1 WHERE id = ? RETURNING revision')
    .pluck()
    .get(id) as number;
}

export function markSubmitted(db: Db, id: number): void {
  db.prepare(
    "UPDATE inspections SET status = 'submitted', submitted_at = ?, revision = revision + 1 WHERE id = ?",
  ).run(nowIso(), id);
}

export function markReturned(db: Db, id: number, reason: string): void {
  db.prepare(
    "UPDATE inspections SET status = 'returned', returned_at = ?, returned_reason = ?, revision = revision + 1 WHERE id = ?",
  ).run(nowIso(), reason, id);
}

export function setOpenedLocation(db: Db, id: number, lat: number, lng: number): void {
  db.prepare('UPDATE inspections SET opened_lat = ?, opened_lng = ? WHERE id = ?').run(lat, lng, id);
}

export function listAnswers(db: Db, inspectionId: number): AnswerRow[] {
  return db
    .prepare(`SELECT ${ANSWER_COLUMNS} FROM answers WHERE inspection_id = ? ORDER BY standard_code`)
    .all(inspectionId) as AnswerRow[];
}

/** The answers of some standards of a sheet (what a save is about to overwrite). */
export function listAnswersOf(db: Db, inspectionId: number, codes: readonly string[]): AnswerRow[] {
  const distinct = [...new Set(codes)];
  // a whole sheet's worth is read in one scan; a few are looked up by key
  if (distinct.length > 16) return listAnswers(db, inspectionId);
  if (distinct.length === 0) return [];
  return db
    .prepare(
      `SELECT ${ANSWER_COLUMNS} FROM answers
       WHERE inspection_id = ? AND standard_code IN (${distinct.map(() => '?').join(', ')})`,
    )
    .all(inspectionId, ...distinct) as AnswerRow[];
}

export interface AnswerWrite {
  standardCode: string;
  result: 'ok' | 'fail' | 'na';
  cases: number;
  fixedCases: number;
  grade: Grade | null;
  note: string;
}

const UPSERT_HEAD = `INSERT INTO answers (inspection_id, standard_code, result, cases, fixed_cases, grade, note, corrected, updated_at, updated_by)
     VALUES `;
const UPSERT_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const UPSERT_TAIL = `
     ON CONFLICT(inspection_id, standard_code) DO UPDATE SET result = excluded.result, cases = excluded.cases,
       fixed_cases = excluded.fixed_cases, grade = excluded.grade, note = excluded.note,
       corrected = max(answers.corrected, excluded.corrected), updated_at = excluded.updated_at, updated_by = excluded.updated_by`;
/** Rows per statement: a save of a whole sheet is one or two statements instead of one per answer. */
const UPSERT_CHUNK = 32;
const upsertSql = Array.from(
  { length: UPSERT_CHUNK + 1 },
  (_, n) => UPSERT_HEAD + Array.from({ length: n }, () => UPSERT_ROW).join(', ') + UPSERT_TAIL,
);
/** The same, stamping answers.revision too (the tablet's saves: one statement instead of a second UPDATE). */
const upsertStampedSql = upsertSql.map((sql) =>
  sql
    .replace('updated_at, updated_by)', 'updated_at, updated_by, revision)')
    .replaceAll(UPSERT_ROW, '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .replace(
      'updated_by = excluded.updated_by',
      'updated_by = excluded.updated_by, revision = excluded.revision',
    ),
);

export function upsertAnswer(
  db: Db,
  inspectionId: number,
  a: AnswerWrite,
  by: number,
  corrected = false,
): void {
  upsertAnswers(db, inspectionId, [a], by, corrected);
}

/**
 * Writes answers in order (a later write to the same standard wins, as one statement after another
 * would), several rows to a statement, all with one timestamp. `revision` (the tablet's saves) also
 * stamps answers.revision with the sheet revision the save produced; without it the column is left
 * as it was.
 */
export function upsertAnswers(
  db: Db,
  inspectionId: number,
  writes: readonly AnswerWrite[],
  by: number,
  corrected = false,
  revision?: number,
): void {
  const at = nowIso();
  const sql = revision === undefined ? upsertSql : upsertStampedSql;
  for (let start = 0; start < writes.length; start += UPSERT_CHUNK) {
    const chunk = writes.slice(start, start + UPSERT_CHUNK);
    const args: unknown[] = [];
    for (const a of chunk) {
      args.push(
        inspectionId,
        a.standardCode,
        a.result,
        a.cases,
        a.fixedCases,
        a.grade,
        a.note,
        corrected ? 1 : 0,
        at,
        by,
      );
      if (revision !== undefined) args.push(revision);
    }
    db.prepare(sql[chunk.length]!).run(...args);
  }
}

/** Per site of a round: sheet status and answered count, for an inspector's list. */
export interface SheetProgressRow {
  site_id: number;
  status: InspectionStatus | null;
  answered: number;
  returned_reason: string | null;
  /** the sheet's revision (0 without a sheet): what a tablet's own record of it is compared with */
  revision: number;
}

export function sheetProgress(db: Db, roundId: number, inspectorId: number): SheetProgressRow[] {
  return db
    .prepare(
      `SELECT a.site_id, i.status, (SELECT count(*) FROM answers x WHERE x.inspection_id = i.id) AS answered,
              CASE i.status WHEN 'returned' THEN i.returned_reason END AS returned_reason,
              coalesce(i.revision, 0) AS revision
       FROM assignments a LEFT JOIN inspections i ON i.round_id = a.round_id AND i.site_id = a.site_id
       WHERE a.round_id = ? AND a.inspector_id = ?`,
    )
    .all(roundId, inspectorId) as SheetProgressRow[];
}

/** An inspector's sheet in a round as the tablet keeps it offline: what changes its page, its photos' ids. */
export interface OfflineSheetRow {
  site_id: number;
  revision: number;
  status: InspectionStatus;
  /** JSON array of the sheet's photo ids (not deleted), in id order */
  photo_ids: string;
}

/** The sheets of the sites assigned to an inspector in a round (sites without a sheet have no row). */
export function offlineSheetRows(db: Db, roundId: number, inspectorId: number): OfflineSheetRow[] {
  return db
    .prepare(
      `SELECT i.site_id, i.revision, i.status,
              (SELECT json_group_array(id) FROM (SELECT p.id FROM photos p
                 WHERE p.inspection_id = i.id AND p.deleted_at IS NULL ORDER BY p.id)) AS photo_ids
       FROM assignments a JOIN inspections i ON i.round_id = a.round_id AND i.site_id = a.site_id
       WHERE a.round_id = ? AND a.inspector_id = ?`,
    )
    .all(roundId, inspectorId) as OfflineSheetRow[];
}

export function markApproved(db: Db, id: number, by: number): void {
  db.prepare(
    "UPDATE inspections SET status = 'approved', approved_at = ?, approved_by = ?, revision = revision + 1 WHERE id = ?",
  ).run(nowIso(), by, id);
}

export interface SubmissionRow {
  inspection_id: number;
  site_id: number;
  site_name: string;
  site_type: string;
  street_name: string;
  community_name: string | null;
  inspector_name: string | null;
  status: InspectionStatus;
  submitted_at: string | null;
  answered: number;
  failed: number;
  photos: number;
  flagged: number;
}

/** The sheets of a round for review, optionally of one status. */
export function listSubmissions(db: Db, roundId: number, status: InspectionStatus | null): SubmissionRow[] {
  return db
    .prepare(
      `SELECT i.id AS inspection_id, s.id AS site_id, s.name AS site_name, s.site_type, st.name AS street_name,
              c.name AS community_name, u.display_name AS inspector_name, i.status, i.submitted_at,
              (SELECT count(*) FROM answers a WHERE a.inspection_id = i.id) AS answered,
              (SELECT count(*) FROM answers a WHERE a.inspection_id = i.id AND a.result = 'fail') AS failed,
              (SELECT count(*) FROM photos p WHERE p.inspection_id = i.id AND p.deleted_at IS NULL) AS photos,
              (SELECT count(*) FROM photos p WHERE p.inspection_id = i.id AND p.deleted_at IS NULL AND p.flags <> '[]') AS flagged
       FROM inspections i JOIN sites s ON s.id = i.site_id JOIN streets st ON st.id = s.street_id
       LEFT JOIN communities c ON c.id = s.community_id LEFT JOIN users u ON u.id = i.inspector_id
       WHERE i.round_id = ? AND (? IS NULL OR i.status = ?)
       ORDER BY CASE i.status WHEN 'submitted' THEN 0 WHEN 'returned' THEN 1 WHEN 'draft' THEN 2 ELSE 3 END, i.submitted_at, s.id`,
    )
    .all(roundId, status, status) as SubmissionRow[];
}

/** A sheet that arrives whole from outside (a third-party firm, typed-in paper sheets), marked with its source. */
export function insertImportedInspection(
  db: Db,
  roundId: number,
  siteId: number,
  source: string,
  by: number,
): InspectionRow {
  const at = nowIso();
  db.prepare(
    `INSERT INTO inspections (round_id, site_id, inspector_id, status, revision, source, started_at, submitted_at, approved_at, approved_by)
     VALUES (?, ?, NULL, 'approved', 1, ?, ?, ?, ?, ?)`,
  ).run(roundId, siteId, source, at, at, at, by);
  return findInspection(db, roundId, siteId) as InspectionRow;
}

export function findInspectionById(db: Db, id: number): InspectionRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM inspections WHERE id = ?`).get(id) as InspectionRow | undefined;
}

/** Per open round, the sheets submitted and waiting for the office's review. */
export function submittedByOpenRound(db: Db): { round_id: number; round_name: string; submitted: number }[] {
  return db
    .prepare(
      `SELECT r.id AS round_id, r.name AS round_name, count(*) AS submitted
       FROM inspections i JOIN rounds r ON r.id = i.round_id
       WHERE r.status = 'open' AND i.status = 'submitted' GROUP BY r.id ORDER BY r.ends_on, r.id`,
    )
    .all() as { round_id: number; round_name: string; submitted: number }[];
}
