/**
 * A round's results, always computed fresh from the answers that count (no stored scores to drift):
 * while the round is open, submitted and approved sheets (暂定); once closed, approved ones only.
 * Repeats are deductions on the same site and standard in the previous final round of the same
 * criteria family; movement compares with that round's ranks.
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { countedAnswers, deductionKeys, includedSites, previousRound } from '../db/repos/results.ts';
import { findCriteriaVersionById } from '../db/repos/criteria-versions.ts';
import type { InspectionStatus } from '../db/repos/inspections.ts';
import { computeRound, type RoundInput, type RoundResults } from '../scoring/round.ts';
import { Conflict, NotFound } from '../errors.ts';
import type { CriteriaCache } from './criteria-registry.ts';

export interface ResultsCtx {
  db: Db;
  criteria: CriteriaCache;
}

export function countedStatuses(round: RoundRow): InspectionStatus[] {
  return round.status === 'open' ? ['submitted', 'approved'] : ['approved'];
}

/** Everything computeRound needs for one round, read from the database. */
export function roundInput(ctx: ResultsCtx, round: RoundRow, previous: RoundResults | null): RoundInput {
  const version = ctx.criteria.get(round.criteria_version_id);
  const prev = previousRound(ctx.db, round);
  const sites = includedSites(ctx.db, round.id);
  return {
    rules: version.version.rules,
    standards: new Map(version.standards.map((s) => [s.code, s])),
    // only the 镇街 and 社区 that have sites in this round take part
    streets: listStreets(ctx.db)
      .filter((s) => sites.some((x) => x.street_id === s.id))
      .map((s) => ({ id: s.id, name: s.name })),
    communities: listCommunities(ctx.db)
      .filter((c) => sites.some((x) => x.community_id === c.id))
      .map((c) => ({ id: c.id, name: c.name, streetId: c.street_id })),
    sites: sites.map((s) => ({
      id: s.id,
      name: s.name,
      siteType: s.site_type,
      streetId: s.street_id,
      communityId: s.community_id,
    })),
    answers: countedAnswers(ctx.db, round.id, countedStatuses(round)).map((a) => ({
      siteId: a.site_id,
      standard: a.standard_code,
      result: a.result,
      cases: a.cases,
      fixedCases: a.fixed_cases,
    })),
    repeated: prev ? deductionKeys(ctx.db, prev.id) : new Set(),
    ...(previous
      ? {
          previous: {
            communityRanks: new Map(
              previous.communities.filter((c) => c.rank !== null).map((c) => [c.id, c.rank!]),
            ),
            streetRanks: new Map(previous.streets.filter((s) => s.rank !== null).map((s) => [s.id, s.rank!])),
          },
        }
      : {}),
  };
}

export interface RoundResultsView {
  round: RoundRow;
  previous: RoundRow | undefined;
  results: RoundResults;
  provisional: boolean;
  family: string;
}

export function resultsFor(ctx: ResultsCtx, roundId: number): RoundResultsView {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  if (round.status === 'draft') throw new Conflict('该轮次尚未开始，还没有结果');
  const prevRound = previousRound(ctx.db, round);
  const prevResults = prevRound ? computeRound(roundInput(ctx, prevRound, null)) : null;
  const results = computeRound(roundInput(ctx, round, prevResults));
  const family = findCriteriaVersionById(ctx.db, round.criteria_version_id)!.family;
  return { round, previous: prevRound, results, provisional: round.status === 'open', family };
}
