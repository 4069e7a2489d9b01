/**
 * What the office reads about a round's 材料任务: the review queue (filtered by unit, 测评项目 and state,
 * the tasks waiting on the office first), the completeness board (per unit: due, submitted, returned,
 * scored, overdue and the document points so far) and one task's review page. Each asks access.ts for
 * `task.review`; the pages only format.
 */
import type { Db } from '../db/connection.ts';
import { findRoundById, type RoundRow } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { listUnits } from '../db/repos/units.ts';
import {
  roundTasks,
  taskEvents,
  taskFiles,
  type DocumentFileRow,
  type DocumentTaskRow,
  type TaskEventRow,
  type TaskLevel,
} from '../db/repos/document-tasks.ts';
import { findProblem, type ProblemRow } from '../db/repos/problems.ts';
import { currentFileCounts, liveTaskProblemId } from '../db/repos/task-review.ts';
import type { IndexedCriteria, IndexedStandard } from '../criteria/load.ts';
import type { Rules } from '../criteria/schema.ts';
import type { StandardScore } from '../scoring/standard.ts';
import { NotFound } from '../errors.ts';
import { shanghaiDate } from '../util/time.ts';
import { canOrReject, type Actor } from './access.ts';
import { countTask, taskDeadline, taskState, type TaskState } from './document-tasks.ts';
import { reviewTarget, type ReviewCtx } from './task-review.ts';

/** The order of the queue: what waits on the office first, then what waits on the units, done last. */
export const QUEUE_ORDER: readonly TaskState[] = ['submitted', 'returned', 'overdue', 'pending', 'scored'];

/** Where a task's answer comes from: the 社区 / 镇街 / department / district it was sent to. */
export interface TaskPlace {
  /** 社区 name (with its 镇街), 镇街 name, the department's name, or '' for the district */
  name: string;
  /** the places page's anchor for a 社区 or 镇街 (where the office gives it a unit) */
  href: string | null;
}

export interface QueueRow {
  task: DocumentTaskRow;
  standard: IndexedStandard;
  state: TaskState;
  deadline: string;
  unitName: string | null;
  place: TaskPlace;
  files: number;
  score: StandardScore | null;
}

/** Names of the places and units of the district, read once per page. */
function placeNames(db: Db) {
  const streets = new Map(listStreets(db).map((s) => [s.id, s]));
  const communities = new Map(listCommunities(db).map((c) => [c.id, c]));
  const units = new Map(listUnits(db).map((u) => [u.id, u.name]));
  const place = (t: DocumentTaskRow): TaskPlace => {
    if (t.level === 'community') {
      const c = communities.get(t.community_id!);
      const s = c && streets.get(c.street_id);
      return {
        name: `${s ? `${s.name} / ` : ''}${c?.name ?? ''}`,
        href: `/places#community-${t.community_id}`,
      };
    }
    if (t.level === 'street')
      return { name: streets.get(t.street_id!)?.name ?? '', href: `/places#street-${t.street_id}` };
    // a department or the district without a unit: the units page is where the office adds it
    if (t.level === 'department') return { name: t.department ?? '', href: '/units' };
    return { name: '区级', href: '/units' };
  };
  return { place, unitName: (id: number | null) => (id === null ? null : (units.get(id) ?? null)) };
}

function roundAndVersion(ctx: ReviewCtx, roundId: number): { round: RoundRow; version: IndexedCriteria } {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该轮次');
  return { round, version: ctx.criteria.get(round.criteria_version_id) };
}

/** Every task of the round as the queue and the board read it. */
function roundRows(ctx: ReviewCtx, round: RoundRow, version: IndexedCriteria, today: string): QueueRow[] {
  const names = placeNames(ctx.db);
  const files = currentFileCounts(ctx.db, round.id);
  const rows: QueueRow[] = [];
  for (const task of roundTasks(ctx.db, round.id)) {
    const standard = version.byCode.get(task.standard_code);
    if (!standard) continue;
    const count = countTask(task, standard, version.version.rules, today);
    rows.push({
      task,
      standard,
      state: taskState(task, today),
      deadline: taskDeadline(task),
      unitName: names.unitName(task.unit_id),
      place: names.place(task),
      files: files.get(task.id) ?? 0,
      score: count.kind === 'scored' ? count.score : null,
    });
  }
  return rows;
}

export interface QueueFilter {
  /** a unit id, 'none' (无责任单位) or '' (all) */
  unit: string;
  /** a 测评项目 code or '' */
  item: string;
  state: TaskState | '';
}

/** The query string read leniently: a value that names nothing is "all" (the form offers only real ones). */
export function readQueueFilter(q: Record<string, unknown>): QueueFilter {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const unit = str(q.unit);
  const state = str(q.state);
  return {
    unit: unit === 'none' || /^\d{1,12}$/.test(unit) ? unit : '',
    item: /^[\w.-]{1,40}$/.test(str(q.item)) ? str(q.item) : '',
    state: (QUEUE_ORDER as string[]).includes(state) ? (state as TaskState) : '',
  };
}

export interface ReviewQueue {
  round: RoundRow;
  filter: QueueFilter;
  rows: QueueRow[];
  /** per state, over the unit and item filters (the chips) */
  counts: Record<TaskState, number>;
  total: number;
  units: { id: number; name: string }[];
  hasNoUnit: boolean;
  items: { code: string; name: string }[];
}

