/**
 * The rectification loop's side of a document task's score (材料 problems): a score that loses points
 * raises one problem with the task's unit (null stays null: the office gives the place a unit), no site
 * and no sheet, due by the standard's rule counted from now (calendar days unless its version says
 * working days or hours; deadlines.ts, stored once), with its 交办 history row as a sheet's problems get
 * (problem-raise.ts, through the same repository inserts).
 */
import { computeDeadline, deadlineFields, standardDeadlineRule } from './deadlines.ts';
import type { Db } from '../db/connection.ts';
import type { DocumentTaskRow } from '../db/repos/document-tasks.ts';
import { addProblemEvent, findProblem, insertProblem, updateProblem } from '../db/repos/problems.ts';
import { liveTaskProblemId } from '../db/repos/task-review.ts';
import type { UserRow } from '../db/repos/users.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import type { StandardScore } from '../scoring/standard.ts';

/**
 * The task's problem made to match its score: one open problem while it loses points (voided and raised
 * again when the points change), voided by a correction to 合格 unless already closed (销号). Returns the
 * problem raised now, if any.
 */
export function syncTaskProblem(
  db: Db,
  task: DocumentTaskRow,
  standard: IndexedStandard,
  score: StandardScore,
  note: string,
  user: UserRow,
): number | null {
  const liveId = liveTaskProblemId(db, task.id);
  const live = liveId === undefined ? undefined : findProblem(db, liveId);
  const same = live !== undefined && Math.abs(live.points_lost - score.lost) <= 1e-9;
  if (live && live.status !== 'closed' && (score.lost === 0 || !same)) {
    const reason = score.lost === 0 ? '材料评分更正为合格' : '材料评分更正';
    updateProblem(db, live.id, { status: 'void', void_reason: reason });
    addProblemEvent(db, {
      problemId: live.id,
      userId: user.id,
      action: 'void',
      from: live.status,
      to: 'void',
      note: `${reason}后作废`,
    });
  }
  if (score.lost === 0 || (live && (same || live.status === 'closed'))) return null;
  const id = insertProblem(db, {
    roundId: task.round_id,
    siteId: null,
    sheetId: null,
    source: 'document',
    taskId: task.id,
    standardCode: standard.code,
    description: note || `材料不合格：${standard.text}`,
    pointsLost: score.lost,
    unitId: task.unit_id,
    ...deadlineFields(computeDeadline(db, standardDeadlineRule(standard))),
    repeatCount: 0,
    previousProblemId: null,
  });
  addProblemEvent(db, {
    problemId: id,
    userId: user.id,
    action: 'raise',
    from: null,
    to: 'open',
    note: '材料审核',
  });
  return id;
}
