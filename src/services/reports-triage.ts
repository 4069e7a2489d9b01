/**
 * The office's triage of residents' 随手拍 reports (/reports): the list with its filters and the count
 * waiting, one report with its photos and (for the office only, while kept) the phone number, and the
 * three outcomes — 受理 (it becomes a problem of source 'report' with a unit and a deadline counted by the
 * office's rule for 随手拍 or the one chosen; its photos then show on the problem), 重复 (linked to an
 * existing problem) and 不受理 (with the reason the resident reads) — plus the reply published on the
 * tracking page, editable at any time. Each step is audited; a report is triaged once (409 after).
 */
import { atomically, type Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { listCriteriaVersions } from '../db/repos/criteria-versions.ts';
import { findCommunityById, listCommunities } from '../db/repos/places.ts';
import { findPhoto } from '../db/repos/photos.ts';
import { findProblem, type ProblemRow } from '../db/repos/problems.ts';
import {
  countNewReports,
  findReport,
  findReportLink,
  listReportLinks,
  listReports,
  reportPhotoIds,
  setReportReplyRow,
  triageReportRow,
  type CitizenReportRow,
  type ReportStatus,
} from '../db/repos/reports.ts';
import { findUnitById, listUnits, type UnitRow } from '../db/repos/units.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { REPORT_STATUS_NAMES } from '../labels.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { computeDeadline, parseDeadlineRule, sourceDeadlineRule, type DeadlineRule } from './deadlines.ts';
import { raiseOutsideProblem } from './outside-problems.ts';
import { nowIso } from '../util/time.ts';

export interface TriageCtx {
  db: Db;
  criteria: CriteriaCache;
}

const STATUSES = Object.keys(REPORT_STATUS_NAMES) as ReportStatus[];

export interface ReportFilterIn {
  status: string;
  community: string;
  link: string;
}

export interface ReportsPage {
  filter: ReportFilterIn;
  reports: (CitizenReportRow & { communityName: string; photoCount: number })[];
  waiting: number;
  communities: { id: number; name: string }[];
  links: { id: number; name: string }[];
}

const idIn = (v: string): number | undefined => (/^\d{1,12}$/.test(v) ? Number(v) : undefined);

function communityNames(db: Db): Map<number, string> {
  return new Map(listCommunities(db).map((c) => [c.id, c.name]));
}

/** A link's name: 全区 or its 社区's. */
const linkName = (names: Map<number, string>, communityId: number | null) =>
  communityId === null ? '全区' : (names.get(communityId) ?? '');

/** GET /reports: newest first, filtered by 状态, 社区 and 来源链接 (an unknown value filters nothing). */
export function reportsPage(db: Db, actor: Actor, filter: ReportFilterIn): ReportsPage {
  canOrReject(db, actor, 'report.triage', null);
  const names = communityNames(db);
  const status = STATUSES.find((s) => s === filter.status);
  const reports = listReports(db, {
    status,
    communityId: idIn(filter.community),
    linkId: idIn(filter.link),
  }).map((r) => ({
    ...r,
    communityName: r.community_id === null ? '' : (names.get(r.community_id) ?? ''),
    photoCount: reportPhotoIds(db, r.id).length,
  }));
  return {
    filter,
    reports,
    waiting: countNewReports(db),
    communities: listCommunities(db)
      .filter((c) => !c.retired_at)
      .map((c) => ({ id: c.id, name: c.name })),
    links: listReportLinks(db).map((l) => ({ id: l.id, name: linkName(names, l.community_id) })),
  };
}

export interface ReportPage {
  report: CitizenReportRow;
  linkName: string;
  communityName: string;
  photoIds: number[];
  /** the problem it became or repeats */
  problem: ProblemRow | null;
  problemUnit: string;
  /** 受理's choices */
  units: UnitRow[];
  /** 受理's default unit: the 社区's own unit when the report names a 社区 */
  suggestedUnit: number | null;
  rule: DeadlineRule;
  versions: { id: number; name: string }[];
}

export function requireReport(db: Db, id: number): CitizenReportRow {
  const r = findReport(db, id);
  if (!r) throw new NotFound('找不到该群众反映');
  return r;
}

/** GET /reports/:id (office only: the phone number is shown here and nowhere else). */
export function reportPage(db: Db, actor: Actor, id: number): ReportPage {
  canOrReject(db, actor, 'report.triage', null);
  const report = requireReport(db, id);
  const names = communityNames(db);
  const link = findReportLink(db, report.link_id);
  const problem = report.problem_id === null ? null : (findProblem(db, report.problem_id) ?? null);
  return {
    report,
    linkName: linkName(names, link?.community_id ?? null),
    communityName: report.community_id === null ? '' : (names.get(report.community_id) ?? ''),
    photoIds: reportPhotoIds(db, id),
    problem,
    problemUnit: problem?.unit_id ? (findUnitById(db, problem.unit_id)?.name ?? '') : '',
    units: listUnits(db),
    suggestedUnit:
      report.community_id === null ? null : (findCommunityById(db, report.community_id)?.unit_id ?? null),
    rule: sourceDeadlineRule(db, 'report'),
    versions: listCriteriaVersions(db)
      .reverse()
      .map((v) => ({ id: v.id, name: `${v.name}（${v.code}）` })),
  };
}

/** The report, still waiting; 409 once triaged. */
function waitingReport(db: Db, id: number): CitizenReportRow {
  const r = requireReport(db, id);
  if (r.status !== 'new')
    throw new Conflict(`该反映已处理（${REPORT_STATUS_NAMES[r.status]}），不能再次处理`);
  return r;
}

const trimmed = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export interface AcceptInput {
  unit: string;
  deadlineUnit: string;
  deadlineAmount: string;
  version: string;
  standard: string;
  description: string;
}

/** POST /reports/:id/accept: the report becomes a problem (source 随手拍); returns its id. */
export function acceptReport(ctx: TriageCtx, actor: Actor, id: number, input: AcceptInput): number {
  const { db } = ctx;
  canOrReject(db, actor, 'report.triage', null);
  const r = waitingReport(db, id);
  const unitId = idIn(trimmed(input.unit));
  const unit = unitId === undefined ? undefined : findUnitById(db, unitId);
  if (!unit || unit.retired_at) throw new InvalidInput('请选择责任单位', { unit: '请选择责任单位' });
  let rule: DeadlineRule;
  try {
    rule = parseDeadlineRule(input.deadlineUnit, input.deadlineAmount);
  } catch (err) {
    if (err instanceof InvalidInput) throw new InvalidInput(err.message, { deadline: err.message });
    throw err;
  }
  const description = trimmed(input.description);
  if (!description || [...description].length > 500)
    throw new InvalidInput('问题描述：请填写（不超过500字）', {
      description: '请填写问题描述（不超过500字）',
    });
  const code = trimmed(input.standard);
  let standard: { versionId: number; code: string } | null = null;
  if (code) {
    const versionId = idIn(trimmed(input.version));
    const known = versionId !== undefined && listCriteriaVersions(db).some((v) => v.id === versionId);
    if (!known || !ctx.criteria.get(versionId).byCode.has(code))
      throw new InvalidInput(`测评标准 ${code} 不在所选的测评体系中`, {
        standard: '请填写所选测评体系中的标准编码，或留空',
      });
    standard = { versionId, code };
  }
  const gpsPhoto = reportPhotoIds(db, id)
    .map((p) => findPhoto(db, p))
    .find((p) => p && p.gps_lat !== null && p.gps_lng !== null);
  return atomically(db, () => {
    const problemId = raiseOutsideProblem(
      db,
      {
        source: 'report',
        communityId: r.community_id,
        streetId: r.community_id === null ? null : (findCommunityById(db, r.community_id)?.street_id ?? null),
        address: r.address,
        gps: gpsPhoto ? { lat: gpsPhoto.gps_lat!, lng: gpsPhoto.gps_lng! } : null,
        standard,
        description,
        unitId: unit.id,
        deadline: computeDeadline(db, rule),
        recordedBy: auditUserId(actor),
      },
      auditUserId(actor),
    );
    triaged(
      db,
      actor,
      r,
      { status: 'accepted', problemId, reason: '' },
      { problem: problemId, unit: unit.name },
    );
    return problemId;
  });
}

function triaged(
  db: Db,
  actor: Actor,
  r: CitizenReportRow,
  t: { status: 'accepted' | 'duplicate' | 'rejected'; problemId: number | null; reason: string },
  detail: Record<string, unknown>,
): void {
  const done = triageReportRow(db, r.id, {
    ...t,
    by: auditUserId(actor),
    at: nowIso(),
  });
  if (!done) throw new Conflict('该反映刚刚已被处理，不能再次处理');
  const action = { accepted: 'report.accept', duplicate: 'report.duplicate', rejected: 'report.reject' }[
    t.status
  ];
  appendAudit(db, {
    userId: auditUserId(actor),
    action,
    entity: 'report',
    entityId: r.id,
    detail: { code: r.code, ...detail },
  });
}

/** POST /reports/:id/duplicate: linked to an existing problem (by its number; not a void one). */
export function markDuplicate(db: Db, actor: Actor, id: number, problemIn: string): number {
  canOrReject(db, actor, 'report.triage', null);
  const r = waitingReport(db, id);
  const no = trimmed(problemIn).replace(/^#/, '');
  const p = /^\d{1,12}$/.test(no) ? findProblem(db, Number(no)) : undefined;
  if (!p)
    throw new InvalidInput(`找不到问题 ${no ? `#${no}` : ''}`.trim(), { problem: '请填写已有问题的编号' });
  if (p.status === 'void')
    throw new InvalidInput(`问题 #${p.id} 已作废，不能作为原问题`, { problem: '该问题已作废' });
  atomically(db, () =>
    triaged(db, actor, r, { status: 'duplicate', problemId: p.id, reason: '' }, { problem: p.id }),
  );
  return p.id;
}

/** POST /reports/:id/reject: 不予受理 with the reason the resident reads. */
export function rejectReport(db: Db, actor: Actor, id: number, reasonIn: string): void {
  canOrReject(db, actor, 'report.triage', null);
  const r = waitingReport(db, id);
  const reason = trimmed(reasonIn);
  if (!reason) throw new InvalidInput('请填写不予受理的原因（将告知反映人）', { reason: '请填写原因' });
  if ([...reason].length > 200) throw new InvalidInput('原因不能超过200字', { reason: '原因不能超过200字' });
  atomically(db, () => triaged(db, actor, r, { status: 'rejected', problemId: null, reason }, { reason }));
}

/** POST /reports/:id/reply: the reply shown on the tracking page (empty: none published). */
export function setReportReply(db: Db, actor: Actor, id: number, replyIn: string): void {
  canOrReject(db, actor, 'report.triage', null);
  const r = requireReport(db, id);
  const reply = trimmed(replyIn);
  if ([...reply].length > 500) throw new InvalidInput('答复不能超过500字', { reply: '答复不能超过500字' });
  if (reply === r.reply) return;
  atomically(db, () => {
    setReportReplyRow(db, id, reply);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'report.reply',
      entity: 'report',
      entityId: id,
      detail: { code: r.code, old: r.reply, new: reply },
    });
  });
}
