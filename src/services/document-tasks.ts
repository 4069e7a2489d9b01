/**
 * 材料审核 / 网上申报 tasks: the methods a round counts, the tasks it sends when it opens, a task's state
 * (逾期未交 is derived from the deadline) and what one task scores. The unit's side (files, submitting)
 * and the office's (review, 退回补充, 延期) build on these.
 *
 * Rules:
 *  - A round counts `field` (实地考察), `document` (材料审核 and 网上申报 together) and, later, `survey`.
 *  - When a round with `document` opens, each document / online standard of its version that states a
 *    `task` gets one task per place that answers it, by the standard's kind of responsible unit: every
 *    社区 and every 镇街 of the round, the named department, or the district. A round with field work
 *    takes its 社区 and 镇街 from its included sites; a round without takes every active one.
 *  - Deadline: the task's date, or the round's start + daysFromStart; `extended_to` (延期, or the new due
 *    date of a 退回补充) replaces it. A pending or returned task past its deadline is 逾期未交.
 *  - Score: a scored task is scored like a field answer of its standard (scoreStandard: 合格 / 不合格,
 *    missing items as cases for a deduction, the case count for a grade; never 不适用). A task 逾期未交
 *    earns 0 of its points. A submitted task not yet scored, and a task still within its deadline, are
 *    not counted yet (the results say how many; submitted ones make them 暂定).
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { includedSites } from '../db/repos/results.ts';
import {
  findTaskById,
  insertTask,
  type DocumentTaskRow,
  type NewDocumentTask,
  type TaskStatus,
} from '../db/repos/document-tasks.ts';
import type { IndexedCriteria, IndexedStandard } from '../criteria/load.ts';
import type { Rules } from '../criteria/schema.ts';
import { scoreStandard, type StandardScore } from '../scoring/standard.ts';
import { addDays, shanghaiDate } from '../util/time.ts';
import { NotFound } from '../errors.ts';

/** The methods a round may count, in the order they are written and shown. */
export const ROUND_METHODS = ['field', 'document', 'survey'] as const;
export type RoundMethod = (typeof ROUND_METHODS)[number];

/** A round's methods (unknown words are dropped; nothing left reads as field, as every old round is). */
export function roundMethods(round: Pick<RoundRow, 'methods'>): RoundMethod[] {
  const words = new Set(round.methods.split(',').map((w) => w.trim()));
  const methods = ROUND_METHODS.filter((m) => words.has(m));
  return methods.length ? methods : ['field'];
}

/** The column's text for a set of methods, in canonical order. */
export function methodsText(methods: readonly RoundMethod[]): string {
  return ROUND_METHODS.filter((m) => methods.includes(m)).join(',');
}

export const roundHasMethod = (round: Pick<RoundRow, 'methods'>, m: RoundMethod): boolean =>
  roundMethods(round).includes(m);

/** Whether a standard is answered by a document task (材料审核 or 网上申报 with a task stated). */
export function isTaskStandard(s: IndexedStandard): boolean {
  return (s.method === 'document' || s.method === 'online') && s.task !== undefined;
}

/** The version's standards that become tasks, in version order. */
export function taskStandards(version: IndexedCriteria): IndexedStandard[] {
  return version.standards.filter(isTaskStandard);
}

/** 未提交 / 已提交 / 退回补充 / 已评分, and 逾期未交 for a pending or returned task past its deadline. */
export type TaskState = TaskStatus | 'overdue';

/** The last day a task may be submitted: the extension or new due date when there is one. */
export const taskDeadline = (t: Pick<DocumentTaskRow, 'due_on' | 'extended_to'>): string =>
  t.extended_to ?? t.due_on;

export function taskState(
  t: Pick<DocumentTaskRow, 'status' | 'due_on' | 'extended_to'>,
  today: string = shanghaiDate(),
): TaskState {
  if ((t.status === 'pending' || t.status === 'returned') && today > taskDeadline(t)) return 'overdue';
  return t.status;
}

/** The due date a standard's task has in a round. */
export function dueDate(standard: IndexedStandard, round: Pick<RoundRow, 'starts_on'>): string {
  const due = standard.task!.due;
  return 'date' in due ? due.date : addDays(round.starts_on, due.daysFromStart);
}

