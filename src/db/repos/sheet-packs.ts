/**
 * Sheet packs (#22, migration 017): each counted sheet's answers in one short string, so a ranking reads a
 * round as ≈3,000 rows instead of ≈60,000 answer rows (docs/design/22-rankings.md).
 *
 * A pack holds answers, never scores: 4 characters per answer, each a value + 1 (no NUL in the text) —
 * the standard's index in the criteria version's order, the result (ok 0, fail 1, 不适用 2), cases and
 * fixed cases — in version order. It is valid for the sheet's revision and criteria version it was made
 * from: every answer write raises its sheet's revision in the same transaction (the results cache relies on
 * it too), so a pack whose revision differs is stale. Missing and stale packs are rebuilt when read, all in
 * one statement that reads the answers and the revision together and writes the packs. A sheet with a value that
 * cannot be packed (≥ 0xD000, where UTF-16 surrogates begin) or an answer to a standard its version does
 * not have gets a NULL pack and is always read from `answers`.
 */
import { cannotWrite, type Db } from '../connection.ts';
import type { InspectionStatus } from './inspections.ts';
import type { FlatAnswers } from '../../scoring/flat.ts';
import type { Result } from '../../scoring/standard.ts';

/** the first value a pack cannot hold (+ 1 included) */
export const PACK_LIMIT = 0xd000;
const RESULT_CODE: Readonly<Record<Result, number>> = { ok: 0, fail: 1, na: 2 };

export interface SheetAnswerRow {
  standard: string;
  result: Result;
  cases: number;
  fixedCases: number;
}

/** A counted sheet: its answers packed, or (pack null) as rows. */
export interface RoundSheet {
  id: number;
  siteId: number;
  pack: string | null;
  rows: SheetAnswerRow[] | null;
}

/**
 * The round's sheets in the given statuses with their answers, packed for the criteria version whose
 * standards are `codes` (in version order). Missing or stale packs are rebuilt and written back.
 */
export function roundSheets(
  db: Db,
  roundId: number,
  versionId: number,
  codes: readonly string[],
  statuses: readonly InspectionStatus[],
): RoundSheet[] {
  const read = () =>
    db
      .prepare(
        `SELECT i.id, i.site_id, p.revision IS i.revision AND p.criteria_version_id IS ? AS fresh, p.pack
         FROM inspections i LEFT JOIN sheet_packs p ON p.inspection_id = i.id
         WHERE i.round_id = ? AND i.status IN (${statuses.map(() => '?').join(', ')})`,
      )
      .raw()
      .all(versionId, roundId, ...statuses) as [number, number, number, string | null][];
  let rows = read();
  const stale = rows.filter((r) => !r[2]).map((r) => r[0]);
  let unwritten = false;
  if (stale.length > 0) {
    try {
      rebuildPacks(db, stale, versionId, codes);
      rows = read();
    } catch (err) {
      // a database another process is writing to (busy past the timeout) or opened read-only: the
      // results are still computed, the stale sheets read from `answers` this time
      if (!cannotWrite(err)) throw err;
      unwritten = true;
    }
  }
  const sheets: RoundSheet[] = new Array<RoundSheet>(rows.length);
  const unpacked: number[] = [];
  rows.forEach(([id, siteId, fresh, pack], k) => {
    const usable = fresh || !unwritten ? pack : null;
    sheets[k] = { id, siteId, pack: usable, rows: null };
    if (usable === null) unpacked.push(k);
  });
  if (unpacked.length > 0) {
    const answers = answersOf(
      db,
      unpacked.map((k) => sheets[k]!.id),
    );
    for (const k of unpacked) sheets[k]!.rows = answers.get(sheets[k]!.id) ?? [];
  }
  return sheets;
}

/** The answers of the given sheets, by sheet. */
function answersOf(db: Db, ids: readonly number[]): Map<number, SheetAnswerRow[]> {
  const rows = db
    .prepare(
      `SELECT inspection_id, standard_code, result, cases, fixed_cases FROM answers
       WHERE inspection_id IN (SELECT value FROM json_each(?))`,
    )
    .raw()
    .all(JSON.stringify(ids)) as [number, string, Result, number, number][];
  const bySheet = new Map<number, SheetAnswerRow[]>();
  for (const [id, standard, result, cases, fixedCases] of rows) {
    let list = bySheet.get(id);
    if (!list) bySheet.set(id, (list = []));
    list.push({ standard, result, cases, fixedCases });
  }
  return bySheet;
}

/**
 * Packs the given sheets from their answers and writes the packs back, in one statement: the answers
 * and the revision are read together, so a pack never carries a revision its answers are not from. The
 * version's codes are numbered in a materialised table (SQLite indexes it for the join). A sheet with an
 * answer to a standard not in `codes`, or a value a pack cannot hold, gets a NULL pack.
 */
