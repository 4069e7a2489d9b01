/**
 * The day's work of each role, as its home page lists it: for the office what waits for it (sheets to
 * review, units' requests, overdue problems, fixes to re-inspect, rounds about to end with sheets not
 * in); for an inspector the sheets to redo or finish and the fixes to re-inspect; for a unit its open
 * problems by nearest deadline, its requests and the office's answers, and the results it may see; for a
 * 包联 leader their 社区 and problems (home-leader.ts). The office also sees what arrived from outside
 * rounds (随手拍 待受理, 12345 open and overdue) and a warning when open working-day deadlines fall in a
 * year whose holidays nobody has entered.
 * `homePage` answers which of these the actor's home shows, with everything the page needs loaded once;
 * plain data: the presenter words it, the route renders it.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import {
  assignedSites,
  closingRounds,
  type AssignedSiteRow,
  type ClosingRoundRow,
  type RoundRow,
} from '../db/repos/rounds.ts';
import { sheetProgress, submittedByOpenRound, type SheetProgressRow } from '../db/repos/inspections.ts';
import { listProblems, type ProblemListRow } from '../db/repos/problems.ts';
import {
  countFixedForInspector,
  problemWorkCounts,
  requestDecisions,
  type ProblemWorkCounts,
  type RequestDecisionRow,
} from '../db/repos/problem-work.ts';
import { findUnitById, unitSubtreeIds } from '../db/repos/units.ts';
import { roundSummary, type RoundSummary } from './round-pages.ts';
import { roundsVisibleTo } from './access-scopes.ts';
import { can, userOf, type Actor } from './access.ts';
import { addDays, formatShanghai, nowIso, shanghaiDate, shanghaiMidnight } from '../util/time.ts';
import { tasksOfUnits } from '../db/repos/document-tasks.ts';
import { openDocumentRounds, submittedTasksByOpenRound } from '../db/repos/unit-tasks.ts';
import { taskDeadline, taskState } from './document-tasks.ts';
import { interviewCount } from './survey-answer-pages.ts';
import { flaggedAnswersByOpenRound } from '../db/repos/surveys.ts';
import { countNewReports, openSourceCounts } from '../db/repos/reports.ts';
import { deadlinePassed, deadlineSortKey, unknownDeadlineYears } from './deadlines.ts';
import { leaderWork, type LeaderWork } from './home-leader.ts';

/** A round counts as closing soon this many days before its last day (and after it, while still open). */
export const CLOSING_SOON_DAYS = 3;
/** A 材料任务 counts as due soon this many days before its deadline. */
export const TASK_DUE_SOON_DAYS = 3;
/** How far back a unit sees the office's answers to its requests. */
export const DECISIONS_SHOWN_DAYS = 30;

export interface HomeCtx {
  db: Db;
  criteria: CriteriaCache;
}

/** A round with its site counts and criteria version, as the round tables show it. */
export type CountedRound = RoundSummary;

export interface OfficeWork {
  today: string;
  review: { round_id: number; round_name: string; submitted: number }[];
  problems: ProblemWorkCounts;
  closing: ClosingRoundRow[];
  /** 材料任务 submitted and waiting for review, per open round; `documentRounds`: open rounds collecting them */
  taskReview: { round_id: number; round_name: string; submitted: number }[];
  documentRounds: { id: number; name: string }[];
  /** survey answers waiting to be checked (flagged), per open round that has some */
  surveyFlagged: { round_id: number; round_name: string; flagged: number }[];
  /** every round, for the table under the work queues */
  rounds: CountedRound[];
  /** years of open problems' working-day deadlines whose holidays nobody entered (weekends only counted) */
  unknownYears: number[];
  /** 随手拍 waiting for triage (待受理) */
  reportsNew: number;
  /** 12345 problems still open, and how many of them are overdue */
  hotline: { open: number; overdue: number };
}

function officeWork(ctx: HomeCtx, actor: Actor, today: string): OfficeWork {
  const db = ctx.db;
  return {
    today,
    review: submittedByOpenRound(db),
    problems: problemWorkCounts(db, today, formatShanghai(nowIso()).slice(11, 16)),
    closing: closingRounds(db, addDays(today, CLOSING_SOON_DAYS)),
    taskReview: submittedTasksByOpenRound(db),
    documentRounds: openDocumentRounds(db),
    surveyFlagged: flaggedAnswersByOpenRound(db),
    rounds: roundsVisibleTo(db, actor).map((round) => roundSummary(ctx, round)),
    unknownYears: unknownDeadlineYears(db),
    reportsNew: countNewReports(db),
    hotline: openSourceCounts(db, 'hotline', today, formatShanghai(nowIso()).slice(11, 16)),
  };
}

/** Which pile of an inspector's list a sheet belongs to: sent back first, then not done, then the rest. */
export type SheetPile = 'returned' | 'unfinished' | 'done';

export interface InspectorSite extends AssignedSiteRow {
  progress: SheetProgressRow | undefined;
  total: number;
  pile: SheetPile;
}

export interface InspectorWork {
  rounds: (CountedRound & { sites: InspectorSite[] })[];
  /** fixes waiting for this inspector's 复查 */
  toReinspect: number;
  /** 社区 this inspector interviews (入户调查) in open rounds */
  interviews: number;
}

