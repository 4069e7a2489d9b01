/**
 * The problem lists: what the board shows an actor — the problems they may list (access-scopes.ts)
 * narrowed by the board's filters, the counts by status, 逾期 and 整改率 overall and per unit, and the
 * choices of the filter form. The office sees every problem, a unit its own subtree's, an inspector those
 * of the sites assigned to them (their list opens on the fixes waiting for their 复查), a 包联 leader
 * those in the 社区 their unit 包联s and those they recorded. A problem from a document task is in its
 * task's 镇街 and 社区 (the 镇街 and 社区 filters and a leader's 社区 find it there); it has no site, so no
 * inspector lists it. A problem from outside rounds (督查, 随手拍, 12345, 媒体) has no round: the round
 * filter's 全部 includes it, and an inspector lists it once the office gives them its 复查.
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import type { CommunityRow, StreetRow } from '../db/repos/places.ts';
import {
  listProblems,
  type ProblemFilter,
  type ProblemListRow,
  type ProblemRequest,
  type ProblemSource,
  type ProblemStatus,
} from '../db/repos/problems.ts';
import { listRounds } from '../db/repos/rounds.ts';
import { listCommunities, listStreets, siteTypeNames } from '../db/repos/places.ts';
import { listUnits, unitSubtreeIds, type UnitRow } from '../db/repos/units.ts';
import { can, type Actor } from './access.ts';
import { problemListScope } from './access-scopes.ts';
import { isOverdue } from './problems.ts';
import { formatShanghai, nowIso } from '../util/time.ts';

export const PROBLEM_STATUSES = ['open', 'fixed', 'closed', 'void'] as const;
export const PROBLEM_REQUESTS = ['dispute', 'transfer', 'extension', 'any'] as const;
/** 来源: a sheet's deduction (测评), a document task's (材料), or from outside rounds */
export const PROBLEM_SOURCES = ['round', 'document', 'inspection', 'report', 'hotline', 'media'] as const;

/**
 * The board's filters, parsed from its query (?round= &street= &community= &unit=<id>|none &status= &overdue=1
 * &repeat=1 &request= &source=). `status` null: the actor's default (an inspector's list opens on 'fixed'); 'all':
 * every status.
 */
export interface ProblemQuery {
  roundId: number | null;
  streetId: number | null;
  communityId: number | null;
  /** a unit and the units below it */
  unitId: number | null;
  /** 责任单位：待分派 (?unit=none): only problems without a unit */
  unassigned?: boolean;
  status: ProblemStatus | 'all' | null;
  overdue: boolean;
  repeat: boolean;
  request: ProblemRequest | 'any' | null;
  /** 来源 (null: every source) */
  source: ProblemSource | null;
}

/** The status a board opens on when its query names none: an inspector's on the fixes to re-inspect. */
export const defaultStatus = (actor: Actor): '' | 'fixed' => (actor.role === 'inspector' ? 'fixed' : '');

/** The query as a filter of the problems repository, within what the actor may list. */
export function problemFilter(db: Db, actor: Actor, q: ProblemQuery): ProblemFilter {
  const scope = problemListScope(db, actor);
  const asked = q.unitId === null ? null : unitSubtreeIds(db, q.unitId);
  const status = q.status ?? (defaultStatus(actor) || null);
  const at = formatShanghai(nowIso()); // 逾期 to the minute, as isOverdue counts it
  return {
    roundId: q.roundId,
    streetId: q.streetId,
    communityId: q.communityId,
    unitIds: scope.unitIds ? (asked ?? scope.unitIds).filter((u) => scope.unitIds!.includes(u)) : asked,
    communityIds: scope.communityIds ?? null,
    recordedBy: scope.recordedBy ?? null,
    inspectorId: scope.inspectorId ?? null,
    status: status === 'all' ? null : status,
    overdueAt: q.overdue ? { date: at.slice(0, 10), time: at.slice(11, 16) } : null,
    unassigned: q.unassigned ?? false,
    repeatOnly: q.repeat,
    request: q.request,
    source: q.source,
  };
}

/** One responsible unit's line of the board: its live problems by status. */
export interface UnitProgress {
  id: number | null;
  name: string;
  total: number;
  open: number;
  fixed: number;
  closed: number;
  overdue: number;
}

export interface ProblemBoard {
  /** the status the list shows ('' for every status but void's default mix, as the query asked) */
  status: string;
  rows: ProblemListRow[];
  siteTypes: Map<string, string>;
  counts: Record<(typeof PROBLEM_STATUSES)[number], number>;
  overdue: number;
  /** live (not void) problems, and how many of them are 已销号: the 整改率 */
  live: number;
  closed: number;
  /** per responsible unit, most problems first */
  units: UnitProgress[];
  /** the filter form's choices */
  rounds: RoundRow[];
  streets: StreetRow[];
  communities: CommunityRow[];
  /** the units to filter by (the office only) */
  unitOptions: UnitRow[];
}

function progressByUnit(live: ProblemListRow[]): UnitProgress[] {
  const byUnit = new Map<string, UnitProgress>();
  for (const p of live) {
    const key = p.unit_name ?? '待分派';
    const u = byUnit.get(key) ?? {
      id: p.unit_id,
      name: key,
      total: 0,
      closed: 0,
      fixed: 0,
      open: 0,
      overdue: 0,
    };
    u.total++;
    if (p.status === 'closed') u.closed++;
    else if (p.status === 'fixed') u.fixed++;
    else u.open++;
    if (isOverdue(p)) u.overdue++;
    byUnit.set(key, u);
  }
  return [...byUnit.values()].sort((a, b) => b.total - a.total);
}

/** The board as the actor may see it (401 for an anonymous visitor). */
export function problemBoard(ctx: { db: Db }, actor: Actor, q: ProblemQuery): ProblemBoard {
  const { db } = ctx;
  const rows = listProblems(db, problemFilter(db, actor, q));
  const live = rows.filter((p) => p.status !== 'void');
  const office = can(db, actor, 'office.manage', null);
  return {
    status: q.status ?? defaultStatus(actor),
    rows,
    siteTypes: siteTypeNames(db),
    counts: Object.fromEntries(
      PROBLEM_STATUSES.map((s) => [s, rows.filter((p) => p.status === s).length]),
    ) as ProblemBoard['counts'],
    overdue: rows.filter((p) => isOverdue(p)).length,
    live: live.length,
    closed: live.filter((p) => p.status === 'closed').length,
    units: progressByUnit(live),
    rounds: listRounds(db).filter((x) => x.status !== 'draft'),
    streets: listStreets(db),
    communities: listCommunities(db),
    unitOptions: office ? listUnits(db) : [],
  };
}
