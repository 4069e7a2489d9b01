/**
 * answers.revision: the sheet revision at which the tablet last saved each answer (migration 007). The
 * tablet's save stamps it in its answer upsert (inspections.ts `upsertAnswers` with a revision); only a
 * stale save reads them back, here.
 */
import type { Db } from '../connection.ts';

/** The revision of each of these answers that exists. */
export function answerRevisions(db: Db, inspectionId: number, codes: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let at = 0; at < codes.length; at += 100) {
    const chunk = codes.slice(at, at + 100);
    const rows = db
      .prepare(
        `SELECT standard_code, revision FROM answers WHERE inspection_id = ? AND standard_code IN (${chunk.map(() => '?').join(', ')})`,
      )
      .all(inspectionId, ...chunk) as { standard_code: string; revision: number }[];
    for (const r of rows) out.set(r.standard_code, r.revision);
  }
  return out;
}
