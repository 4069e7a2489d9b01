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

export interface NewReport {
  code: string;
  linkId: number;
  communityId: number | null;
  address: string;
  description: string;
  phone: string | null;
  phoneUntil: string | null;
  device: string;
  addrHash: string | null;
  createdAt: string;
}

export function insertReport(db: Db, r: NewReport): number {
  return Number(
    db
      .prepare(
        `INSERT INTO citizen_reports (code, link_id, community_id, address, description, phone, phone_until,
           device, addr_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.code,
        r.linkId,
        r.communityId,
        r.address,
        r.description,
        r.phone,
        r.phoneUntil,
        r.device,
        r.addrHash,
        r.createdAt,
      ).lastInsertRowid,
  );
}

/** Reports a device sent since a moment (the per-device daily cap). */
export function countDeviceReportsSince(db: Db, device: string, sinceIso: string): number {
  return db
    .prepare('SELECT count(*) FROM citizen_reports WHERE device = ? AND created_at >= ?')
    .pluck()
    .get(device, sinceIso) as number;
}

export function countAddressReportsSince(db: Db, addrHash: string, sinceIso: string): number {
  return db
    .prepare('SELECT count(*) FROM citizen_reports WHERE addr_hash = ? AND created_at >= ?')
    .pluck()
    .get(addrHash, sinceIso) as number;
}

export function countReportsSince(db: Db, sinceIso: string): number {
  return db
    .prepare('SELECT count(*) FROM citizen_reports WHERE created_at >= ?')
    .pluck()
    .get(sinceIso) as number;
}

export interface ReportFilter {
  status?: ReportStatus | undefined;
  communityId?: number | undefined;
  linkId?: number | undefined;
}

/** The office's list, newest first (at most `limit`). */
export function listReports(db: Db, f: ReportFilter, limit = 500): CitizenReportRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    args.push(value);
  };
  if (f.status) add('status = ?', f.status);
  if (f.communityId) add('community_id = ?', f.communityId);
  if (f.linkId) add('link_id = ?', f.linkId);
  return db
    .prepare(
      `SELECT ${COLUMNS} FROM citizen_reports ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ?`,
    )
    .all(...args, limit) as CitizenReportRow[];
}

/** The outcome of triage; only a report still waiting changes (returns false otherwise). */
export function triageReportRow(
  db: Db,
  id: number,
  t: {
    status: Exclude<ReportStatus, 'new'>;
    problemId: number | null;
    reason: string;
    by: number | null;
    at: string;
  },
): boolean {
  return (
    db
      .prepare(
        `UPDATE citizen_reports SET status = ?, problem_id = ?, reason = ?, triaged_by = ?, triaged_at = ?
         WHERE id = ? AND status = 'new'`,
      )
      .run(t.status, t.problemId, t.reason, t.by, t.at, id).changes === 1
  );
}

export function setReportReplyRow(db: Db, id: number, reply: string): void {
  db.prepare('UPDATE citizen_reports SET reply = ? WHERE id = ?').run(reply, id);
}

/** The ids of a report's photos, in the order they were sent. */
export function reportPhotoIds(db: Db, reportId: number): number[] {
  return db
    .prepare(
      "SELECT id FROM photos WHERE report_id = ? AND kind = 'report' AND deleted_at IS NULL ORDER BY id",
    )
    .pluck()
    .all(reportId) as number[];
}

/** The link of the district (communityId null) or of a 社区, made the first time it is asked for. */
export function reportLinkFor(
  db: Db,
  communityId: number | null,
  newToken: () => string,
  at: string,
): ReportLinkRow {
  const find = () =>
    db
      .prepare('SELECT id, token, community_id, created_at FROM report_links WHERE community_id IS ?')
      .get(communityId) as ReportLinkRow | undefined;
  const had = find();
  if (had) return had;
  db.prepare('INSERT INTO report_links (token, community_id, created_at) VALUES (?, ?, ?)').run(
    newToken(),
    communityId,
    at,
  );
  return find()!;
}

export function findReportLink(db: Db, id: number): ReportLinkRow | undefined {
  return db.prepare('SELECT id, token, community_id, created_at FROM report_links WHERE id = ?').get(id) as
    ReportLinkRow | undefined;
}

/** Per link: its reports and those waiting for triage. */
export function reportCountsByLink(db: Db): { link_id: number; reports: number; waiting: number }[] {
  return db
    .prepare(
      `SELECT link_id, count(*) AS reports, sum(status = 'new') AS waiting FROM citizen_reports GROUP BY link_id`,
    )
    .all() as { link_id: number; reports: number; waiting: number }[];
}

/** Forgets the senders' address hashes of reports sent before a moment (the abuse window). */
export function purgeReportAddressHashes(db: Db, beforeIso: string): number {
  return db
    .prepare('UPDATE citizen_reports SET addr_hash = NULL WHERE addr_hash IS NOT NULL AND created_at < ?')
    .run(beforeIso).changes;
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
