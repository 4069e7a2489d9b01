/**
 * A 包联 leader's home page (包联领导, on a phone first): the 社区 their unit 包联s with each one's score
 * and rank in the latest published round — read from the results pages' service, never recomputed —
 * and the problems on their board (every source): open ones by nearest deadline, how many are overdue,
 * the fixes waiting for 复查 (those the leader re-inspects themself marked), and the ones they recorded.
 */
import type { UserRow } from '../db/repos/users.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { listProblems, type ProblemListRow } from '../db/repos/problems.ts';
import { findUnitById } from '../db/repos/units.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import type { AreaResult } from '../scoring/round.ts';
import { can } from './access.ts';
import { problemListScope, roundsVisibleTo } from './access-scopes.ts';
import { resultsPage } from './results-pages.ts';
import type { ResultsCtx } from './results.ts';
import { deadlinePassed, deadlineSortKey } from './deadlines.ts';

/** How many of the problems the leader recorded the home page lists (the newest). */
export const RECORDED_SHOWN = 10;

export interface LeaderCommunity {
  id: number;
  name: string;
  streetName: string;
  /** its line of the latest published round's results (null: not in that round) */
  result: AreaResult | null;
}

export type LeaderProblem = ProblemListRow & {
  overdue: boolean;
  /** a fix this leader may re-inspect (they recorded it and nobody else was given its 复查) */
  mineToReinspect: boolean;
};

export interface LeaderWork {
  today: string;
  /** the 包联 unit the leader leads */
  unitName: string;
  communities: LeaderCommunity[];
  /** the latest published round the leader may see, and how many 社区 it ranked */
  round: RoundRow | null;
  rankedCommunities: number;
  /** 待整改, the nearest deadline first (a deadline in hours by its time) */
  open: LeaderProblem[];
  /** 已整改, waiting for 复查 */
  fixed: LeaderProblem[];
  /** the problems this leader recorded, the newest first */
  recorded: LeaderProblem[];
  recordedTotal: number;
}

export function leaderWork(ctx: ResultsCtx, user: UserRow, today: string): LeaderWork {
  const db = ctx.db;
  const unitId = user.unit_id;
  const scope = problemListScope(db, user);
  const mine = new Set(scope.communityIds ?? []);
  const streetName = new Map(listStreets(db).map((s) => [s.id, s.name]));
  const round = roundsVisibleTo(db, user).find((r) => r.status === 'published') ?? null;
  const results = round ? resultsPage(ctx, user, round.id) : null;
  const communities = listCommunities(db)
    .filter((c) => mine.has(c.id))
    .map((c) => ({
      id: c.id,
      name: c.name,
      streetName: streetName.get(c.street_id) ?? '',
      result: results?.communities.find((r) => r.id === c.id) ?? null,
    }));
  const problems: LeaderProblem[] = listProblems(db, scope).map((p) => ({
    ...p,
    overdue: p.status === 'open' && deadlinePassed(p),
    mineToReinspect: p.status === 'fixed' && can(db, user, 'problem.reinspect', p),
  }));
  const byDeadline = (a: LeaderProblem, b: LeaderProblem) =>
    deadlineSortKey(a).localeCompare(deadlineSortKey(b)) || a.id - b.id;
  const recorded = problems.filter((p) => p.recorded_by === user.id).sort((a, b) => b.id - a.id);
  return {
    today,
    unitName: (unitId === null ? undefined : findUnitById(db, unitId))?.name ?? '',
    communities,
    round,
    rankedCommunities: results?.rankedCommunities ?? 0,
    open: problems.filter((p) => p.status === 'open').sort(byDeadline),
    fixed: problems.filter((p) => p.status === 'fixed').sort(byDeadline),
    recorded: recorded.slice(0, RECORDED_SHOWN),
    recordedTotal: recorded.length,
  };
}
