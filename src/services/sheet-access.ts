/**
 * Loading a scoring sheet (a site in a round) for an actor, and whether it may be changed now. Who may
 * open, fill in, review, return or correct a sheet is decided by access.ts (`sheet.*` verbs); this
 * module finds the round, the site and the sheet, asks there, and keeps the state checks (a round that
 * ended, a sheet already submitted or approved: 409).
 */
import type { Db } from '../db/connection.ts';
import { findRoundById, siteInRound } from '../db/repos/rounds.ts';
import { findSiteById, type SiteRow } from '../db/repos/places.ts';
import { findInspection, listAnswers, type AnswerRow, type InspectionRow } from '../db/repos/inspections.ts';
import { listInspectionPhotos, type PhotoRow } from '../db/repos/photos.ts';
import { Conflict, NotFound } from '../errors.ts';
import { can, canOrReject, type Actor, type SheetTarget } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { IndexedCriteria, IndexedStandard } from '../criteria/load.ts';

export interface SheetCtx {
  db: Db;
  criteria: CriteriaCache;
  uploadDir: string;
}

export interface SheetScope extends SheetTarget {
  site: SiteRow;
  criteria: IndexedCriteria;
  standards: IndexedStandard[];
  /** the sheet's row (table inspections); none before the first save */
  sheet: InspectionRow | undefined;
}

/** What the actor is about to do with the sheet: reading it, or one of the office's verbs. */
export type SheetVerb = 'sheet.read' | 'sheet.review' | 'sheet.return' | 'sheet.correct';

/**
 * The sheet of a site in a round, for an actor who may `verb` it (404 for a round or a site not in it,
 * 403 with the rule's reason). The office's verbs are asked first, so a refused 退回 or 更正 says so;
 * each also needs the sheet to be readable.
 */
export function sheetScope(
  ctx: Pick<SheetCtx, 'db' | 'criteria'>,
  actor: Actor,
  roundId: number,
  siteId: number,
  verb: SheetVerb = 'sheet.read',
): SheetScope {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  const site = findSiteById(ctx.db, siteId);
  const inRound = site ? siteInRound(ctx.db, roundId, siteId) : undefined;
  if (!site || !inRound) throw new NotFound('找不到该点位');
  const target: SheetTarget = { round, assignedInspectorId: inRound.inspectorId };
  if (verb !== 'sheet.read') canOrReject(ctx.db, actor, verb, target);
  canOrReject(ctx.db, actor, 'sheet.read', target);
  const criteria = ctx.criteria.get(round.criteria_version_id);
  return {
    ...target,
    site,
    criteria,
    standards: criteria.forSiteType(site.site_type),
    sheet: findInspection(ctx.db, roundId, siteId),
  };
}

/** Why the sheet cannot be changed now (round ended, submitted, approved), whoever asks; null if it can. */
function editBlock(scope: SheetScope): Conflict | null {
  if (scope.round.status !== 'open') return new Conflict('本轮测评已结束，不能再修改');
  const status = scope.sheet?.status;
  if (status === 'submitted') return new Conflict('该点位测评表已提交，不能再修改；如需修改请联系创城办退回');
  if (status === 'approved') return new Conflict('该点位测评表已审核通过，不能再修改');
  return null;
}

/** The sheet may be changed by this actor now: theirs to fill in (403), and in a state to be (409). */
export function requireEditable(db: Db, actor: Actor, scope: SheetScope): void {
  canOrReject(db, actor, 'sheet.edit', scope);
  const blocked = editBlock(scope);
  if (blocked) throw blocked;
}

/** Whether the actor may change the sheet now (the page's inputs are enabled). */
export const mayEdit = (db: Db, actor: Actor, scope: SheetScope): boolean =>
  can(db, actor, 'sheet.edit', scope) && editBlock(scope) === null;

/** The sheet's answers and photos (none before its first save). */
export function sheetContent(
  ctx: Pick<SheetCtx, 'db'>,
  scope: SheetScope,
): { answers: AnswerRow[]; photos: PhotoRow[] } {
  return scope.sheet
    ? { answers: listAnswers(ctx.db, scope.sheet.id), photos: listInspectionPhotos(ctx.db, scope.sheet.id) }
    : { answers: [], photos: [] };
}