export function rebuildPacks(
  db: Db,
  ids: readonly number[],
  versionId: number,
  codes: readonly string[],
): void {
  const limit = PACK_LIMIT - 1;
  db.prepare(
    `WITH codes(code, idx) AS MATERIALIZED (SELECT value, key FROM json_each(?))
     INSERT OR REPLACE INTO sheet_packs (inspection_id, revision, criteria_version_id, pack)
     SELECT i.id, i.revision, ?,
       CASE WHEN count(a.standard_code) = count(c.idx) AND coalesce(max(a.cases), 0) < ${limit}
              AND coalesce(max(c.idx), 0) < ${limit}
       THEN coalesce(group_concat(char(c.idx + 1, CASE a.result WHEN 'ok' THEN 1 WHEN 'fail' THEN 2 ELSE 3 END,
                                       a.cases + 1, a.fixed_cases + 1), '' ORDER BY c.idx), '')
       END
     FROM inspections i LEFT JOIN answers a ON a.inspection_id = i.id LEFT JOIN codes c ON c.code = a.standard_code
     WHERE i.id IN (SELECT value FROM json_each(?))
     GROUP BY i.id`,
  ).run(JSON.stringify(codes), versionId, JSON.stringify(ids));
}

/**
 * The answers of the sheets at the given sites as FlatAnswers (sites[i]'s answers in version order);
 * sheets of other sites are left out. `standards` are the version's codes in order.
 */
export function flatFromSheets(
  sheets: readonly RoundSheet[],
  sites: readonly { id: number }[],
  codes: readonly string[],
): FlatAnswers {
  const siteIndex = new Map<number, number>();
  sites.forEach((s, i) => siteIndex.set(s.id, i));
  const order = new Map<string, number>();
  for (const code of codes) order.set(code, order.size);
  const nSites = sites.length;
  const sheetOf = new Int32Array(nSites).fill(-1);
  const count = new Int32Array(nSites);
  sheets.forEach((sheet, k) => {
    const i = siteIndex.get(sheet.siteId);
    if (i === undefined) return;
    if (sheetOf[i] !== -1) throw new Error(`点位 ${sheet.siteId} 在本轮中有两份答卷`);
    sheetOf[i] = k;
    count[i] = sheet.pack !== null ? sheet.pack.length >> 2 : sheet.rows!.length;
  });
  const start = new Int32Array(nSites + 1);
  for (let i = 0; i < nSites; i++) start[i + 1] = start[i]! + count[i]!;
  const n = start[nSites]!;
  const flat: FlatAnswers = {
    start,
    standard: new Int32Array(n),
    result: new Uint8Array(n),
    cases: new Float64Array(n),
    fixed: new Float64Array(n),
  };
  for (let i = 0; i < nSites; i++) {
    if (sheetOf[i] === -1) continue;
    const sheet = sheets[sheetOf[i]!]!;
    let at = start[i]!;
    const pack = sheet.pack;
    if (pack !== null) {
      for (let c = 0; c < pack.length; c += 4, at++) {
        flat.standard[at] = pack.charCodeAt(c) - 1;
        flat.result[at] = pack.charCodeAt(c + 1) - 1;
        flat.cases[at] = pack.charCodeAt(c + 2) - 1;
        flat.fixed[at] = pack.charCodeAt(c + 3) - 1;
      }
      continue;
    }
    const rows = sheet.rows!.map((a) => {
      const s = order.get(a.standard);
      if (s === undefined) throw new Error(`答卷的测评标准 ${a.standard} 不在本轮的测评体系中`);
      return { s, a };
    });
    rows.sort((x, y) => x.s - y.s);
    for (const { s, a } of rows) {
      flat.standard[at] = s;
      flat.result[at] = RESULT_CODE[a.result];
      flat.cases[at] = a.cases;
      flat.fixed[at] = a.fixedCases;
      at++;
    }
  }
  return flat;
}

/**
 * The repeat bitmap of a round (its sites × its version's standards, `codes`) from the failed answers
 * of its previous round's sheets (`prevSheets`, packed for the previous version's `prevCodes`): as
 * deductionKeys gives them, every approved sheet of that round counts, included or not.
 */
export function repeatsFromSheets(
  prevSheets: readonly RoundSheet[],
  prevCodes: readonly string[],
  sites: readonly { id: number }[],
  codes: readonly string[],
): Uint8Array {
  const siteIndex = new Map<number, number>();
  sites.forEach((s, i) => siteIndex.set(s.id, i));
  const order = new Map<string, number>();
  for (const code of codes) order.set(code, order.size);
  const nStd = codes.length;
  // the previous version's index → this version's (−1: not in it)
  const mapped = new Int32Array(prevCodes.length).fill(-1);
  prevCodes.forEach((code, k) => (mapped[k] = order.get(code) ?? -1));
  const bits = new Uint8Array(sites.length * nStd);
  const FAIL = RESULT_CODE.fail + 1;
  for (const sheet of prevSheets) {
    const i = siteIndex.get(sheet.siteId);
    if (i === undefined) continue;
    const pack = sheet.pack;
    if (pack !== null) {
      for (let c = 1; c < pack.length; c += 4) {
        if (pack.charCodeAt(c) !== FAIL) continue;
        const s = mapped[pack.charCodeAt(c - 1) - 1];
        if (s !== undefined && s >= 0) bits[i * nStd + s] = 1;
      }
      continue;
    }
    for (const a of sheet.rows!) {
      if (a.result !== 'fail') continue;
      const s = order.get(a.standard);
      if (s !== undefined) bits[i * nStd + s] = 1;
    }
  }
  return bits;
}
