/**
 * What a problem's page shows, read once for the request: the problem with its place's names, its
 * standard's text, its photos by kind, its history with the names of the units a 转办 moved it between,
 * the corrected documents of a problem from a document task, who recorded a problem from outside rounds
 * and who re-inspects it, a 12345 problem's work order, a 随手拍 problem's reports (their tracking codes —
 * with which a resident reads the report's progress — and the residents' phone numbers for the office
 * only), which forms the actor may use (asked of access.ts, so a button is shown
 * exactly when the action would be allowed), the units a transfer may name and the inspectors a 复查
 * may be given to. The page itself is refused unless `problem.read`.
 */
import type { Db } from '../db/connection.ts';
import {
  hotlineOrderOfProblem,
  listProblems,
  problemDocuments,
  problemEvents,
  problemPhotos,
  type HotlineOrderRow,
  type ProblemDocumentRow,
  type ProblemEventRow,
  type ProblemListRow,
  type ProblemPhotoRow,
} from '../db/repos/problems.ts';
import { siteTypeNames } from '../db/repos/places.ts';
import { findUnitById, listUnits, type UnitRow } from '../db/repos/units.ts';
import { findUserById, listUsers, type UserRow } from '../db/repos/users.ts';
import { reportsOfProblem, type ReportStatus } from '../db/repos/reports.ts';
import { deadlineWords, ruleText } from './deadlines.ts';
import { problemStandard } from './problems.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { can, canOrReject, type Actor } from './access.ts';
import { NotFound } from '../errors.ts';
import { REPORT_STATUS_NAMES } from '../labels.ts';

export interface ProblemPageCtx {
  db: Db;
  criteria: CriteriaCache;
}

/**
 * The kinds of photo a problem has: 整改前 (the sheet's evidence; from outside rounds the 督查 photos,
 * 'record', and the residents' 随手拍 photos, 'report'), 整改后, 复查, 申诉材料.
 */
export type ProblemPhotoKind = 'evidence' | 'record' | 'report' | 'fix' | 'reinspect' | 'appeal';

/** A step of the problem's history, its data read from JSON. */
export interface ProblemEvent extends Omit<ProblemEventRow, 'data'> {
  data: Record<string, unknown>;
}

export interface ProblemPage {
  problem: ProblemListRow;
  siteTypes: Map<string, string>;
  /** a problem from a document task: the corrected documents its unit sent (整改材料), kept after closing */
  documents: ProblemDocumentRow[];
  /** the standard in the version the problem's round was scored with (null: no longer in it) */
  standard: { code: string; text: string; item: string } | null;
  photos: Record<ProblemPhotoKind, ProblemPhotoRow[]>;
  events: ProblemEvent[];
  /** the names of the units the history mentions (a 转办's from and to, a request's target) */
  unitNames: Map<number, string>;
  /** the forms the actor may use now */
  can: {
    fix: boolean;
    request: boolean;
    reinspect: boolean;
    decide: boolean;
    assign: boolean;
    unit: boolean;
  };
  /** units in use that a 转办 or 交办 may name (every one but the responsible one), when a form asks for one */
  transferUnits: UnitRow[];
  /** the deadline in words with the rule it was counted by: 5 个工作日，至 2026-12-08 */
  deadlineText: string;
  /** the current deadline alone, with its time for one counted in hours: 2026-10-01 10:00 */
  deadlineAt: string;
  /** who recorded a problem from outside rounds (督查: the office or a 包联 leader) */
  recordedBy: string | null;
  /** the inspector given its 复查 (null: the office itself, or the leader who recorded it) */
  reinspector: string | null;
  /** the 包联 leader who recorded it may re-inspect it (it was not given to an inspector) */
  recorderReinspects: boolean;
  /** a 12345 problem's work order, its 时限 in words */
  hotlineOrder: (HotlineOrderRow & { limitText: string }) | null;
  /** a 随手拍 problem's reports: dates and what the residents wrote (tracking code and phone: the office only) */
  reports: {
    /** the resident's tracking code: the office only (null for anyone else) */
    code: string | null;
    createdAt: string;
    status: ReportStatus;
    statusName: string;
    description: string;
    phone: string | null;
  }[];
  /** the office reads the phone numbers residents left for a reply (nobody else ever does) */
  reportPhones: boolean;
  /** the active inspectors the office may give the 复查 to (when it may) */
  inspectors: UserRow[];
}