export function reviewQueue(
  ctx: ReviewCtx,
  actor: Actor,
  roundId: number,
  filter: QueueFilter,
  today = shanghaiDate(),
): ReviewQueue {
  canOrReject(ctx.db, actor, 'task.review', null);
  const { round, version } = roundAndVersion(ctx, roundId);
  const all = roundRows(ctx, round, version, today);
  const units = new Map<number, string>();
  const items = new Map<string, string>();
  for (const r of all) {
    if (r.task.unit_id !== null) units.set(r.task.unit_id, r.unitName ?? '');
    items.set(r.standard.item.code, r.standard.item.name);
  }
  const scoped = all.filter(
    (r) =>
      (filter.unit === '' ||
        (filter.unit === 'none' ? r.task.unit_id === null : r.task.unit_id === Number(filter.unit))) &&
      (filter.item === '' || r.standard.item.code === filter.item),
  );
  const counts = Object.fromEntries(QUEUE_ORDER.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const r of scoped) counts[r.state] += 1;
  const rank = (s: TaskState) => QUEUE_ORDER.indexOf(s);
  const rows = scoped
    .filter((r) => filter.state === '' || r.state === filter.state)
    .sort(
      (a, b) =>
        rank(a.state) - rank(b.state) || a.deadline.localeCompare(b.deadline) || a.task.id - b.task.id,
    );
  return {
    round,
    filter,
    rows,
    counts,
    total: scoped.length,
    units: [...units].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'zh')),
    hasNoUnit: all.some((r) => r.task.unit_id === null),
    items: [...items].map(([code, name]) => ({ code, name })),
  };
}

/** One line of the completeness board: a unit, or a place without one (无责任单位). */
export interface BoardLine {
  unitId: number | null;
  name: string;
  place: TaskPlace | null;
  level: TaskLevel;
  due: number;
  submitted: number;
  returned: number;
  scored: number;
  overdue: number;
  pending: number;
  /** document points of the tasks that count so far (scored, and 0 of an overdue task's points) */
  earned: number;
  possible: number;
}

export const BOARD_LEVELS: readonly TaskLevel[] = ['district', 'department', 'street', 'community'];

export function completenessBoard(
  ctx: ReviewCtx,
  actor: Actor,
  roundId: number,
  today = shanghaiDate(),
): { round: RoundRow; groups: { level: TaskLevel; lines: BoardLine[] }[]; totals: BoardLine } {
  canOrReject(ctx.db, actor, 'task.review', null);
  const { round, version } = roundAndVersion(ctx, roundId);
  const lines = new Map<string, BoardLine>();
  const blank = (level: TaskLevel): Omit<BoardLine, 'unitId' | 'name' | 'place'> => ({
    level,
    due: 0,
    submitted: 0,
    returned: 0,
    scored: 0,
    overdue: 0,
    pending: 0,
    earned: 0,
    possible: 0,
  });
  const totals: BoardLine = { unitId: null, name: '合计', place: null, ...blank('district') };
  const rules: Rules = version.version.rules;
  for (const r of roundRows(ctx, round, version, today)) {
    const key = r.task.unit_id === null ? `p:${r.task.level}:${r.place.name}` : `u:${r.task.unit_id}`;
    let line = lines.get(key);
    if (!line) {
      line = {
        unitId: r.task.unit_id,
        name: r.unitName ?? '',
        place: r.task.unit_id === null ? r.place : null,
        ...blank(r.task.level),
      };
      lines.set(key, line);
    }
    const count = countTask(r.task, r.standard, rules, today);
    for (const l of [line, totals]) {
      l.due += 1;
      l[r.state] += 1;
      if (count.kind === 'scored' || count.kind === 'overdue') {
        l.earned += count.score.earned;
        l.possible += count.score.possible;
      }
    }
  }
  const round4 = (n: number) => Math.round(n * 10000) / 10000;
  for (const l of [...lines.values(), totals]) {
    l.earned = round4(l.earned);
    l.possible = round4(l.possible);
  }
  const groups = BOARD_LEVELS.map((level) => ({
    level,
    lines: [...lines.values()]
      .filter((l) => l.level === level)
      .sort(
        (a, b) =>
          b.overdue - a.overdue ||
          Number(a.unitId !== null) - Number(b.unitId !== null) ||
          (a.name || a.place?.name || '').localeCompare(b.name || b.place?.name || '', 'zh'),
      ),
  })).filter((g) => g.lines.length);
  return { round, groups, totals };
}

export interface ReviewPage {
  round: RoundRow;
  task: DocumentTaskRow;
  standard: IndexedStandard;
  rules: Rules;
  state: TaskState;
  deadline: string;
  unitName: string | null;
  place: TaskPlace;
  files: DocumentFileRow[];
  history: DocumentFileRow[];
  events: TaskEventRow[];
  score: StandardScore | null;
  problem: ProblemRow | null;
  today: string;
}

export function reviewPage(ctx: ReviewCtx, actor: Actor, roundId: number, taskId: number): ReviewPage {
  const { round, task, standard, rules } = reviewTarget(ctx, actor, roundId, taskId);
  const today = shanghaiDate();
  const names = placeNames(ctx.db);
  const files = taskFiles(ctx.db, task.id);
  const count = countTask(task, standard, rules, today);
  const problemId = liveTaskProblemId(ctx.db, task.id);
  return {
    round,
    task,
    standard,
    rules,
    state: taskState(task, today),
    deadline: taskDeadline(task),
    unitName: names.unitName(task.unit_id),
    place: names.place(task),
    files: files.filter((f) => f.removed_at === null),
    history: files.filter((f) => f.removed_at !== null),
    events: taskEvents(ctx.db, task.id),
    score: count.kind === 'scored' ? count.score : null,
    problem: problemId === undefined ? null : (findProblem(ctx.db, problemId) ?? null),
    today,
  };
}
