/**
 * The office's decisions on a 材料任务: 评分 by the standard's own mode (合格 / 不合格, missing items for a
 * deduction, the case count for a grade), 退回补充 with a reason and a new due date, and 延期. Each is one
 * transaction: the task (at the revision the form was opened at), its history, the audit log and — for a
 * score that loses points — a problem in the rectification loop with the task's unit and no site (a
 * correction to 合格 voids it while it is still open or awaiting review).
 *
 * Decisions:
 *  - Only a submitted task is scored; a scored one may be scored again (更正) with a reason.
 *  - 退回补充 only from 已提交; the new due date is today or later and becomes the task's deadline.
 *  - 延期 only for a task still with the unit (未提交 / 退回补充 / 逾期未交); later than its deadline.
 *  - A round's published results are not changed under it (withdraw first); 退回补充 and 延期 only while the
 *    round is open (units submit only then); scoring goes on after the round is closed.
 */
import { z } from 'zod';
import { atomically, type Db } from '../db/connection.ts';
import { appendTaskEvent, updateTask, type DocumentTaskRow } from '../db/repos/document-tasks.ts';
import { syncTaskProblem } from './task-problems.ts';
import { appendAudit } from '../db/repos/audit.ts';
import type { UserRow } from '../db/repos/users.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import type { Rules } from '../criteria/schema.ts';
import type { StandardScore } from '../scoring/standard.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { addDays, nowIso, shanghaiDate } from '../util/time.ts';
import { TASK_STATE_NAMES } from '../labels.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { countTask, taskDeadline, taskState, taskTarget, type TaskTarget } from './document-tasks.ts';
import { parseField, refusals } from './validate.ts';

export interface ReviewCtx {
  db: Db;
  criteria: CriteriaCache;
}

export const STALE_TASK = '该任务已被修改，请刷新后重试';
const PUBLISHED = '本轮结果已发布，如需更正请先撤回发布';

/** The task of this round the actor may review, its standard and the version's rules (404 / 403). */
export function reviewTarget(
  ctx: ReviewCtx,
  actor: Actor,
  roundId: number,
  taskId: number,
): TaskTarget & { standard: IndexedStandard; rules: Rules } {
  const target = taskTarget(ctx.db, taskId);
  if (target.task.round_id !== roundId) throw new NotFound('找不到该材料任务');
  canOrReject(ctx.db, actor, 'task.review', target);
  const version = ctx.criteria.get(target.round.criteria_version_id);
  const standard = version.byCode.get(target.task.standard_code);
  if (!standard) throw new NotFound('找不到该材料任务的测评标准');
  return { ...target, standard, rules: version.version.rules };
}

const reasonText = (what: string, max = 500) =>
  z
    .string({ error: `请填写${what}` })
    .trim()
    .min(1, `请填写${what}`)
    .max(max, `${what}不能超过${max}个字符`);
const noteText = z.string({ error: '说明格式无效' }).trim().max(500, '评审意见不能超过500个字符');

/** The form was opened at the task's current revision, or it is stale (409). */
function checkRevision(task: DocumentTaskRow, value: unknown): void {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value) || Number(value) !== task.revision)
    throw new Conflict(STALE_TASK);
}

/** A YYYY-MM-DD date from a date field, today or later and after `after` when given. */
function dateField(
  value: unknown,
  field: string,
  what: string,
  after?: string,
  today = shanghaiDate(),
): string {
  const choose = `请选择${what}`;
  const parsed = z.iso.date().safeParse(typeof value === 'string' ? value.trim() : value);
  if (!parsed.success) throw new InvalidInput(choose, { [field]: choose });
  const date = parsed.data;
  if (after && date <= after) {
    const m = `${what}须晚于当前期限 ${after}，请选择 ${addDays(after, 1)} 或更晚的日期`;
    throw new InvalidInput(m, { [field]: m });
  }
  if (date < today) {
    const m = `${what}不能早于今天（${today}）`;
    throw new InvalidInput(m, { [field]: m });
  }
  return date;
}

/** The result and case count a score form gives for the standard's mode. */
export function parseScore(
  standard: IndexedStandard,
  input: { result?: unknown; cases?: unknown },
): { result: 'ok' | 'fail'; cases: number } {
  const mode = standard.scoring.mode;
  const count = (min: number, message: string) =>
    parseField(
      z
        .string({ error: message })
        .trim()
        .regex(/^\d{1,3}$/, message)
        .transform(Number)
        .refine((n) => n >= min, message),
      input.cases,
      'cases',
    );
  if (mode === 'grade') {
    const cases = count(0, '请填写缺少的次数（0 或正整数）');
    return { result: cases > 0 ? 'fail' : 'ok', cases };
  }
  const result = parseField(z.enum(['ok', 'fail'], { error: '请选择合格或不合格' }), input.result, 'result');
  if (result === 'ok' || mode === 'passfail') return { result, cases: 0 };
  return { result, cases: count(1, '不合格时请填写缺项数（至少1项）') };
}

export interface ScoreInput {
  result?: unknown;
  cases?: unknown;
  note?: unknown;
  /** 更正理由: required when the task is already scored */
  reason?: unknown;
  revision?: unknown;
}

export interface ScoreOutcome {
  score: StandardScore;
  problemId: number | null;
  corrected: boolean;
}

