/**
 * Who is keeping up (单位整改排名): responsible units, and 包联 units over the 社区 they 包联, ranked on
 * the problems raised in a period (every 来源, or one) — 整改率 (销号 ÷ all not void), 逾期 (open past
 * the deadline now, to the minute for one in hours), 反复出现, the average time to fix in each
 * deadline's own units (working days by the work calendar, hours, calendar days) — on their document
 * tasks due in the period (submitted by the deadline ÷ due), and on the 得分率 of the standards they
 * answer for in the latest published round, summed from the results service's own standard scores
 * (never scored again here). The office sees every unit; a 包联 leader their own 包联 unit and the units
 * of the 社区 it 包联s.
 */
import type { Db } from '../db/connection.ts';
import type { DeadlineUnit, ProblemSource } from '../db/repos/problems.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import type { UnitKind } from '../db/repos/units.ts';
import { allLiaisons, liaisonCommunityIds, listUnits } from '../db/repos/units.ts';
import { listCommunities } from '../db/repos/places.ts';
import {
  standingProblems,
  standingTasks,
  type StandingProblemRow,
  type StandingTaskRow,
} from '../db/repos/unit-standing.ts';
import { workCalendarOf } from './calendar.ts';
import type { WorkCalendar } from '../calendar/workdays.ts';
import { InvalidInput } from '../errors.ts';
import { PROBLEM_SOURCE_NAMES } from '../labels.ts';
import { now } from '../util/clock.ts';
import { addDays, shanghaiDate, shanghaiMidnight } from '../util/time.ts';
import { canOrReject, type Actor } from './access.ts';
import { roundsVisibleTo } from './access-scopes.ts';
import { deadlinePassed } from './deadlines.ts';
import { taskDeadline } from './document-tasks.ts';
import type { ResultsCtx } from './results.ts';
import { standardScores, type Points } from './unit-standing-scores.ts';

export type StandingPeriod = 'month' | '30d' | 'range';

export interface StandingFilter {
  period: StandingPeriod;
  /** YYYY-MM-DD (Asia/Shanghai), both days included */
  from: string;
  to: string;
  source: ProblemSource | null;
}

/** One deadline unit's average time to fix. */
export interface FixTime {
  unit: DeadlineUnit;
  average: number;
  count: number;
}

export interface StandingFigures {
  /** problems raised in the period, void ones left out */
  problems: number;
  closed: number;
  /** closed ÷ problems (null: no problem) */
  fixRate: number | null;
  overdue: number;
  repeats: number;
  /** in the order calendar days, working days, hours; only the units that occur */
  fixTimes: FixTime[];
  tasksDue: number;
  tasksOnTime: number;
  taskRate: number | null;
  /** the standards they answer for in the latest published round (null: none counted there) */
  scoreRate: number | null;
}

export interface StandingRow extends StandingFigures {
  unitId: number;
  name: string;
  kind: UnitKind;
  /** 包联 units: the 社区 they 包联 */
  communities: string[];
}

