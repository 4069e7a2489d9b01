/**
 * 随手拍: the public links (one per 社区 and one for the district) and residents' reports with their
 * triage. A report's photos are rows of `photos` (kind 'report', report_id).
 */
import type { Db } from '../connection.ts';

/** new 待受理 · accepted 已受理 (problem_id: the problem it became) · duplicate 重复 (problem_id: the existing one) · rejected 不受理 */
export type ReportStatus = 'new' | 'accepted' | 'duplicate' | 'rejected';

export interface ReportLinkRow {
  id: number;
  token: string;
  /** null: the district's link */
  community_id: number | null;
  created_at: string;
}

export interface CitizenReportRow {
  id: number;
  /** the tracking code the resident was given */
  code: string;
  link_id: number;
  community_id: number | null;
  address: string;
  description: string;
  /** for a reply, with the resident's consent; null once phone_until has passed */
  phone: string | null;
  phone_until: string | null;
  status: ReportStatus;
  problem_id: number | null;
  /** 不受理: why, shown to the resident */
  reason: string;
  /** the office's published reply, shown to the resident */
  reply: string;
  triaged_by: number | null;
  triaged_at: string | null;
  device: string;
  addr_hash: string | null;
  created_at: string;
}

const COLUMNS = `id, code, link_id, community_id, address, description, phone, phone_until, status, problem_id,
  reason, reply, triaged_by, triaged_at, device, addr_hash, created_at`;

export function findReport(db: Db, id: number): CitizenReportRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM citizen_reports WHERE id = ?`).get(id) as
    CitizenReportRow | undefined;
}

export function findReportByCode(db: Db, code: string): CitizenReportRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM citizen_reports WHERE code = ?`).get(code) as
    CitizenReportRow | undefined;
}

/** The reports that led to a problem (accepted as it, or marked as its duplicates). */
export function reportsOfProblem(db: Db, problemId: number): CitizenReportRow[] {
  return db
    .prepare(`SELECT ${COLUMNS} FROM citizen_reports WHERE problem_id = ? ORDER BY id`)
    .all(problemId) as CitizenReportRow[];
}

export function findReportLinkByToken(db: Db, token: string): ReportLinkRow | undefined {
  return db
    .prepare('SELECT id, token, community_id, created_at FROM report_links WHERE token = ?')
    .get(token) as ReportLinkRow | undefined;
}

export function listReportLinks(db: Db): ReportLinkRow[] {
  return db
    .prepare(
      'SELECT id, token, community_id, created_at FROM report_links ORDER BY community_id IS NOT NULL, community_id',
    )
    .all() as ReportLinkRow[];
}

/** Forgets residents' phone numbers whose kept period has ended. Returns how many. */
export function forgetExpiredPhones(db: Db, nowIso: string): number {
  return db
    .prepare(
      'UPDATE citizen_reports SET phone = NULL, phone_until = NULL WHERE phone IS NOT NULL AND phone_until <= ?',
    )
    .run(nowIso).changes;
}

/** 待受理: residents' reports nobody has triaged yet (the office home page's pile). */
export function countNewReports(db: Db): number {
  return db.prepare("SELECT count(*) FROM citizen_reports WHERE status = 'new'").pluck().get() as number;
}

/**
 * Open problems from one source, and how many of them are past their deadline at `today` (YYYY-MM-DD)
 * and `hhmm` (a deadline in hours passes to the minute), Asia/Shanghai: the office home's 12345 pile.
 */
export function openSourceCounts(
  db: Db,
  source: string,
  today: string,
  hhmm: string,
): { open: number; overdue: number } {
  return db
    .prepare(
      `SELECT count(*) AS open,
              coalesce(sum(deadline < :today OR (deadline = :today AND deadline_time IS NOT NULL
                AND deadline_time < :hhmm)), 0) AS overdue
       FROM problems WHERE source = :source AND status = 'open'`,
    )
    .get({ source, today, hhmm }) as { open: number; overdue: number };
}
