/**
 * What the pages of a scoring sheet show, loaded once per request: the sheet with its answers, photos
 * and what still blocks a submit (the tablet's sheet state too), what the actor may do on it (fill it
 * in, approve, return, correct), and the sheets an inspector's tablet keeps for offline work. Access is
 * asked of access.ts; the presenters only format what these return.
 */
import type { Db } from '../db/connection.ts';
import type { AnswerRow } from '../db/repos/inspections.ts';
import type { PhotoRow } from '../db/repos/photos.ts';
import { offlineSheetRows } from '../db/repos/inspections.ts';
import { siteTypeName } from '../db/repos/places.ts';
import { assignedSites } from '../db/repos/rounds.ts';
import type { SubmitBlocker } from '../protocol/sheet.ts';
import { can, canOrReject, userOf, type Actor } from './access.ts';
import { roundsVisibleTo } from './access-scopes.ts';
import { mayEdit, sheetContent, sheetScope, type SheetCtx, type SheetScope } from './sheet-access.ts';
import { submitBlockers } from './sheet-submit.ts';

export interface SheetData extends SheetScope {
  answers: AnswerRow[];
  photos: PhotoRow[];
  /** what keeps the sheet from being submitted (未评, 不符合 without its photo) */
  blockers: SubmitBlocker[];
}

/** A sheet with its answers and photos, for an actor who may read it (404, 403 otherwise). */
export function sheetData(ctx: SheetCtx, actor: Actor, roundId: number, siteId: number): SheetData {
  const scope = sheetScope(ctx, actor, roundId, siteId);
  const { answers, photos } = sheetContent(ctx, scope);
  return { ...scope, answers, photos, blockers: submitBlockers(scope.standards, answers, photos) };
}

export interface SheetPage extends SheetData {
  /** the site type's name (公园, 农贸市场 …) */
  siteTypeName: string;
  may: {
    /** fill it in now: theirs, the round open, not submitted or approved */
    edit: boolean;
    /** the office's review of the sheet (its filter, the way back to the round's review list) */
    review: boolean;
    approve: boolean;
    return: boolean;
    /** correct an answer: submitted or approved, while the round is open or closed (not yet published) */
    correct: boolean;
  };
}

/** The sheet's page for an actor who may read it, with what they may do on it. */
export function sheetPage(ctx: SheetCtx, actor: Actor, roundId: number, siteId: number): SheetPage {
  const data = sheetData(ctx, actor, roundId, siteId);
  const status = data.sheet?.status ?? 'none';
  const roundOpen = data.round.status === 'open';
  const decidable = roundOpen && status === 'submitted';
  return {
    ...data,
    siteTypeName: siteTypeName(ctx.db, data.site.site_type),
    may: {
      edit: mayEdit(ctx.db, actor, data),
      review: can(ctx.db, actor, 'sheet.review', data),
      approve: decidable && can(ctx.db, actor, 'sheet.review', data),
      return: decidable && can(ctx.db, actor, 'sheet.return', data),
      correct:
        (roundOpen || data.round.status === 'closed') &&
        (status === 'submitted' || status === 'approved') &&
        can(ctx.db, actor, 'sheet.correct', data),
    },
  };
}

/** A sheet the tablet keeps for offline work. */
export interface OfflineSheet {
  roundId: number;
  siteId: number;
  siteName: string;
  /** changes whenever the sheet's page would: the device refetches only those pages */
  version: string;
  photoIds: number[];
}

/** The sheets assigned to the inspector in the rounds they may work on now (403 for anyone else). */
export function offlineSheets(db: Db, actor: Actor): OfflineSheet[] {
  canOrReject(db, actor, 'offline.work', null);
  const inspectorId = userOf(actor).id;
  const sheets: OfflineSheet[] = [];
  for (const round of roundsVisibleTo(db, actor)) {
    const rows = new Map(offlineSheetRows(db, round.id, inspectorId).map((r) => [r.site_id, r]));
    for (const s of assignedSites(db, round.id, inspectorId)) {
      const sheet = rows.get(s.site_id);
      const photoIds = sheet ? (JSON.parse(sheet.photo_ids) as number[]) : [];
      sheets.push({
        roundId: round.id,
        siteId: s.site_id,
        siteName: s.site_name,
        version: sheet ? `${sheet.revision}:${sheet.status}:${photoIds.length}` : 'none',
        photoIds,
      });
    }
  }
  return sheets;
}