/** A stored deadline in words, with its rule when it has one: 5 个工作日，至 2026-12-08; 24 小时，至 2026-10-01 10:00. */
export function deadlineText(
  p: Pick<ProblemListRow, 'deadline' | 'deadline_time' | 'deadline_rule' | 'deadline_amount'>,
): string {
  const at = deadlineWords(p);
  return p.deadline_amount === null
    ? at
    : `${ruleText({ unit: p.deadline_rule, amount: p.deadline_amount })}，至 ${at}`;
}

/** The units a step of the history names: a requested 转办's target, a 转办's from and to. */
function unitIdsOf(e: ProblemEvent): number[] {
  const ids =
    e.action === 'request_transfer'
      ? [e.data.unitId]
      : ['transfer', 'assign_unit', 'reassign_unit'].includes(e.action)
        ? [e.data.from, e.data.to]
        : [];
  return ids.filter((id): id is number => typeof id === 'number');
}

/** Everything problems/show needs: 404 when there is no such problem, 403 when it is not the actor's. */
export function problemPage(ctx: ProblemPageCtx, actor: Actor, id: number): ProblemPage {
  const { db } = ctx;
  // the list's row is the problem with its place's names: read once, asked about, shown
  const p = listProblems(db, { id })[0];
  if (!p) throw new NotFound('找不到该问题');
  canOrReject(db, actor, 'problem.read', p);
  const standard = problemStandard(db, ctx.criteria, p);
  const photos: ProblemPage['photos'] = {
    evidence: [],
    record: [],
    report: [],
    fix: [],
    reinspect: [],
    appeal: [],
  };
  for (const ph of problemPhotos(db, p)) photos[ph.kind as ProblemPhotoKind]?.push(ph);
  const events = problemEvents(db, p.id).map((e) => ({
    ...e,
    data: (e.data ? JSON.parse(e.data) : {}) as Record<string, unknown>,
  }));
  const unitNames = new Map<number, string>();
  for (const unitId of new Set(events.flatMap(unitIdsOf)))
    unitNames.set(unitId, findUnitById(db, unitId)?.name ?? '');
  const open = p.status === 'open';
  const allowed = {
    fix: open && can(db, actor, 'problem.fix', p),
    request: open && !p.request && can(db, actor, 'problem.request', p),
    reinspect: p.status === 'fixed' && can(db, actor, 'problem.reinspect', p),
    decide: open && !!p.request && can(db, actor, 'problem.decide', p),
    assign: (open || p.status === 'fixed') && can(db, actor, 'problem.assign', p),
    // 交办 / 改派 (the page says so, without the form, while a request waits)
    unit: open && can(db, actor, 'problem.assign', p),
  };
  const office = can(db, actor, 'office.manage', null);
  const order = p.source === 'hotline' ? hotlineOrderOfProblem(db, p.id) : undefined;
  const recorder = p.recorded_by === null ? undefined : findUserById(db, p.recorded_by);
  return {
    problem: p,
    siteTypes: siteTypeNames(db),
    documents: p.source === 'document' ? problemDocuments(db, p.id) : [],
    standard: standard ? { code: standard.code, text: standard.text, item: standard.item.name } : null,
    photos,
    events,
    unitNames,
    can: allowed,
    transferUnits:
      allowed.request || allowed.decide || allowed.unit
        ? listUnits(db).filter((u) => !u.retired_at && u.id !== p.unit_id)
        : [],
    deadlineText: deadlineText(p),
    deadlineAt: deadlineWords(p),
    recordedBy: recorder?.display_name ?? null,
    reinspector: p.reinspector_id === null ? null : (findUserById(db, p.reinspector_id)?.display_name ?? ''),
    recorderReinspects: recorder?.role === 'leader' && p.reinspector_id === null,
    hotlineOrder: order
      ? { ...order, limitText: ruleText({ unit: order.limit_unit, amount: order.limit_amount }) }
      : null,
    reports: reportsOfProblem(db, p.id).map((r) => ({
      code: office ? r.code : null,
      createdAt: r.created_at,
      status: r.status,
      statusName: REPORT_STATUS_NAMES[r.status],
      description: r.description,
      phone: office ? r.phone : null,
    })),
    reportPhones: office,
    inspectors: allowed.assign ? listUsers(db, 'inspector').filter((u) => u.active) : [],
  };
}
