/**
 * What a problem's page shows, read once for the request: the problem with its place's names, its
 * standard's text, its photos by kind, its history with the names of the units a 转办 moved it between,
 * the corrected documents of a problem from a document task, which forms the actor may use (asked of access.ts, so a button is shown exactly when the action would
 * be allowed) and the units a transfer may name. The page itself is refused unless `problem.read`.
 */
import type { Db } from '../db/connection.ts';
import {
  listProblems,
  problemDocuments,
  problemEvents,
  problemPhotos,
  type ProblemDocumentRow,
  type ProblemEventRow,
  type ProblemListRow,
  type ProblemPhotoRow,
} from '../db/repos/problems.ts';
import { siteTypeNames } from '../db/repos/places.ts';
import { findUnitById, listUnits, type UnitRow } from '../db/repos/units.ts';
import { problemStandard } from './problems.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { can, canOrReject, type Actor } from './access.ts';
import { NotFound } from '../errors.ts';

export interface ProblemPageCtx {
  db: Db;
  criteria: CriteriaCache;
}

/** The kinds of photo a problem has: 整改前 (the sheet's evidence), 整改后, 复查, 申诉材料. */
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
  can: { fix: boolean; request: boolean; reinspect: boolean; decide: boolean };
  /** units in use that a 转办 may name (every one but the responsible one), when a form asks for one */
  transferUnits: UnitRow[];
}

/** The units a step of the history names: a requested 转办's target, a 转办's from and to. */
function unitIdsOf(e: ProblemEvent): number[] {
  const ids =
    e.action === 'request_transfer'
      ? [e.data.unitId]
      : e.action === 'transfer'
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
  };
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
      allowed.request || allowed.decide
        ? listUnits(db).filter((u) => !u.retired_at && u.id !== p.unit_id)
        : [],
  };
}
