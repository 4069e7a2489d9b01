/**
 * The scoring sheet's use cases: saving batches of answers (the autosave protocol), submitting,
 * returning (退回) and the tablet's location.
 *
 * Save protocol (sheet-protocol.ts; the offline queue replays exactly this): the tablet sends a batch
 * of the changes made within a moment. batchId is generated on the device and stored with the answer
 * it got in the same transaction as the write, so a retried batch changes nothing and gets the same
 * answer. Every batch that writes raises the sheet's revision; baseRevision tells which revision the
 * device had seen. Each answer is checked on its own (scoring/answer-rules.ts, the tablet's rules too).
 */
import { z } from 'zod';
import { issueMessage } from './validate.ts';
import type { UserRow } from '../db/repos/users.ts';
import {
  bumpRevision,
  insertInspection,
  listAnswers,
  markReturned,
  markSubmitted,
  setOpenedLocation,
  upsertAnswers,
  listAnswersOf,
  type AnswerRow,
  type AnswerWrite,
} from '../db/repos/inspections.ts';
import { answerRevisions, stampAnswerRevision } from '../db/repos/answer-revisions.ts';
import { listInspectionPhotos } from '../db/repos/photos.ts';
import { findIdempotent, saveIdempotent } from '../db/repos/idempotency.ts';
import { atomically } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, Forbidden, InvalidInput } from '../errors.ts';
import { checkAnswer } from '../scoring/answer-rules.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import type { Rules } from '../criteria/schema.ts';
import { requireEditable, sheetScope, type SheetCtx, type SheetScope } from './sheet-access.ts';
import {
  batchSchema,
  describeRefused,
  parseChange,
  submitRequestSchema,
  type ParsedChange,
  type RefusedChange,
  type SaveConflict,
  type SaveResult,
  type SubmitResult,
} from './sheet-protocol.ts';

export {
  clientKey,
  type AnswerChange,
  type SaveBatch,
  type SaveConflict,
  type SaveResult,
  type SubmitResult,
} from './sheet-protocol.ts';

/** Checks one change against its standard and the version's rules; returns the row to write. */
export function normalizeChange(
  change: ParsedChange,
  standard: IndexedStandard,
  rules: Pick<Rules, 'onTheSpotFix'>,
): AnswerWrite {
  const checked = checkAnswer(change, standard, rules);
  if (!checked.ok) throw new InvalidInput(`标准 ${standard.code}：${checked.reason}`);
  return { standardCode: standard.code, ...checked.answer };
}

function answerSnapshot(a: AnswerRow | undefined) {
  return a ? { result: a.result, cases: a.cases, fixedCases: a.fixed_cases, note: a.note } : null;
}

/**
 * Saves a batch: each valid change is written, each invalid one reported in `refused` with its reason
 * (a batch whose every change is refused is a 400, so a plain bad request still reads as one).
 */
export function saveChanges(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): SaveResult {
  const parsed = batchSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(issueMessage(parsed.error, '保存的内容格式无效'));
  const batch = parsed.data;
  return atomically(ctx.db, (): SaveResult => {
    const hit = findIdempotent(ctx.db, batch.batchId);
    if (hit) {
      if (hit.userId !== user.id) throw new Conflict('请求编号冲突，请刷新页面');
      return { refused: [], ...(hit.response as Omit<SaveResult, 'refused'>) };
    }
    const scope = sheetScope(ctx, user, roundId, siteId);
    requireEditable(user, scope);
    const applicable = new Map(scope.standards.map((s) => [s.code, s]));
    const refused: RefusedChange[] = [];
    const writes: AnswerWrite[] = [];
    for (const raw of batch.changes) {
      const p = parseChange(raw);
      if (!p.ok) {
        refused.push({ standard: p.standard, reason: p.reason });
        continue;
      }
      const standard = applicable.get(p.change.standard);
      if (!standard) {
        refused.push({ standard: p.change.standard, reason: '不适用于该点位类型，不能填写' });
        continue;
      }
      const checked = checkAnswer(p.change, standard, scope.criteria.version.rules);
      if (checked.ok) writes.push({ standardCode: standard.code, ...checked.answer });
      else refused.push({ standard: standard.code, reason: checked.reason });
    }
    if (!writes.length)
      throw new InvalidInput(refused.map(describeRefused).join('；') || '保存的内容格式无效');
    const inspection = scope.inspection ?? insertInspection(ctx.db, roundId, siteId, user.id);
    // a batch from a device that had not seen the sheet's latest revision: an answer written since
    // (from another device of the same inspector, at a later revision) or by the office wins, and the
    // device is told both versions so the inspector can choose
    const stale = batch.baseRevision < inspection.revision;
    const codes = writes.map((w) => w.standardCode);
    // what the answers were: only needed to compare (stale) or to audit (a submitted sheet)
    const before = new Map(
      stale || inspection.submitted_at
        ? listAnswersOf(ctx.db, inspection.id, codes).map((a) => [a.standard_code, a])
        : [],
    );
    const revisions = stale ? answerRevisions(ctx.db, inspection.id, codes) : new Map<string, number>();
    const conflicts: SaveConflict[] = [];
    const applied = writes.filter((w) => {
      const current = before.get(w.standardCode);
      if (!stale || !current) return true;
      const byOffice = current.updated_by !== null && current.updated_by !== user.id;
      const newer = (revisions.get(w.standardCode) ?? 0) > batch.baseRevision;
      if (!byOffice && !newer) return true;
      const mine = { result: w.result, cases: w.cases, fixedCases: w.fixedCases, note: w.note };
      const server = answerSnapshot(current)!;
      if (JSON.stringify(mine) !== JSON.stringify(server))
        conflicts.push({
          standard: w.standardCode,
          text: applicable.get(w.standardCode)!.text,
          mine,
          office: server,
          by: byOffice ? 'office' : 'self',
        });
      return false;
    });
    upsertAnswers(ctx.db, inspection.id, applied, user.id);
    for (const w of applied) {
      if (inspection.submitted_at) {
        appendAudit(ctx.db, {
          userId: user.id,
          action: 'answer.change',
          entity: 'inspection',
          entityId: inspection.id,
          roundId,
          siteId,
          detail: {
            standard: w.standardCode,
            old: answerSnapshot(before.get(w.standardCode)),
            new: { result: w.result, cases: w.cases, fixedCases: w.fixedCases, note: w.note },
          },
        });
      }
    }
    const revision = applied.length ? bumpRevision(ctx.db, inspection.id) : inspection.revision;
    if (applied.length)
      stampAnswerRevision(
        ctx.db,
        inspection.id,
        applied.map((w) => w.standardCode),
        revision,
      );
    const result: SaveResult = {
      revision,
      status: inspection.status,
      saved: applied.map((w) => w.standardCode),
      conflicts,
      refused,
    };
    saveIdempotent(ctx.db, batch.batchId, user.id, result);
    return result;
  });
}