/** The 社区 and 镇街 a round's tasks go to (see the rules above). */
export function roundPlaces(
  db: Db,
  round: RoundRow,
): { communities: { id: number; streetId: number }[]; streets: number[] } {
  if (roundHasMethod(round, 'field')) {
    const sites = includedSites(db, round.id);
    const communities = new Map<number, number>();
    const streets = new Set<number>();
    for (const s of sites) {
      streets.add(s.street_id);
      if (s.community_id !== null) communities.set(s.community_id, s.street_id);
    }
    return {
      communities: [...communities].map(([id, streetId]) => ({ id, streetId })).sort((a, b) => a.id - b.id),
      streets: [...streets].sort((a, b) => a - b),
    };
  }
  const activeStreets = listStreets(db).filter((s) => s.retired_at === null);
  const live = new Set(activeStreets.map((s) => s.id));
  return {
    communities: listCommunities(db)
      .filter((c) => c.retired_at === null && live.has(c.street_id))
      .map((c) => ({ id: c.id, streetId: c.street_id }))
      .sort((a, b) => a.id - b.id),
    streets: [...live].sort((a, b) => a - b),
  };
}

/**
 * Makes the round's tasks (call inside the transaction that opens it). Tasks already there are kept as
 * they are; returns how many were made.
 */
export function generateTasks(db: Db, round: RoundRow, version: IndexedCriteria): number {
  if (!roundHasMethod(round, 'document')) return 0;
  const places = roundPlaces(db, round);
  let made = 0;
  for (const s of taskStandards(version)) {
    const base = { roundId: round.id, standardCode: s.code, dueOn: dueDate(s, round) };
    const tasks: NewDocumentTask[] = [];
    const unit = s.responsibleUnit;
    if (unit.kind === 'community' || unit.kind === 'site')
      for (const c of places.communities)
        tasks.push({
          ...base,
          level: 'community',
          communityId: c.id,
          streetId: c.streetId,
          department: null,
        });
    else if (unit.kind === 'street')
      for (const id of places.streets)
        tasks.push({ ...base, level: 'street', communityId: null, streetId: id, department: null });
    else if (unit.kind === 'department')
      tasks.push({
        ...base,
        level: 'department',
        communityId: null,
        streetId: null,
        department: unit.department,
      });
    else tasks.push({ ...base, level: 'district', communityId: null, streetId: null, department: null });
    for (const t of tasks) if (insertTask(db, t)) made += 1;
  }
  return made;
}

/** How a task counts in the totals now. */
export type TaskCount =
  | { kind: 'scored'; score: StandardScore }
  /** 逾期未交: 0 of its points */
  | { kind: 'overdue'; score: StandardScore }
  /** submitted, not yet scored: not counted, makes the totals 暂定 */
  | { kind: 'provisional'; possible: number }
  /** within its deadline, or sent back and still within the new one: not counted yet */
  | { kind: 'waiting'; possible: number };

export function countTask(
  t: Pick<DocumentTaskRow, 'status' | 'due_on' | 'extended_to' | 'result' | 'cases'>,
  standard: IndexedStandard,
  rules: Rules,
  today: string = shanghaiDate(),
): TaskCount {
  const state = taskState(t, today);
  if (state === 'scored' && t.result)
    return {
      kind: 'scored',
      score: scoreStandard(standard, { result: t.result, cases: t.cases, fixedCases: 0 }, rules),
    };
  if (state === 'overdue')
    return {
      kind: 'overdue',
      score: { applicable: true, earned: 0, possible: standard.points, grade: null, lost: standard.points },
    };
  if (state === 'submitted') return { kind: 'provisional', possible: standard.points };
  return { kind: 'waiting', possible: standard.points };
}

/** What access rules ask about a task. */
export interface TaskTarget {
  task: DocumentTaskRow;
  round: RoundRow;
}

/** The task and its round (404 when there is none); access is the caller's to ask. */
export function taskTarget(db: Db, taskId: number): TaskTarget {
  const task = findTaskById(db, taskId);
  const round = task && findRoundById(db, task.round_id);
  if (!task || !round) throw new NotFound('找不到该材料任务');
  return { task, round };
}
