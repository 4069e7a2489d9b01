/**
 * A round's results, computed from the answers that count (no stored scores to drift; see the cache below):
 * while the round is open, submitted and approved sheets (暂定); once closed, approved ones only.
 * Repeats are deductions on the same site and standard in the previous final round of the same
 * criteria family; movement compares with that round's ranks.
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import {
  countedAnswers,
  deductionKeys,
  includedSites,
  previousRound,
  resultsFingerprint,
} from '../db/repos/results.ts';
import { placesGeneration } from '../db/repos/places.ts';
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
  const siteIds = new Set(sites.map((s) => s.id));
  const streetIds = new Set(sites.map((s) => s.street_id));
  const communityIds = new Set(sites.map((s) => s.community_id));
  return {
    rules: version.version.rules,
    standards: new Map(version.standards.map((s) => [s.code, s])),
    // only the 镇街 and 社区 that have sites in this round take part
    streets: listStreets(ctx.db)
      .filter((s) => streetIds.has(s.id))
      .map((s) => ({ id: s.id, name: s.name })),
    communities: listCommunities(ctx.db)
      .filter((c) => communityIds.has(c.id))
      .map((c) => ({ id: c.id, name: c.name, streetId: c.street_id })),
    sites: sites.map((s) => ({
      id: s.id,
      name: s.name,
      siteType: s.site_type,
      streetId: s.street_id,
      communityId: s.community_id,
    })),
    answers: countedAnswers(ctx.db, round.id, countedStatuses(round), siteIds),
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

/**
 * Results are computed from the answers, never stored; but a round viewed again with nothing changed
 * gives the same numbers, so they are kept in memory under a key that changes whenever they may:
 * the round's fingerprint (state, sites, sheets' statuses and revisions), its previous round's (the
 * repeat rule and movement read it) and the places' generation. A few rounds are kept, the most
 * recently used.
 */
const CACHE_ROUNDS = 16;
const caches = new WeakMap<Db, Map<string, { key: string; results: RoundResults }>>();

function cached(db: Db, slot: string, key: string, compute: () => RoundResults): RoundResults {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(slot);
  cache.delete(slot);
  if (hit && hit.key === key) {
    cache.set(slot, hit);
    return hit.results;
  }
  const results = compute();
  cache.set(slot, { key, results });
  if (cache.size > CACHE_ROUNDS) cache.delete(cache.keys().next().value!);
  return results;
}

/** One round's part of a cache key: its id and fingerprint ("-" for no round). */
function keyPart(db: Db, round: RoundRow | undefined): string {
  return round ? `${round.id}:${resultsFingerprint(db, round.id)}` : '-';
}

/**
 * A round's results without movement (the previous round's ranks), as trends and movement use them.
 * Their key: the places' generation, the round and its previous round (the repeat rule reads it).
 */
export function baseResults(
  ctx: ResultsCtx,
  round: RoundRow,
  key = `${placesGeneration(ctx.db)}|${keyPart(ctx.db, round)}|${keyPart(ctx.db, previousRound(ctx.db, round))}`,
): RoundResults {
  return cached(ctx.db, `base:${round.id}`, key, () => computeRound(roundInput(ctx, round, null)));
}

/** Forget every cached result (the benchmark measures computing from the answers). */
export function clearResultsCache(db: Db): void {
  caches.delete(db);
}

export function resultsFor(ctx: ResultsCtx, roundId: number): RoundResultsView {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  if (round.status === 'draft') throw new Conflict('该轮次尚未开始，还没有结果');
  const prevRound = previousRound(ctx.db, round);
  // with movement, the results also depend on the previous round's own results (and its previous round)
  const generation = placesGeneration(ctx.db);
  const prevParts = prevRound
    ? `${keyPart(ctx.db, prevRound)}|${keyPart(ctx.db, previousRound(ctx.db, prevRound))}`
    : '-';
  const key = `${generation}|${keyPart(ctx.db, round)}|${prevParts}`;
  const results = cached(ctx.db, `full:${round.id}`, key, () =>
    computeRound(
      roundInput(ctx, round, prevRound ? baseResults(ctx, prevRound, `${generation}|${prevParts}`) : null),
    ),
  );
  const family = findCriteriaVersionById(ctx.db, round.criteria_version_id)!.family;
  return { round, previous: prevRound, results, provisional: round.status === 'open', family };
}
