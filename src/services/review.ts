/**
 * The office's review of submitted sheets: approve, or correct a single answer with a required reason
 * (kept in the audit log with the old and new values, and shown as 已更正 on the sheet). Returning a
 * sheet lives with the sheet services (returnSheet). A published round is frozen. Approving sends the
 * sheet's problems out (problem-raise.ts).
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import { issueMessage } from './validate.ts';
import type { UserRow } from '../db/repos/users.ts';
import { bumpRevision, listAnswers, markApproved, upsertAnswer } from '../db/repos/inspections.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import { normalizeChange } from './sheets.ts';
import { correctionAnswerSchema } from '../protocol/sheet.ts';
import { sheetScope, type SheetCtx } from './sheet-access.ts';
import { syncProblems } from './problem-raise.ts';

export function approveSheet(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number): void {
  atomically(ctx.db, () => {
    const scope = sheetScope(ctx, user, roundId, siteId, 'sheet.review');
    if (scope.round.status !== 'open') throw new Conflict('只有进行中的轮次可以审核');
    if (scope.sheet?.status !== 'submitted') throw new Conflict('只有已提交的测评表可以审核通过');
    markApproved(ctx.db, scope.sheet.id, user.id);
    syncProblems(ctx.db, ctx.criteria, scope.sheet.id, user.id);
    appendAudit(ctx.db, {
      userId: user.id,
      action: 'sheet.approve',
      entity: 'inspection',
      entityId: scope.sheet.id,
      roundId,
      siteId,
    });
  });
}

/** The answer part is the sheet protocol's (the tablet's rules and words); the reason is the office's. */
const correctionSchema = correctionAnswerSchema.extend({
  reason: z.string().trim().min(1, '更正必须填写原因').max(500, '更正原因不能超过500个字符'),
});

export function correctAnswer(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): void {
  atomically(ctx.db, () => {
    // who may correct is asked before what was typed: a refusal says so, whatever the form held
    const scope = sheetScope(ctx, user, roundId, siteId, 'sheet.correct');
    const parsed = correctionSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = issueMessage(parsed.error, '更正内容格式无效');
      throw new InvalidInput(message, { [String(issue?.path[0] ?? 'form')]: message });
    }
    const c = parsed.data;
    if (scope.round.status === 'published') throw new Conflict('本轮结果已发布，如需更正请先撤回发布');
    if (scope.round.status === 'draft') throw new Conflict('轮次尚未开始');
    const sheet = scope.sheet;
    if (!sheet || (sheet.status !== 'submitted' && sheet.status !== 'approved'))
      throw new Conflict('只能更正已提交或已通过的测评表');
    const standard = scope.standards.find((s) => s.code === c.standard);
    if (!standard) throw new InvalidInput(`标准 ${c.standard} 不适用于该点位类型`);
    const write = normalizeChange(c, standard, scope.criteria.version.rules);
    const old = listAnswers(ctx.db, sheet.id).find((a) => a.standard_code === c.standard);
    upsertAnswer(ctx.db, sheet.id, write, user.id, true);
    bumpRevision(ctx.db, sheet.id);
    // an approved sheet already sent its problems out: the correction voids or adds problems
    if (sheet.status === 'approved') syncProblems(ctx.db, ctx.criteria, sheet.id, user.id);
    appendAudit(ctx.db, {
      userId: user.id,
      action: 'answer.correct',
      entity: 'inspection',
      entityId: sheet.id,
      roundId,
      siteId,
      detail: {
        standard: c.standard,
        reason: c.reason,
        old: old
          ? { result: old.result, cases: old.cases, fixedCases: old.fixed_cases, note: old.note }
          : null,
        new: { result: write.result, cases: write.cases, fixedCases: write.fixedCases, note: write.note },
      },
    });
  });
}
