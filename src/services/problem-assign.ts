/**
 * The office's say over a problem from outside rounds (督查, 随手拍, 12345, 媒体), which no criteria
 * places: who fixes it and who re-inspects it.
 * - 交办 / 改派: an open one gets its responsible unit (one recorded 待分派, without a unit, can get
 *   one no other way: only a unit asks for 转办), or another with a reason. Not while a unit's request
 *   waits (decide it first). A round's problem keeps the unit its criteria name, changed by 转办 only.
 * - 复查: it has no round, so no assigned inspector of a site does it. The office gives it to an active
 *   inspector, or keeps it (创城办自行复查; then the 包联 leader who recorded it may also do it). A
 *   round's problem is re-inspected by its site's inspector and cannot be given away.
 * Each change is a step of the problem's history and an audit_log entry; the fixer never closes their
 * own problem (access.ts, problem.reinspect).
 */
import { atomically, type Db } from '../db/connection.ts';
import { addProblemEvent, updateProblem } from '../db/repos/problems.ts';
import { findUserById } from '../db/repos/users.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import { PROBLEM_STATUS_NAMES, REQUEST_NAMES } from '../labels.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import { auditStep, requireProblem, text } from './problems.ts';
import { transferTarget } from './problem-requests.ts';
import { parseField, refusals } from './validate.ts';
import { findUnitById } from '../db/repos/units.ts';
import { z } from 'zod';

/** What the form's select sends for "the office does it itself". */
export const OFFICE_REINSPECTS = 'office';

/** The inspector chosen (an active inspector's id), or null for the office itself; refuses anything else. */
function chosenInspector(db: Db, value: unknown): { id: number; name: string } | null {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === OFFICE_REINSPECTS) return null;
  const refuse = (m: string) => new InvalidInput(m, { inspectorId: m });
  if (text === '') throw refuse('请选择复查人：一名测评员，或由创城办自行复查');
  const user = /^\d{1,12}$/.test(text) ? findUserById(db, Number(text)) : undefined;
  if (!user || user.role !== 'inspector' || !user.active)
    throw refuse('找不到该测评员或其账号已停用，请重新选择');
  return { id: user.id, name: user.display_name };
}

/**
 * Gives a problem from outside rounds to an inspector for 复查, or back to the office (`inspectorIn`:
 * an inspector's id or 'office'). Returns false when nothing changed (already so).
 */
export function assignReinspector(db: Db, actor: Actor, id: number, inspectorIn: unknown): boolean {
  return atomically(db, () => {
    const p = requireProblem(db, id);
    canOrReject(db, actor, 'problem.assign', p);
    const user = userOf(actor);
    if (p.status !== 'open' && p.status !== 'fixed')
      throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能再安排复查`);
    const to = chosenInspector(db, inspectorIn);
    if ((to?.id ?? null) === p.reinspector_id) return false;
    const from = p.reinspector_id === null ? null : (findUserById(db, p.reinspector_id)?.display_name ?? '');
    updateProblem(db, id, { reinspector_id: to?.id ?? null });
    const note = to ? `交由测评员 ${to.name} 复查` : '由创城办自行复查';
    addProblemEvent(db, {
      problemId: id,
      userId: user.id,
      action: 'assign',
      from: p.status,
      to: p.status,
      note,
      data: { from: p.reinspector_id, to: to?.id ?? null },
    });
    auditStep(db, p, user, 'assign', {
      reinspector: { old: from ?? '创城办', new: to?.name ?? '创城办' },
    });
    return true;
  });
}

/**
 * 交办 (a problem 待分派 gets its unit; `note` optional) or 改派 (another unit; `note`, the reason,
 * required) of an open problem from outside rounds; returns the unit's name. The unit sees it at once
 * on its board and home page; its deadline stays as it was stored.
 */
export function assignUnit(
  db: Db,
  actor: Actor,
  id: number,
  input: { unitId: unknown; note: unknown },
): string {
  return atomically(db, () => {
    const p = requireProblem(db, id);
    canOrReject(db, actor, 'problem.assign', p);
    const user = userOf(actor);
    if (p.status !== 'open')
      throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能再交办或改派责任单位`);
    if (p.request)
      throw new Conflict(`该问题有待处理的${REQUEST_NAMES[p.request]}申请，请先处理申请，再交办或改派`);
    const reassign = p.unit_id !== null;
    const check = refusals();
    const unitId = check(() => transferTarget(db, p, input.unitId, '请选择责任单位'));
    const note = check(() =>
      parseField(
        reassign ? text('改派理由') : z.string().trim().max(500, '交办说明不能超过500个字符'),
        input.note ?? '',
        'note',
      ),
    );
    check.done();
    updateProblem(db, id, { unit_id: unitId });
    const action = reassign ? 'reassign_unit' : 'assign_unit';
    const data = { from: p.unit_id, to: unitId };
    addProblemEvent(db, { problemId: id, userId: user.id, action, from: 'open', to: 'open', note, data });
    auditStep(db, p, user, 'unit', {
      responsibleUnitId: { old: p.unit_id, new: unitId },
      ...(note ? { [reassign ? 'reason' : 'note']: note } : {}),
    });
    return findUnitById(db, unitId)?.name ?? '';
  });
}
