/**
 * The scoring sheet's use cases: saving batches of answers (the autosave protocol), submitting,
 * returning (退回) and the tablet's location.
 *
 * Save protocol (the offline queue replays exactly this): the tablet sends a batch
 * { batchId, baseRevision, changes: [{ standard, result, cases, fixedCases, note }] } of the changes made
 * within a moment. batchId is generated on the device and stored with the answer it got in the same
 * transaction as the write, so a retried batch changes nothing and gets the same answer. Every accepted
 * batch raises the sheet's revision; baseRevision tells which revision the device had seen.
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
  type InspectionRow,
} from '../db/repos/inspections.ts';
import { listInspectionPhotos } from '../db/repos/photos.ts';
import { findIdempotent, saveIdempotent } from '../db/repos/idempotency.ts';
import { atomically } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, Forbidden, InvalidInput } from '../errors.ts';
import { gradeFor } from '../scoring/standard.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import type { Rules } from '../criteria/schema.ts';
import { requireEditable, sheetScope, type SheetCtx, type SheetScope } from './sheet-access.ts';

export const clientKey = z
  .string({ error: '客户端编号无效' })
  .regex(/^[A-Za-z0-9_-]{8,64}$/, '客户端编号无效');

const changeSchema = z.object(
  {
    standard: z.string({ error: '标准编码无效' }).min(1, '标准编码无效').max(40, '标准编码无效'),
    result: z.enum(['ok', 'fail', 'na'], { error: '结果只能是 符合 / 不符合 / 不适用' }),
    cases: z
      .number({ error: '问题数必须是数字' })
      .int('问题数必须是整数')
      .min(0, '问题数不能为负数')
      .max(999, '问题数不能超过999'),
    fixedCases: z
      .number({ error: '当场整改数必须是数字' })
      .int('当场整改数必须是整数')
      .min(0, '当场整改数不能为负数')
      .max(999, '当场整改数不能超过999')
      .default(0),
    note: z.string({ error: '备注必须是文字' }).max(500, '备注不能超过500个字符').default(''),
  },
  { error: '保存的内容格式无效' },
);
export type AnswerChange = z.input<typeof changeSchema>;

const revisionSchema = z.number({ error: '版本号无效' }).int('版本号无效').min(0, '版本号无效');

export const batchSchema = z.object(
  {
    batchId: clientKey,
    baseRevision: revisionSchema,
    changes: z
      .array(changeSchema, { error: '保存的内容格式无效' })
      .min(1, '没有要保存的内容')
      .max(300, '一次保存的内容太多'),
  },
  { error: '保存的内容格式无效' },
);
export type SaveBatch = z.input<typeof batchSchema>;

type AnswerSnapshot = { result: string; cases: number; fixedCases: number; note: string };

/** A change from a device that had not seen the office's later answer to the same standard. */
export interface SaveConflict {
  standard: string;
  text: string;
  mine: AnswerSnapshot;
  office: AnswerSnapshot;
}

export interface SaveResult {
  revision: number;
  status: InspectionRow['status'];
  saved: string[];
  /** changes not applied because the office's answer wins (the device's baseRevision was older) */
  conflicts: SaveConflict[];
}

/** Checks one change against its standard and the version's rules; returns the row to write. */
export function normalizeChange(
  change: z.output<typeof changeSchema>,
  standard: IndexedStandard,
  rules: Pick<Rules, 'onTheSpotFix'>,
): AnswerWrite {
  const label = `标准 ${standard.code}`;
  let { cases, fixedCases } = change;
  if (change.result !== 'fail') {
    if (cases > 0)
      throw new InvalidInput(`${label}：选择“${change.result === 'ok' ? '符合' : '不适用'}”时问题数应为0`);
    cases = 0;
    fixedCases = 0;
  } else if (standard.scoring.mode === 'passfail') {
    cases = 1;
    fixedCases = Math.min(fixedCases, 1);
  } else if (cases < 1) {
    throw new InvalidInput(`${label}：选择“不符合”时至少记录1处问题`);
  }
  if (fixedCases > cases) throw new InvalidInput(`${label}：当场整改数不能多于问题数`);
  if (!rules.onTheSpotFix.enabled) fixedCases = 0;
  const grade =
    standard.scoring.mode === 'grade'
      ? change.result === 'fail'
        ? gradeFor(cases, standard.scoring.thresholds)
        : change.result === 'ok'
          ? 'A'
          : null
      : null;
  return {
    standardCode: standard.code,
    result: change.result,
    cases,
    fixedCases,
    grade,
    note: change.note.trim(),
  };
}

function answerSnapshot(a: AnswerRow | undefined) {
  return a ? { result: a.result, cases: a.cases, fixedCases: a.fixed_cases, note: a.note } : null;
}

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
      return hit.response as SaveResult;
    }
    const scope = sheetScope(ctx, user, roundId, siteId);
    requireEditable(user, scope);
    const applicable = new Map(scope.standards.map((s) => [s.code, s]));
    const writes = batch.changes.map((c) => {
      const standard = applicable.get(c.standard);
      if (!standard) throw new InvalidInput(`标准 ${c.standard} 不适用于该点位类型，不能填写`);
      return normalizeChange(c, standard, scope.criteria.version.rules);
    });
    const inspection = scope.inspection ?? insertInspection(ctx.db, roundId, siteId, user.id);
    // a replay from a device that had not seen the sheet's latest revision: where the office has
    // written an answer (a correction) the office's version wins and the device is told what differs
    const stale = batch.baseRevision < inspection.revision;
    // what the answers were: only needed to compare (stale) or to audit (a submitted sheet)
    const before = new Map(
      stale || inspection.submitted_at
        ? listAnswersOf(
            ctx.db,
            inspection.id,
            writes.map((w) => w.standardCode),
          ).map((a) => [a.standard_code, a])
        : [],
    );
    const conflicts: SaveConflict[] = [];
    const applied = writes.filter((w) => {
      const current = before.get(w.standardCode);
      if (!stale || !current || current.updated_by === null || current.updated_by === user.id) return true;
      const mine = { result: w.result, cases: w.cases, fixedCases: w.fixedCases, note: w.note };
      const office = answerSnapshot(current)!;
      if (JSON.stringify(mine) !== JSON.stringify(office))
        conflicts.push({
          standard: w.standardCode,
          text: applicable.get(w.standardCode)!.text,
          mine,
          office,
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
    const result: SaveResult = {
      revision,
      status: inspection.status,
      saved: applied.map((w) => w.standardCode),
      conflicts,
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

export const submitRequestSchema = z.object({
  submitId: clientKey,
  baseRevision: z.number().int().min(0),
});

export interface SubmitResult {
  status: 'submitted';
  revision: number;
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
