/**
 * A unit's requests on an open problem — 申诉 (dispute), 转办 (transfer to the unit it names) and 延期
 * (a later deadline) — and the office's decision on each. The unit's choices travel with the request, so
 * the office decides from what was asked and never from a default; every refusal names the form field
 * and says in words what to choose. Each step is in the problem's history and in the audit log.
 *
 * A 延期 granted is a date the office chose: the new deadline is that whole day, the rule it was first
 * counted by kept beside it (3 个工作日，至 10-23). A deadline in hours loses its time of day — 24 小时，至
 * 12-02 10:00 extended to 12-04 is due by the end of 12-04, not at 10:00 on it.
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import { parseField, refusals } from './validate.ts';
import type { UserRow } from '../db/repos/users.ts';
import {
  addProblemEvent,
  updateProblem,
  type ProblemRequest,
  type ProblemRow,
} from '../db/repos/problems.ts';
import { findUnitById } from '../db/repos/units.ts';
import type { Db } from '../db/connection.ts';
import { findInspectionById, listAnswers, upsertAnswer, bumpRevision } from '../db/repos/inspections.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import { addDays, shanghaiDate } from '../util/time.ts';
import { PROBLEM_STATUS_NAMES, REQUEST_NAMES } from '../labels.ts';
import type { Actor } from './access.ts';
import { deadlineWords } from './deadlines.ts';
import {
  auditStep,
  insertPhotos,
  problemFor,
  requireProblem,
  text,
  transition,
  withPhotos,
  type ProblemCtx,
  type UploadedPhoto,
} from './problems.ts';

export interface ChangeRequest {
  kind: unknown;
  note: unknown;
  /** 延期: the new deadline asked for (YYYY-MM-DD, from a date field) */
  deadline?: unknown;
  /** 转办: the id of the unit the problem should go to */
  unitId?: unknown;
}

/**
 * A new deadline later than the current one and not in the past, or a refusal that says so in words
 * (the browser's date field sends YYYY-MM-DD; anything else is "not chosen").
 */
function newDeadline(p: ProblemRow, value: unknown, today = shanghaiDate()): string {
  const choose = `请选择新的整改时限（须晚于当前时限 ${deadlineWords(p)}）`;
  const parsed = z.iso.date().safeParse(typeof value === 'string' ? value.trim() : value);
  if (!parsed.success) throw new InvalidInput(choose, { deadline: choose });
  const date = parsed.data;
  if (date <= p.deadline) {
    const m = `新的整改时限须晚于当前时限 ${deadlineWords(p)}，请选择 ${addDays(p.deadline, 1)} 或更晚的日期`;
    throw new InvalidInput(m, { deadline: m });
  }
  if (date < today) {
    const m = `新的整改时限不能早于今天（${today}）`;
    throw new InvalidInput(m, { deadline: m });
  }
  return date;
}

/** The unit a transfer (or the office's 交办) names: chosen, in use, and not the one responsible now. */
export function transferTarget(db: Db, p: ProblemRow, value: unknown, choose: string): number {
  const id = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : null;
  if (id === null) throw new InvalidInput(choose, { unitId: choose });
  const unit = findUnitById(db, id);
  if (!unit || unit.retired_at)
    throw new InvalidInput('找不到该单位或已停用，请重新选择', {
      unitId: '找不到该单位或已停用，请重新选择',
    });
  if (id === p.unit_id) {
    const m = '该问题现在就由这个单位负责，请选择另一个单位';
    throw new InvalidInput(m, { unitId: m });
  }
  return id;
}