export interface StandingPage {
  filter: StandingFilter;
  today: string;
  round: RoundRow | null;
  /** responsible units, ranked */
  units: StandingRow[];
  /** 包联 units over their 社区, ranked */
  liaisons: StandingRow[];
  /** the actor is a 包联 leader (sees their own units only) */
  leader: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return DATE.test(s) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** The longest range asked for: ten years. */
const MAX_RANGE_DAYS = 3660;

/** The page's query (period=month|30d|range, from, to, source), or 400 naming the field. */
export function parseStandingFilter(q: Record<string, unknown>, today: string): StandingFilter {
  const period = text(q.period) || 'month';
  const sourceText = text(q.source);
  let source: ProblemSource | null = null;
  if (sourceText) {
    if (!Object.hasOwn(PROBLEM_SOURCE_NAMES, sourceText)) throw new InvalidInput('来源：请从列表中选择');
    source = sourceText as ProblemSource;
  }
  if (period === 'month') return { period, from: `${today.slice(0, 8)}01`, to: today, source };
  if (period === '30d') return { period, from: addDays(today, -29), to: today, source };
  if (period !== 'range') throw new InvalidInput('统计期间：请选择本月、近30天或自定义日期');
  const from = text(q.from);
  const to = text(q.to);
  if (!validDate(from)) throw new InvalidInput('开始日期：请填写日期，如 2026-11-01');
  if (!validDate(to)) throw new InvalidInput('结束日期：请填写日期，如 2026-11-30');
  if (from > to) throw new InvalidInput('结束日期：不能早于开始日期');
  if (addDays(from, MAX_RANGE_DAYS) < to) throw new InvalidInput('结束日期：统计期间最长十年');
  return { period, from, to, source };
}

/** Working days after `from` up to and including `to` (a fix on the day it was raised: 0). */
export function workdaysBetween(calendar: WorkCalendar, from: string, to: string): number {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (calendar.isWorkday(d)) n++;
  return n;
}

const DAY_MS = 86_400_000;
const dateDiff = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** How long one fixed problem took, in its deadline's own unit. */
function fixTime(p: StandingProblemRow, calendar: WorkCalendar): number {
  const created = new Date(p.created_at);
  const fixed = new Date(p.fixed_at!);
  if (p.deadline_rule === 'hours') return (fixed.getTime() - created.getTime()) / 3_600_000;
  const [from, to] = [shanghaiDate(created), shanghaiDate(fixed)];
  return p.deadline_rule === 'workdays' ? workdaysBetween(calendar, from, to) : dateDiff(from, to);
}

const FIX_UNITS: DeadlineUnit[] = ['calendar', 'workdays', 'hours'];

/** The figures over a set of problems and tasks (and the points of the standards answered). */
function figures(
  problems: StandingProblemRow[],
  tasks: StandingTaskRow[],
  points: Points | undefined,
  ctx: { at: Date; today: string; calendar: WorkCalendar },
): StandingFigures {
  const live = problems.filter((p) => p.status !== 'void');
  const closed = live.filter((p) => p.status === 'closed').length;
  const sums = new Map<DeadlineUnit, { total: number; count: number }>();
  for (const p of live) {
    if ((p.status !== 'fixed' && p.status !== 'closed') || p.fixed_at === null) continue;
    const s = sums.get(p.deadline_rule) ?? { total: 0, count: 0 };
    s.total += fixTime(p, ctx.calendar);
    s.count++;
    sums.set(p.deadline_rule, s);
  }
  const due = tasks.filter(
    (t) => t.status === 'submitted' || t.status === 'scored' || taskDeadline(t) < ctx.today,
  );
  const onTime = due.filter(
    (t) =>
      (t.status === 'submitted' || t.status === 'scored') &&
      t.submitted_at !== null &&
      shanghaiDate(new Date(t.submitted_at)) <= taskDeadline(t),
  ).length;
  return {
    problems: live.length,
    closed,
    fixRate: live.length ? closed / live.length : null,
    overdue: live.filter((p) => p.status === 'open' && deadlinePassed(p, ctx.at)).length,
    repeats: live.filter((p) => p.repeat_count > 0).length,
    fixTimes: FIX_UNITS.flatMap((unit) => {
      const s = sums.get(unit);
      return s ? [{ unit, average: s.total / s.count, count: s.count }] : [];
    }),
    tasksDue: due.length,
    tasksOnTime: onTime,
    taskRate: due.length ? onTime / due.length : null,
    scoreRate: points && points.possible > 0 ? points.earned / points.possible : null,
  };
}

/** 整改率 high first (none last), then fewer 逾期, then the name. */
export function rankStanding(rows: StandingRow[]): StandingRow[] {
  return rows.sort(
    (a, b) =>
      (b.fixRate ?? -1) - (a.fixRate ?? -1) ||
      a.overdue - b.overdue ||
      a.name.localeCompare(b.name, 'zh-Hans-CN'),
  );
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/** Which units the actor sees: every unit (null) or a leader's own. */
function leaderUnits(db: Db, actor: Actor): { units: Set<number>; liaisons: Set<number> } | null {
  if (actor.role !== 'leader' || actor.unit_id === null) return null;
  const own = actor.unit_id;
  const mine = new Set(liaisonCommunityIds(db, [own]));
  const units = new Set([own]);
  for (const c of listCommunities(db)) if (mine.has(c.id) && c.unit_id !== null) units.add(c.unit_id);
  return { units, liaisons: new Set([own]) };
}

/**
 * The page (and the workbook) for the query string: 403 for anyone but the office and 包联 leaders
 * (asked before the query is read), 400 for a bad period or 来源.
 */
export function unitStandingPage(
  ctx: ResultsCtx,
  actor: Actor,
  query: Record<string, unknown>,
): StandingPage {
  const db = ctx.db;
  canOrReject(db, actor, 'standing.read', null);
  const at = now();
  const today = shanghaiDate(at);
  const filter = parseStandingFilter(query, today);
  const scope = leaderUnits(db, actor);
  const round = roundsVisibleTo(db, actor).find((r) => r.status === 'published') ?? null;
  const scores = round ? standardScores(ctx, round) : null;
  const problems = standingProblems(db, {
    since: shanghaiMidnight(filter.from),
    until: shanghaiMidnight(addDays(filter.to, 1)),
    source: filter.source,
  });
  const tasks = standingTasks(db, filter.from, filter.to);
  const fig = { at, today, calendar: workCalendarOf(db) };

  const problemsOfUnit = new Map<number, StandingProblemRow[]>();
  const problemsOfCommunity = new Map<number, StandingProblemRow[]>();
  for (const p of problems) {
    if (p.unit_id !== null) push(problemsOfUnit, p.unit_id, p);
    if (p.community_id !== null) push(problemsOfCommunity, p.community_id, p);
  }
  const tasksOfUnit = new Map<number, StandingTaskRow[]>();
  const tasksOfCommunity = new Map<number, StandingTaskRow[]>();
  for (const t of tasks) {
    if (t.unit_id !== null) push(tasksOfUnit, t.unit_id, t);
    if (t.level === 'community' && t.community_id !== null) push(tasksOfCommunity, t.community_id, t);
  }

  const live = listUnits(db).filter((u) => u.retired_at === null);
  const units: StandingRow[] = [];
  for (const u of live) {
    if (scope && !scope.units.has(u.id)) continue;
    const f = figures(
      problemsOfUnit.get(u.id) ?? [],
      tasksOfUnit.get(u.id) ?? [],
      scores?.byUnit.get(u.id),
      fig,
    );
    // the office's list: the units with something to count (a leader's units are always listed)
    if (!scope && !f.problems && !f.tasksDue && f.scoreRate === null) continue;
    units.push({ unitId: u.id, name: u.name, kind: u.kind, communities: [], ...f });
  }

  const communityName = new Map(listCommunities(db).map((c) => [c.id, c.name]));
  const liaisonOf = new Map<number, number[]>();
  for (const l of allLiaisons(db)) push(liaisonOf, l.unit_id, l.community_id);
  const liaisons: StandingRow[] = [];
  for (const u of live) {
    const communities = liaisonOf.get(u.id);
    if (!communities || (scope && !scope.liaisons.has(u.id))) continue;
    const points = { earned: 0, possible: 0 };
    for (const c of communities) {
      const p = scores?.byCommunity.get(c);
      points.earned += p?.earned ?? 0;
      points.possible += p?.possible ?? 0;
    }
    const f = figures(
      communities.flatMap((c) => problemsOfCommunity.get(c) ?? []),
      communities.flatMap((c) => tasksOfCommunity.get(c) ?? []),
      points,
      fig,
    );
    const names = communities.map((c) => communityName.get(c) ?? '');
    liaisons.push({ unitId: u.id, name: u.name, kind: u.kind, communities: names, ...f });
  }
  return {
    filter,
    today,
    round,
    units: rankStanding(units),
    liaisons: rankStanding(liaisons),
    leader: scope !== null,
  };
}