export interface SubmitBlocker {
  code: string;
  text: string;
  reason: string;
}

/** What keeps a sheet from being submitted: unanswered standards, deductions lacking a required photo. */
export function submitBlockers(ctx: SheetCtx, scope: SheetScope): SubmitBlocker[] {
  const answers = new Map(
    scope.inspection ? listAnswers(ctx.db, scope.inspection.id).map((a) => [a.standard_code, a]) : [],
  );
  const photos = scope.inspection ? listInspectionPhotos(ctx.db, scope.inspection.id) : [];
  const withPhoto = new Set(photos.map((p) => p.standard_code));
  const blockers: SubmitBlocker[] = [];
  for (const s of scope.standards) {
    const a = answers.get(s.code);
    if (!a) blockers.push({ code: s.code, text: s.text, reason: '未评' });
    else if (a.result === 'fail' && s.photoRequired && !withPhoto.has(s.code))
      blockers.push({ code: s.code, text: s.text, reason: '不符合但缺少照片' });
  }
  return blockers;
}

export class SubmitBlocked extends InvalidInput {
  constructor(readonly blockers: SubmitBlocker[]) {
    super(`还不能提交：${blockers.length} 条标准需要处理`);
  }
}

export function submitSheet(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number): void {
  ctx.db.transaction(() => {
    const scope = sheetScope(ctx, user, roundId, siteId);
    requireEditable(user, scope);
    const blockers = submitBlockers(ctx, scope);
    if (blockers.length || !scope.inspection) throw new SubmitBlocked(blockers);
    markSubmitted(ctx.db, scope.inspection.id);
    appendAudit(ctx.db, {
      userId: user.id,
      action: 'sheet.submit',
      entity: 'inspection',
      entityId: scope.inspection.id,
      roundId,
      siteId,
    });
  })();
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
  const parsed = submitRequestSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(parsed.error.issues[0]?.message ?? '提交请求无效');
  const { submitId, baseRevision } = parsed.data;
  return ctx.db.transaction((): SubmitResult => {
    const hit = findIdempotent(ctx.db, submitId);
    if (hit) {
      if (hit.userId !== user.id) throw new Conflict('请求编号冲突，请刷新页面');
      return hit.response as SubmitResult;
    }
    const scope = sheetScope(ctx, user, roundId, siteId);
    const inspection = scope.inspection;
    if (inspection?.status === 'returned' && baseRevision < inspection.revision)
      throw new Conflict(
        `创城办已退回此表（${inspection.returned_reason ?? ''}），离线时的提交没有生效；请核对后重新提交`,
      );
    submitSheet(ctx, user, roundId, siteId);
    const result: SubmitResult = { status: 'submitted', revision: (inspection?.revision ?? 0) + 1 };
    saveIdempotent(ctx.db, submitId, user.id, result);
    return result;
  })();
}

export function returnSheet(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  reason: unknown,
): void {
  const parsed = z
    .string()
    .trim()
    .min(1, '请填写退回原因')
    .max(500, '退回原因不能超过500个字符')
    .safeParse(reason);
  if (!parsed.success) {
    const message = issueMessage(parsed.error, '退回原因格式无效');
    throw new InvalidInput(message, { reason: message });
  }
  ctx.db.transaction(() => {
    if (user.role !== 'office') throw new Forbidden('只有创城办可以退回测评表');
    const scope = sheetScope(ctx, user, roundId, siteId);
    if (scope.round.status !== 'open') throw new Conflict('本轮测评已结束，不能退回');
    if (scope.inspection?.status !== 'submitted') throw new Conflict('只有已提交的测评表可以退回');
    markReturned(ctx.db, scope.inspection.id, parsed.data);
    appendAudit(ctx.db, {
      userId: user.id,
      action: 'sheet.return',
      entity: 'inspection',
      entityId: scope.inspection.id,
      roundId,
      siteId,
      detail: { reason: parsed.data },
    });
  })();
}

const locationSchema = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });

export function recordLocation(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): void {
  const parsed = locationSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInput('位置信息无效');
  ctx.db.transaction(() => {
    const scope = sheetScope(ctx, user, roundId, siteId);
    requireEditable(user, scope);
    const inspection = scope.inspection ?? insertInspection(ctx.db, roundId, siteId, user.id);
    setOpenedLocation(ctx.db, inspection.id, parsed.data.lat, parsed.data.lng);
  })();
}