/** 申诉 / 转办 / 延期: a request from the unit while the problem is open. */
export async function requestChange(
  ctx: ProblemCtx,
  actor: Actor,
  id: number,
  input: ChangeRequest,
  photos: UploadedPhoto[],
): Promise<void> {
  const { p, user } = problemFor(ctx.db, actor, 'problem.request', id);
  const kind = parseField(
    z.enum(['dispute', 'transfer', 'extension'], { error: '申请类型无效' }),
    input.kind,
    'kind',
  ) as ProblemRequest;
  if (p.status !== 'open')
    throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能申请${REQUEST_NAMES[kind]}`);
  if (p.request) throw new Conflict(`已有待处理的${REQUEST_NAMES[p.request]}申请`);
  const check = refusals();
  const unitId =
    kind === 'transfer'
      ? check(() => transferTarget(ctx.db, p, input.unitId, '请选择应由哪个单位整改'))
      : null;
  const deadline = kind === 'extension' ? check(() => newDeadline(p, input.deadline)) : null;
  const note = check(() => parseField(text(`${REQUEST_NAMES[kind]}理由`), input.note, 'note'));
  check.done();
  await withPhotos(ctx, p, user, REQUEST_NAMES.dispute, kind === 'dispute' ? photos : [], (stored) =>
    atomically(ctx.db, () => {
      const fresh = requireProblem(ctx.db, id);
      if (fresh.status !== 'open' || fresh.request) throw new Conflict('该问题的状态已变化，请刷新页面');
      const ids = insertPhotos(ctx.db, fresh, user, 'appeal', stored);
      updateProblem(ctx.db, id, {
        request: kind,
        request_note: note,
        request_deadline: deadline,
        request_unit_id: unitId,
      });
      addProblemEvent(ctx.db, {
        problemId: id,
        userId: user.id,
        action: `request_${kind}`,
        from: 'open',
        to: 'open',
        note,
        data: { deadline, unitId, photos: ids },
      });
      auditStep(ctx.db, fresh, user, `request_${kind}`, {
        reason: note,
        ...(unitId === null ? {} : { requestedUnitId: unitId }),
        ...(deadline === null ? {} : { requestedDeadline: deadline, currentDeadline: fresh.deadline }),
        ...(ids.length ? { photos: ids.length } : {}),
      });
    }),
  );
}

/** The office decides a pending request. Upheld disputes void the problem and remove the deduction. */
export function decideRequest(
  ctx: ProblemCtx,
  actor: Actor,
  id: number,
  input: { approve: unknown; note: unknown; unitId?: unknown; deadline?: unknown },
): void {
  const approve = input.approve === true || input.approve === '1';
  atomically(ctx.db, () => {
    const { p, user } = problemFor(ctx.db, actor, 'problem.decide', id);
    if (!p.request || p.status !== 'open') throw new Conflict('该问题没有待处理的申请');
    const check = refusals();
    const note = check(() =>
      parseField(
        approve ? z.string().trim().max(500, '处理意见不能超过500个字符') : text('不同意的理由'),
        input.note ?? '',
        'note',
      ),
    );
    const unitId =
      approve && p.request === 'transfer'
        ? check(() => transferTarget(ctx.db, p, input.unitId, '请选择改由哪个单位整改'))
        : null;
    const deadline =
      approve && p.request === 'extension' && input.deadline
        ? check(() => newDeadline(p, input.deadline))
        : p.request_deadline;
    check.done();
    const kind = p.request;
    const cleared = {
      request: null,
      request_note: '',
      request_deadline: null,
      request_unit_id: null,
    } as const;
    const event = (action: string, data?: unknown) =>
      addProblemEvent(ctx.db, {
        problemId: id,
        userId: user.id,
        action,
        from: 'open',
        to: 'open',
        note,
        data,
      });
    if (!approve) {
      updateProblem(ctx.db, id, cleared);
      event(`refuse_${kind}`);
      auditStep(ctx.db, p, user, `refuse_${kind}`, { opinion: note, requestReason: p.request_note });
      return;
    }
    if (kind === 'transfer') {
      updateProblem(ctx.db, id, { ...cleared, unit_id: unitId });
      event('transfer', { from: p.unit_id, to: unitId });
      auditStep(ctx.db, p, user, 'transfer', {
        responsibleUnitId: { old: p.unit_id, new: unitId },
        ...(p.request_unit_id === null ? {} : { requestedUnitId: p.request_unit_id }),
        opinion: note,
      });
    } else if (kind === 'extension') {
      updateProblem(ctx.db, id, {
        ...cleared,
        deadline: deadline!,
        deadline_time: null,
      });
      const old = deadlineWords(p);
      event('extend', { from: old, to: deadline });
      auditStep(ctx.db, p, user, 'extend', { deadline: { old, new: deadline }, opinion: note });
    } else upholdDispute(ctx.db, p, user, note);
  });
}

/** 申诉成立: the problem is voided and its deduction removed, as an audit-logged correction. */
function upholdDispute(db: Db, p: ProblemRow, user: UserRow, note: string): void {
  updateProblem(db, p.id, {
    request: null,
    request_note: '',
    request_deadline: null,
    request_unit_id: null,
    void_reason: `申诉成立：${p.request_note}`,
  });
  transition(db, p, user, 'uphold_dispute', 'void', {}, note);
  const sheet = p.sheet_id === null ? undefined : findInspectionById(db, p.sheet_id);
  if (!sheet || p.standard_code === null) return;
  const old = listAnswers(db, sheet.id).find((a) => a.standard_code === p.standard_code);
  upsertAnswer(
    db,
    sheet.id,
    {
      standardCode: p.standard_code,
      result: 'ok',
      cases: 0,
      fixedCases: 0,
      grade: old?.grade ? 'A' : null,
      note: old?.note ?? '',
    },
    user.id,
    true,
  );
  bumpRevision(db, sheet.id);
  appendAudit(db, {
    userId: user.id,
    action: 'answer.correct',
    entity: 'inspection',
    entityId: sheet.id,
    roundId: p.round_id,
    siteId: p.site_id,
    detail: {
      standard: p.standard_code,
      reason: `申诉成立（问题 #${p.id}）：${p.request_note}`,
      old: old ? { result: old.result, cases: old.cases, fixedCases: old.fixed_cases, note: old.note } : null,
      new: { result: 'ok', cases: 0, fixedCases: 0, note: old?.note ?? '' },
    },
  });
}
