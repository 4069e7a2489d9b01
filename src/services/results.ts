/**
 * A round's results, computed from the answers that count (no stored scores to drift; see the cache below):
 * while the round is open, submitted and approved sheets (暂定); once closed, approved ones only.
 * Repeats are deductions on the same site and standard in the previous final round of the same
 * criteria family; movement compares with that round's ranks. A round that collects documents or runs
 * a survey adds their points (scoring/methods.ts): each task counted as of today (逾期未交 depends on the
 * date), the survey standards scored from the valid answers (survey-results.ts); their 社区 and 镇街 join
 * the field's, ranked on the total.
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { listCommunities, listStreets, placesGeneration } from '../db/repos/places.ts';
import {
  countableTasks,
  countedAnswers,
  deductionKeys,
  includedSites,
  previousRound,
  resultsFingerprint,
} from '../db/repos/results.ts';
import type { InspectionStatus } from '../db/repos/inspections.ts';
import { computeRound, type RoundInput, type RoundResults } from '../scoring/round.ts';
import { combineRound, type CountedTask } from '../scoring/methods.ts';
import { tasksFingerprint } from '../db/repos/document-tasks.ts';
import { shanghaiDate } from '../util/time.ts';
import { countTask, roundHasMethod } from './document-tasks.ts';
import { Conflict, NotFound } from '../errors.ts';
import { surveyKey, surveyResults } from './survey-results.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { canOrReject, type Actor } from './access.ts';

export interface ResultsCtx {
  db: Db;
  criteria: CriteriaCache;
}

export function countedStatuses(round: RoundRow): InspectionStatus[] {
  return round.status === 'open' ? ['submitted', 'approved'] : ['approved'];
}

/**
 * Everything computeRound needs for one round, read from the database: `prev` is its previous final
 * round (the repeat rule reads its deductions), `previous` that round's results (for movement).
 */
function roundInput(
  ctx: ResultsCtx,
  round: RoundRow,
  prev: RoundRow | undefined,
  previous: RoundResults | null,
): RoundInput {
  const version = ctx.criteria.get(round.criteria_version_id);
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

/** The tasks of a round as they count today, read in one query and counted in one pass. */
function countedTasks(ctx: ResultsCtx, round: RoundRow, today: string): CountedTask[] {
  const version = ctx.criteria.get(round.criteria_version_id);
  const rules = version.version.rules;
  const counted: CountedTask[] = [];
  for (const t of countableTasks(ctx.db, round.id)) {
    const standard = version.byCode.get(t.standard_code);
    if (!standard) continue;
    const c = countTask(t, standard, rules, today);
    const points =
      c.kind === 'scored' || c.kind === 'overdue'
        ? { earned: c.score.earned, possible: c.score.possible }
        : { earned: 0, possible: c.possible };
    counted.push({
      id: t.id,
      standardCode: t.standard_code,
      level: t.level,
      communityId: t.community_id,
      streetId: t.street_id,
      kind: c.kind,
      ...points,
    });
  }
  return counted;
}

/** A round's results: the field's, and with document tasks or a survey the totals over every method. */
function compute(
  ctx: ResultsCtx,
  round: RoundRow,
  prev: RoundRow | undefined,
  previous: RoundResults | null,
): RoundResults {
  const input = roundInput(ctx, round, prev, previous);
  const field = computeRound(input);
  const documents = roundHasMethod(round, 'document');
  const survey = roundHasMethod(round, 'survey') ? surveyResults(ctx.db, ctx.criteria, round) : null;
  if (!documents && !survey) return field;
  const tasks = documents ? countedTasks(ctx, round, shanghaiDate()) : [];
  const communityIds = new Set(input.communities.map((c) => c.id));
  const streetIds = new Set(input.streets.map((s) => s.id));
  for (const t of tasks) {
    if (t.communityId !== null) communityIds.add(t.communityId);
    if (t.streetId !== null) streetIds.add(t.streetId);
  }
  for (const c of survey?.communities ?? []) {
    communityIds.add(c.id);
    streetIds.add(c.streetId);
  }
  return combineRound({
    rules: input.rules,
    field,
    communities: listCommunities(ctx.db)
      .filter((c) => communityIds.has(c.id))
      .map((c) => ({ id: c.id, name: c.name, streetId: c.street_id })),
    streets: listStreets(ctx.db)
      .filter((s) => streetIds.has(s.id))
      .map((s) => ({ id: s.id, name: s.name })),
    tasks,
    ...(survey ? { survey: survey.figures } : {}),
    ...(input.previous ? { previous: input.previous } : {}),
  });
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

/**
 * One round's part of a cache key: its id and fingerprint ("-" for no round); a round with document
 * tasks adds theirs and today's date (a task becomes 逾期未交 overnight); a round with a survey its
 * answers' (every answer, clear and void moves it).
 */
function keyPart(db: Db, round: RoundRow | undefined): string {
  if (!round) return '-';
  const field = `${round.id}:${resultsFingerprint(db, round.id)}`;
  const documents = roundHasMethod(round, 'document')
    ? `:${tasksFingerprint(db, round.id)}:${shanghaiDate()}`
    : '';
  const survey = roundHasMethod(round, 'survey') ? `:${surveyKey(db, round)}` : '';
  return field + documents + survey;
}

/**
 * A round's results without movement (the previous round's ranks), as trends and movement use them.
 * Their key: the places' generation, the round and its previous round (the repeat rule reads it).
 */
export function baseResults(
  ctx: ResultsCtx,
  round: RoundRow,
  prev: RoundRow | undefined = previousRound(ctx.db, round),
): RoundResults {
  const key = `${placesGeneration(ctx.db)}|${keyPart(ctx.db, round)}|${keyPart(ctx.db, prev)}`;
  return cached(ctx.db, `base:${round.id}`, key, () => compute(ctx, round, prev, null));
}

/** Forget every cached result (the benchmark measures computing from the answers). */
export function clearResultsCache(db: Db): void {
  caches.delete(db);
}

/**
 * The results of a round already loaded and allowed (the results pages ask access first, for the part
 * the actor may see): 409 while the round is a draft. Its previous final round is read here, once.
 */
export function roundResults(ctx: ResultsCtx, round: RoundRow): RoundResultsView {
  if (round.status === 'draft') throw new Conflict('该轮次尚未开始，还没有结果');
  const prevRound = previousRound(ctx.db, round);
  // with movement, the results also depend on the previous round's own results (and its previous round)
  const generation = placesGeneration(ctx.db);
  const prevPrev = prevRound ? previousRound(ctx.db, prevRound) : undefined;
  const prevParts = prevRound ? `${keyPart(ctx.db, prevRound)}|${keyPart(ctx.db, prevPrev)}` : '-';
  const key = `${generation}|${keyPart(ctx.db, round)}|${prevParts}`;
  const results = cached(ctx.db, `full:${round.id}`, key, () =>
    compute(ctx, round, prevRound, prevRound ? baseResults(ctx, prevRound, prevPrev) : null),
  );
  const family = ctx.criteria.get(round.criteria_version_id).version.family;
  // a submitted task not yet scored leaves the totals 暂定 even in a closed round
  const pendingTasks = results.combined?.district.tasks.provisional ?? 0;
  return {
    round,
    previous: prevRound,
    results,
    provisional: round.status === 'open' || pendingTasks > 0,
    family,
  };
}

/** The whole district's results of a round (the office, the command line, the benchmark): 404, 403, 409. */
export function resultsFor(ctx: ResultsCtx, actor: Actor, roundId: number): RoundResultsView {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  canOrReject(ctx.db, actor, 'results.analyse', round);
  return roundResults(ctx, round);
}
