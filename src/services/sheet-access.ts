/**
 * Who may open or change which scoring sheet (a site in a round). An inspector works only on sites
 * assigned to them in open rounds; the office sees every sheet; units see none here.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { findRoundById, siteInRound, type RoundRow } from '../db/repos/rounds.ts';
import { findSiteById, type SiteRow } from '../db/repos/places.ts';
import { findInspection, type InspectionRow } from '../db/repos/inspections.ts';
import { Conflict, Forbidden, NotFound } from '../errors.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { IndexedCriteria, IndexedStandard } from '../criteria/load.ts';

export interface SheetCtx {
  db: Db;
  criteria: CriteriaCache;
  uploadDir: string;
}

export interface SheetScope {
  round: RoundRow;
  site: SiteRow;
  criteria: IndexedCriteria;
  standards: IndexedStandard[];
  /** the sheet's row (table inspections); none before the first save */
  sheet: InspectionRow | undefined;
  assignedInspectorId: number | null;
}

export function sheetScope(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number): SheetScope {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  const site = findSiteById(ctx.db, siteId);
  const inRound = site ? siteInRound(ctx.db, roundId, siteId) : undefined;
  if (!site || !inRound) throw new NotFound('找不到该点位');
  const assigned = inRound.inspectorId;
  if (user.role === 'unit') throw new Forbidden('责任单位不能查看测评表');
  if (user.role === 'inspector') {
    if (assigned !== user.id) throw new Forbidden('该点位未分配给您');
    if (round.status !== 'open') throw new Forbidden('本轮测评已结束，不能再查看或修改测评表');
  }
  const criteria = ctx.criteria.get(round.criteria_version_id);
  return {
    round,
    site,
    criteria,
    standards: criteria.forSiteType(site.site_type),
    sheet: findInspection(ctx.db, roundId, siteId),
    assignedInspectorId: assigned,
  };
}

/** The sheet may be changed by this inspector now (assigned, round open, not submitted or approved). */
export function requireEditable(user: UserRow, scope: SheetScope): void {
  if (user.role !== 'inspector' || scope.assignedInspectorId !== user.id)
    throw new Forbidden('只有被分配的测评员可以填写测评表');
  if (scope.round.status !== 'open') throw new Conflict('本轮测评已结束，不能再修改');
  const status = scope.sheet?.status;
  if (status === 'submitted') throw new Conflict('该点位测评表已提交，不能再修改；如需修改请联系创城办退回');
  if (status === 'approved') throw new Conflict('该点位测评表已审核通过，不能再修改');
}