function pileOf(p: SheetProgressRow | undefined): SheetPile {
  if (p?.status === 'returned') return 'returned';
  if (!p || p.status === null || p.status === 'draft') return 'unfinished';
  return 'done';
}

/** The inspector's sites in each open round, those matching `q` (site, 社区 or 镇街 name) if given. */
function inspectorWork(db: Db, criteria: CriteriaCache, user: UserRow, q: string): InspectorWork {
  const rounds = roundsVisibleTo(db, user).map((round) => {
    const version = criteria.get(round.criteria_version_id);
    const progress = new Map(sheetProgress(db, round.id, user.id).map((p) => [p.site_id, p]));
    const sites = assignedSites(db, round.id, user.id)
      .filter(
        (s) =>
          !q || s.site_name.includes(q) || (s.community_name ?? '').includes(q) || s.street_name.includes(q),
      )
      .map((s) => {
        const p = progress.get(s.site_id);
        return { ...s, progress: p, total: version.forSiteType(s.site_type).length, pile: pileOf(p) };
      });
    return { ...roundSummary({ db, criteria }, round), sites };
  });
  return { rounds, toReinspect: countFixedForInspector(db, user.id), interviews: interviewCount(db, user) };
}

export interface UnitWork {
  today: string;
  /** the user's unit, as the page's heading */
  unitName: string;
  /** 待整改 problems, the nearest deadline first (a deadline in hours by its time) */
  open: UnitProblem[];
  /** 已整改, waiting for the re-inspection */
  fixed: number;
  /** open problems with a request the office has not decided yet */
  pending: UnitProblem[];
  decisions: RequestDecisionRow[];
  /** published rounds, whose results the unit may open */
  results: RoundRow[];
  /** the unit's 材料任务 in open rounds: how many, and those that need it now */
  tasks: TaskWork;
}

/** An open problem of the unit, and whether its deadline has passed now (one in hours: to the minute). */
export type UnitProblem = ProblemListRow & { overdue: boolean };

export interface TaskWork {
  total: number;
  /** 未提交 or 退回补充, within TASK_DUE_SOON_DAYS of the deadline */
  dueSoon: number;
  overdue: number;
  returned: number;
}

/** The unit's (and its sub-units') 材料任务 of open rounds, counted by what they need. */
function taskWork(db: Db, unitIds: number[], today: string): TaskWork {
  const soon = addDays(today, TASK_DUE_SOON_DAYS);
  const counts: TaskWork = { total: 0, dueSoon: 0, overdue: 0, returned: 0 };
  const open = new Set(openDocumentRounds(db).map((r) => r.id));
  for (const t of tasksOfUnits(db, unitIds)) {
    if (!open.has(t.round_id)) continue;
    counts.total += 1;
    const state = taskState(t, today);
    if (state === 'overdue') counts.overdue += 1;
    else if (state === 'returned') counts.returned += 1;
    if ((state === 'pending' || state === 'returned') && taskDeadline(t) <= soon) counts.dueSoon += 1;
  }
  return counts;
}

function unitWork(db: Db, user: UserRow, today: string): UnitWork {
  const unitIds = user.unit_id === null ? [] : unitSubtreeIds(db, user.unit_id);
  const mine = unitIds.length ? listProblems(db, { unitIds }) : [];
  const open = mine
    .filter((p) => p.status === 'open')
    .map((p) => ({ ...p, overdue: deadlinePassed(p) }))
    .sort((a, b) => deadlineSortKey(a).localeCompare(deadlineSortKey(b)) || a.id - b.id);
  const since = shanghaiMidnight(addDays(today, -DECISIONS_SHOWN_DAYS));
  return {
    today,
    unitName: (user.unit_id === null ? undefined : findUnitById(db, user.unit_id))?.name ?? '',
    open,
    fixed: mine.filter((p) => p.status === 'fixed').length,
    pending: open.filter((p) => p.request !== null),
    decisions: unitIds.length ? requestDecisions(db, unitIds, since) : [],
    results: roundsVisibleTo(db, user).filter((r) => r.status === 'published'),
    tasks: taskWork(db, unitIds, today),
  };
}

export type HomePage =
  | { page: 'office'; work: OfficeWork }
  | { page: 'inspector'; work: InspectorWork; q: string }
  | { page: 'unit'; work: UnitWork }
  | { page: 'leader'; work: LeaderWork };

/**
 * What the actor's home shows: the office's work queues to whoever may manage the district, an
 * inspector's sites (matching `q`, if given), a leader's 社区 and problems, else the unit's problems and
 * results. Logged-in users only.
 */
export function homePage(ctx: HomeCtx, actor: Actor, q = '', today = shanghaiDate()): HomePage {
  const user = userOf(actor);
  if (can(ctx.db, user, 'office.manage', null)) return { page: 'office', work: officeWork(ctx, user, today) };
  if (user.role === 'inspector')
    return { page: 'inspector', work: inspectorWork(ctx.db, ctx.criteria, user, q), q };
  if (user.role === 'leader') return { page: 'leader', work: leaderWork(ctx, user, today) };
  return { page: 'unit', work: unitWork(ctx.db, user, today) };
}