/** 评分 (or 更正): the task scored by its standard's mode, a problem raised or voided to match. */
export function scoreTask(
  ctx: ReviewCtx,
  actor: Actor,
  roundId: number,
  taskId: number,
  input: ScoreInput,
): ScoreOutcome {
  return atomically(ctx.db, () => {
    const { task, round, standard, rules } = reviewTarget(ctx, actor, roundId, taskId);
    const user = userOf(actor);
    if (round.status === 'published') throw new Conflict(PUBLISHED);
    checkRevision(task, input.revision);
    if (task.status !== 'submitted' && task.status !== 'scored')
      throw new Conflict(`该任务现为“${TASK_STATE_NAMES[taskState(task)]}”，只有已提交的材料才能评分`);
    const corrected = task.status === 'scored';
    const check = refusals();
    const scored = check(() => parseScore(standard, input));
    const note = check(() => parseField(noteText, input.note ?? '', 'note'));
    const reason = corrected ? check(() => parseField(reasonText('更正理由'), input.reason, 'reason')) : '';
    check.done();
    const fields = {
      status: 'scored',
      result: scored.result,
      cases: scored.cases,
      review_note: note,
      reviewed_at: nowIso(),
      reviewed_by: user.id,
    } as const;
    if (!updateTask(ctx.db, task.id, fields, task.revision)) throw new Conflict(STALE_TASK);
    const count = countTask({ ...task, ...fields }, standard, rules);
    if (count.kind !== 'scored') throw new Error('a scored task must count as scored');
    const score = count.score;
    const problemId = syncTaskProblem(ctx.db, task, standard, score, note, user);
    // a correction shows each changed value as old → new in the audit log
    const changed = <T>(was: T, now: T) => (corrected && was !== now ? { old: was, new: now } : now);
    const detail = {
      result: changed(task.result, scored.result),
      cases: changed(task.cases, scored.cases),
      earned: score.earned,
      possible: score.possible,
      ...(score.grade ? { grade: score.grade } : {}),
      ...(note ? { note } : {}),
      ...(corrected ? { reason } : {}),
      ...(problemId === null ? {} : { problemId }),
    };
    appendTaskEvent(ctx.db, {
      taskId: task.id,
      userId: user.id,
      action: 'score',
      from: task.status,
      to: 'scored',
      note: corrected ? `更正：${reason}${note ? `；${note}` : ''}` : note,
      data: detail,
    });
    audit(ctx.db, task, user, 'score', detail);
    return { score, problemId, corrected };
  });
}

/** 退回补充: back to the unit with the reason and a new due date. */
export function returnTask(
  ctx: ReviewCtx,
  actor: Actor,
  roundId: number,
  taskId: number,
  input: { reason?: unknown; dueOn?: unknown; revision?: unknown },
): string {
  return atomically(ctx.db, () => {
    const { task, round } = reviewTarget(ctx, actor, roundId, taskId);
    const user = userOf(actor);
    if (round.status !== 'open')
      throw new Conflict(round.status === 'published' ? PUBLISHED : '本轮测评已结束，不能再退回补充');
    checkRevision(task, input.revision);
    if (task.status !== 'submitted')
      throw new Conflict(`该任务现为“${TASK_STATE_NAMES[taskState(task)]}”，只有已提交的材料才能退回补充`);
    const check = refusals();
    const reason = check(() => parseField(reasonText('退回理由'), input.reason, 'reason'));
    const dueOn = check(() => dateField(input.dueOn, 'dueOn', '新的提交期限'));
    check.done();
    const fields = { status: 'returned', extended_to: dueOn, return_reason: reason } as const;
    if (!updateTask(ctx.db, task.id, fields, task.revision)) throw new Conflict(STALE_TASK);
    const detail = { reason, dueOn: { old: taskDeadline(task), new: dueOn } };
    appendTaskEvent(ctx.db, {
      taskId: task.id,
      userId: user.id,
      action: 'return',
      from: task.status,
      to: 'returned',
      note: reason,
      data: detail,
    });
    audit(ctx.db, task, user, 'return', detail);
    return dueOn;
  });
}

/** 延期: a later last day for a task still with the unit. */
export function extendTask(
  ctx: ReviewCtx,
  actor: Actor,
  roundId: number,
  taskId: number,
  input: { reason?: unknown; dueOn?: unknown; revision?: unknown },
): string {
  return atomically(ctx.db, () => {
    const { task, round } = reviewTarget(ctx, actor, roundId, taskId);
    const user = userOf(actor);
    if (round.status !== 'open')
      throw new Conflict(round.status === 'published' ? PUBLISHED : '本轮测评已结束，不能再延期');
    checkRevision(task, input.revision);
    if (task.status !== 'pending' && task.status !== 'returned')
      throw new Conflict(`该任务现为“${TASK_STATE_NAMES[taskState(task)]}”，已提交或已评分的任务不能延期`);
    const current = taskDeadline(task);
    const check = refusals();
    const dueOn = check(() => dateField(input.dueOn, 'dueOn', '延期后的提交期限', current));
    const reason = check(() => parseField(reasonText('延期理由'), input.reason, 'reason'));
    check.done();
    if (!updateTask(ctx.db, task.id, { extended_to: dueOn }, task.revision)) throw new Conflict(STALE_TASK);
    const detail = { reason, dueOn: { old: current, new: dueOn } };
    appendTaskEvent(ctx.db, {
      taskId: task.id,
      userId: user.id,
      action: 'extend',
      from: task.status,
      to: task.status,
      note: reason,
      data: detail,
    });
    audit(ctx.db, task, user, 'extend', detail);
    return dueOn;
  });
}

function audit(
  db: Db,
  task: DocumentTaskRow,
  user: UserRow,
  action: 'score' | 'return' | 'extend',
  detail: Record<string, unknown>,
): void {
  appendAudit(db, {
    userId: user.id,
    action: `task.${action}`,
    entity: 'document_task',
    entityId: task.id,
    roundId: task.round_id,
    detail: { standard: task.standard_code, unitId: task.unit_id, ...detail },
  });
}
