/**
 * What a unit's 材料任务 pages show: its tasks (its own and those of the units below it) by round, and
 * one task with what it asks for, its deadline, the templates for its materials, its files now and
 * before, its history, and whether the unit may still change it (and if not, why). Plain data; the
 * presenter (web/presenters/tasks.ts) words it.
 */
import type { Db } from '../db/connection.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import {
  findTaskById,
  taskEvents,
  taskFiles,
  tasksOfUnits,
  type DocumentFileRow,
  type DocumentTaskRow,
  type TaskEventRow,
} from '../db/repos/document-tasks.ts';
import {
  currentFileCountsOf,
  currentTemplates,
  openDocumentRounds,
  userNames,
  type TemplateFileRow,
} from '../db/repos/unit-tasks.ts';
import { findUnitById, unitSubtreeIds } from '../db/repos/units.ts';
import { shanghaiDate } from '../util/time.ts';
import { can, canOrReject, type Actor } from './access.ts';
import { taskState, taskTarget, type TaskState } from './document-tasks.ts';
import { whyTaskIsClosed } from './task-submit.ts';

export interface PagesCtx {
  db: Db;
  criteria: CriteriaCache;
}

export interface UnitTask {
  task: DocumentTaskRow;
  standard: IndexedStandard | undefined;
  state: TaskState;
  /** the answering unit's name ('' for 无责任单位) */
  unitName: string;
  files: number;
}

export interface UnitTaskRound {
  round: RoundRow;
  tasks: UnitTask[];
}

export interface UnitTaskList {
  today: string;
  rounds: UnitTaskRound[];
}

const unitNameOf = (db: Db, cache: Map<number, string>, id: number | null): string => {
  if (id === null) return '';
  if (!cache.has(id)) cache.set(id, findUnitById(db, id)?.name ?? '');
  return cache.get(id)!;
};

/** The tasks of a unit user's unit and the units below it, grouped by round, open rounds first. */
export function unitTasks(ctx: PagesCtx, actor: Actor, today = shanghaiDate()): UnitTaskList {
  const { db } = ctx;
  canOrReject(db, actor, 'task.list', null);
  const unitIds = actor.unit_id === null ? [] : unitSubtreeIds(db, actor.unit_id);
  const rows = tasksOfUnits(db, unitIds);
  const counts = currentFileCountsOf(
    db,
    rows.map((t) => t.id),
  );
  const names = new Map<number, string>();
  const byRound = new Map<number, UnitTaskRound>();
  for (const t of rows) {
    let group = byRound.get(t.round_id);
    if (!group) {
      group = { round: findRoundById(db, t.round_id)!, tasks: [] };
      byRound.set(t.round_id, group);
    }
    const version = ctx.criteria.get(group.round.criteria_version_id);
    group.tasks.push({
      task: t,
      standard: version.byCode.get(t.standard_code),
      state: taskState(t, today),
      unitName: unitNameOf(db, names, t.unit_id),
      files: counts.get(t.id) ?? 0,
    });
  }
  const rounds = [...byRound.values()];
  // open rounds first, each list keeping its order (newest round first)
  rounds.sort((a, b) => Number(b.round.status === 'open') - Number(a.round.status === 'open'));
  return { today, rounds };
}

export interface TaskPage {
  today: string;
  task: DocumentTaskRow;
  round: RoundRow;
  standard: IndexedStandard | undefined;
  state: TaskState;
  unitName: string;
  files: DocumentFileRow[];
  /** removed and replaced files, with what replaced them */
  history: DocumentFileRow[];
  events: TaskEventRow[];
  templates: TemplateFileRow[];
  users: Map<number, string>;
  /** the unit may upload, replace, remove and submit now */
  canChange: boolean;
  /** why it may not (shown on the page), '' when it may or when the actor never could */
  closedReason: string;
}

/** Where the office reviews a task (it is redirected there from the unit's page). */
export const reviewHref = (t: Pick<DocumentTaskRow, 'id' | 'round_id'>): string =>
  `/rounds/${t.round_id}/tasks/${t.id}`;

/** Whether the actor is the office (its task page is the review page). */
export const reviewsTasks = (db: Db, actor: Actor): boolean => can(db, actor, 'task.review', null);

/** Where the office goes instead of the units' list: the newest open round's review queue, else the rounds. */
export function officeTasksHref(db: Db, actor: Actor): string | null {
  if (!reviewsTasks(db, actor)) return null;
  const round = openDocumentRounds(db)[0];
  return round ? `/rounds/${round.id}/tasks` : '/rounds';
}

/** Where the office goes instead of a unit's task page (null: not the office, or no such task). */
export function officeTaskHref(db: Db, actor: Actor, taskId: number): string | null {
  if (!reviewsTasks(db, actor)) return null;
  const task = findTaskById(db, taskId);
  return task ? reviewHref(task) : null;
}

/** One task's page, for whoever may read it (403 otherwise). */
export function taskPage(ctx: PagesCtx, actor: Actor, taskId: number, today = shanghaiDate()): TaskPage {
  const { db } = ctx;
  const target = taskTarget(db, taskId);
  canOrReject(db, actor, 'task.read', target);
  const { task, round } = target;
  const standard = ctx.criteria.get(round.criteria_version_id).byCode.get(task.standard_code);
  const all = taskFiles(db, task.id);
  const events = taskEvents(db, task.id);
  const mayChange = can(db, actor, 'task.submit', target);
  const why = mayChange ? whyTaskIsClosed(target, today) : null;
  const users = userNames(db, [
    ...all.flatMap((f) => [f.uploaded_by, f.removed_by ?? f.uploaded_by]),
    ...(task.submitted_by === null ? [] : [task.submitted_by]),
  ]);
  return {
    today,
    task,
    round,
    standard,
    state: taskState(task, today),
    unitName: unitNameOf(db, new Map(), task.unit_id),
    files: all.filter((f) => f.removed_at === null),
    history: all.filter((f) => f.removed_at !== null),
    events,
    templates: currentTemplates(db, standard?.task?.materials ?? []),
    users,
    canChange: mayChange && why === null,
    closedReason: why ?? '',
  };
}
