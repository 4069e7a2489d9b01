/**
 * Handing a scoring sheet to the office and back: what still blocks a submit (未评, 不符合 without its
 * required photo), the submit itself (the plain form's, and the offline queue's, idempotent under the
 * device's submitId), and the office's return (退回) with a reason. Saving answers is in sheets.ts.
 */
import { atomically, atomicallyTogether } from '../db/connection.ts';
import { z } from 'zod';
import { issueMessage } from './validate.ts';
import type { UserRow } from '../db/repos/users.ts';
import { markReturned, markSubmitted, type AnswerRow, type InspectionRow } from '../db/repos/inspections.ts';
import type { PhotoRow } from '../db/repos/photos.ts';
import { findIdempotent, saveIdempotent } from '../db/repos/idempotency.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import { requireEditable, sheetContent, sheetScope, type SheetCtx, type SheetScope } from './sheet-access.ts';
import {
  submitRequestSchema,
  type RefusalReply,
  type SubmitBlocker,
  type SubmitResult,
} from '../protocol/sheet.ts';
import { RESULT_NAMES } from '../labels.ts';

/**
 * What keeps a sheet from being submitted: unanswered standards, deductions lacking a required photo.
 * From the answers and photos the caller has loaded (the sheet's page and state show them too).
 */
export function submitBlockers(
  standards: SheetScope['standards'],
  answers: readonly AnswerRow[],
  photos: readonly PhotoRow[],
): SubmitBlocker[] {
  const byCode = new Map(answers.map((a) => [a.standard_code, a]));
  const withPhoto = new Set(photos.map((p) => p.standard_code));
  const blockers: SubmitBlocker[] = [];
  for (const s of standards) {
    const a = byCode.get(s.code);
    if (!a) blockers.push({ code: s.code, text: s.text, reason: '未评' });
    else if (a.result === 'fail' && s.photoRequired && !withPhoto.has(s.code))
      blockers.push({ code: s.code, text: s.text, reason: `${RESULT_NAMES.fail}但缺少照片` });
  }
  return blockers;
}

export class SubmitBlocked extends InvalidInput {
  constructor(readonly blockers: SubmitBlocker[]) {
    super(`还不能提交：${blockers.length} 条标准需要处理`);
    // the tablet lists them (protocol/sheet.ts RefusalReply)
    this.reply = { blockers } satisfies Omit<RefusalReply, 'error'>;
  }
}

/** The sheet's row if this inspector may submit it now; else 403, 409, or SubmitBlocked (400, what to do). */
function checkReady(ctx: SheetCtx, user: UserRow, scope: SheetScope): InspectionRow {
  requireEditable(ctx.db, user, scope);
  const { answers, photos } = sheetContent(ctx, scope);
  const blockers = submitBlockers(scope.standards, answers, photos);
  if (blockers.length || !scope.sheet) throw new SubmitBlocked(blockers);
  return scope.sheet;
}

/** The sheet, ready to be submitted by this inspector: the plain form asks this before asking to confirm. */
export function readyToSubmit(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number): SheetScope {
  const scope = sheetScope(ctx, user, roundId, siteId);
  checkReady(ctx, user, scope);
  return scope;
}

/** Submits a loaded sheet; call inside a transaction. */
function submitLoaded(ctx: SheetCtx, user: UserRow, scope: SheetScope): void {
  const sheet = checkReady(ctx, user, scope);
  markSubmitted(ctx.db, sheet.id);
  appendAudit(ctx.db, {
    userId: user.id,
    action: 'sheet.submit',
    entity: 'inspection',
    entityId: sheet.id,
    roundId: scope.round.id,
    siteId: scope.site.id,
  });
}

export function submitSheet(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number): void {
  atomically(ctx.db, () => submitLoaded(ctx, user, sheetScope(ctx, user, roundId, siteId)));
}

/**
 * The plain form's confirmed submit: the same as submitSheet (every check made inside its transaction),
 * that transaction shared with the saves and submits of the same turn of the event loop
 * (`atomicallyTogether`); settled once it has committed.
 */
export function submitSheetTogether(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
): Promise<void> {
  return atomicallyTogether(ctx.db, () => submitLoaded(ctx, user, sheetScope(ctx, user, roundId, siteId)));
}

/**
 * Submit from the offline queue: idempotent under the device's submitId, and refused when the office
 * returned the sheet after the revision the device had seen (the office's version wins: the inspector
 * must look at the reason and submit again).
 */
export function submitSheetOnce(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): SubmitResult {
  const request = parseSubmitRequest(input);
  return atomically(ctx.db, () => applySubmit(ctx, user, roundId, siteId, request));
}

/**
 * The offline queue's submit with its transaction shared with the saves that arrive in the same turn of
 * the event loop (db/connection.ts, `atomicallyTogether`): a submit queued right behind a sheet's last
 * save is applied after it, as it was sent.
 */
export function submitSheetOnceTogether(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): Promise<SubmitResult> {
  const request = parseSubmitRequest(input);
  return atomicallyTogether(ctx.db, () => applySubmit(ctx, user, roundId, siteId, request));
}

type SubmitRequest = z.infer<typeof submitRequestSchema>;

function parseSubmitRequest(input: unknown): SubmitRequest {
  const parsed = submitRequestSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(parsed.error.issues[0]?.message ?? '提交请求无效');
  return parsed.data;
}

/** A parsed submit applied, replayed or refused; call inside a transaction. */
function applySubmit(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  { submitId, baseRevision }: SubmitRequest,
): SubmitResult {
  const hit = findIdempotent(ctx.db, submitId);
  if (hit) {
    if (hit.userId !== user.id) throw new Conflict('请求编号冲突，请刷新页面');
    return hit.response as SubmitResult;
  }
  const scope = sheetScope(ctx, user, roundId, siteId);
  const sheet = scope.sheet;
  if (sheet?.status === 'returned' && baseRevision < sheet.revision)
    throw new Conflict(
      `创城办已退回此表（${sheet.returned_reason ?? ''}），离线时的提交没有生效；请核对后重新提交`,
    );
  submitLoaded(ctx, user, scope);
  const result: SubmitResult = { status: 'submitted', revision: (sheet?.revision ?? 0) + 1 };
  saveIdempotent(ctx.db, submitId, user.id, result);
  return result;
}

const returnReason = z.string().trim().min(1, '请填写退回原因').max(500, '退回原因不能超过500个字符');

export function returnSheet(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  reason: unknown,
): void {
  atomically(ctx.db, () => {
    // who may return it is asked before what was typed: a refusal says so, whatever the form held
    const scope = sheetScope(ctx, user, roundId, siteId, 'sheet.return');
    const parsed = returnReason.safeParse(reason);
    if (!parsed.success) {
      const message = issueMessage(parsed.error, '退回原因格式无效');
      throw new InvalidInput(message, { reason: message });
    }
    if (scope.round.status !== 'open') throw new Conflict('本轮测评已结束，不能退回');
    if (scope.sheet?.status !== 'submitted') throw new Conflict('只有已提交的测评表可以退回');
    markReturned(ctx.db, scope.sheet.id, parsed.data);
    appendAudit(ctx.db, {
      userId: user.id,
      action: 'sheet.return',
      entity: 'inspection',
      entityId: scope.sheet.id,
      roundId,
      siteId,
      detail: { reason: parsed.data },
    });
  });
}
