/**
 * What waits on whom over problems, as the home pages count it: the office's queue, an inspector's fixes
 * to re-inspect, the office's answers to a unit's requests, and the years working-day deadlines fall in
 * (the office home's calendar warning). Aggregates over many problems, apart
 * from problems.ts, which reads and writes one problem and its history.
 */
import type { Db } from '../connection.ts';
import { OVERDUE_WHERE, overdueParams } from './problems.ts';

/**
 * The office's work queue on problems: open requests by kind, overdue and waiting for 复查 — every
 * source's (a fixed document problem waits for the office's review of its corrected documents).
 */
export interface ProblemWorkCounts {
  dispute: number;
  transfer: number;
  extension: number;
  overdue: number;
  fixed: number;
}

/** `time` (HH:MM, Asia/Shanghai): a deadline in hours due today is overdue once it has passed, as on the board. */
export function problemWorkCounts(db: Db, today: string, time = ''): ProblemWorkCounts {
  return db
    .prepare(
      `SELECT coalesce(sum(status = 'open' AND request = 'dispute'), 0) AS dispute,
              coalesce(sum(status = 'open' AND request = 'transfer'), 0) AS transfer,
              coalesce(sum(status = 'open' AND request = 'extension'), 0) AS extension,
              coalesce(sum(${OVERDUE_WHERE}), 0) AS overdue,
              coalesce(sum(status = 'fixed'), 0) AS fixed
       FROM problems p`,
    )
    .get(overdueParams({ overdueAt: { date: today, time } })) as ProblemWorkCounts;
}

/**
 * Fixes waiting for 复查 at sites assigned to this inspector, and of problems from outside rounds the
 * office gave them for 复查 (the same scope as the inspector's board; a problem from a document task
 * has no site and is the office's to review).
 */
export function countFixedForInspector(db: Db, inspectorId: number): number {
  return db
    .prepare(
      `SELECT count(*) FROM problems p
       WHERE p.status = 'fixed' AND (p.reinspector_id = :me OR EXISTS (SELECT 1 FROM assignments a
         WHERE a.round_id = p.round_id AND a.site_id = p.site_id AND a.inspector_id = :me))`,
    )
    .pluck()
    .get({ me: inspectorId }) as number;
}

/** The office's answer to a unit's 申诉 / 转办 / 延期, with the problem it was about. */
export interface RequestDecisionRow {
  problem_id: number;
  at: string;
  action: string;
  note: string;
  data: string | null;
  /** null for a problem from a document task (no site) */
  site_name: string | null;
  source: 'round' | 'document';
  standard_code: string;
  unit_id: number | null;
  /** the unit the problem now belongs to is one of those asked about (false after a transfer away) */
  still_ours: number;
}

/**
 * The latest decisions on requests about the given units' problems since a time, including a transfer
 * that took a problem away from them.
 */
export function requestDecisions(db: Db, unitIds: number[], since: string, limit = 20): RequestDecisionRow[] {
  return db
    .prepare(
      `SELECT e.problem_id, e.at, e.action, e.note, e.data, s.name AS site_name, p.source, p.standard_code, p.unit_id,
              (p.unit_id IN (SELECT value FROM json_each(:units))) AS still_ours
       FROM problem_events e JOIN problems p ON p.id = e.problem_id LEFT JOIN sites s ON s.id = p.site_id
       WHERE e.action IN ('refuse_dispute', 'refuse_transfer', 'refuse_extension', 'uphold_dispute', 'transfer', 'extend')
         AND e.at >= :since
         AND (p.unit_id IN (SELECT value FROM json_each(:units))
              OR (e.action = 'transfer' AND json_extract(e.data, '$.from') IN (SELECT value FROM json_each(:units))))
       ORDER BY e.at DESC, e.id DESC LIMIT :limit`,
    )
    .all({ units: JSON.stringify(unitIds), since, limit }) as RequestDecisionRow[];
}

/** The years (ascending) in which open or fixed problems' working-day deadlines fall. */
export function workdayDeadlineYears(db: Db): number[] {
  return db
    .prepare(
      `SELECT DISTINCT CAST(substr(deadline, 1, 4) AS INTEGER) FROM problems
       WHERE status IN ('open', 'fixed') AND deadline_rule = 'workdays' ORDER BY 1`,
    )
    .pluck()
    .all() as number[];
}
