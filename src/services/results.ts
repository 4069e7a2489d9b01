/**
 * A round's results, computed from the answers that count (no stored scores to drift; see the cache below):
 * while the round is open, submitted and approved sheets (暂定); once closed, approved ones only.
 * Repeats are deductions on the same site and standard in the previous final round of the same
 * criteria family; movement compares with that round's ranks. A round that collects documents or runs
 * a survey adds their points (scoring/methods.ts): each task counted as of today (逾期未交 depends on the
 * date), the survey standards scored from the valid answers (survey-results.ts); their 社区 and 镇街 join
 * the field's, ranked on the total.
 *
 * A city round is ≈60,000 answers, so the field results read each counted sheet's answers from its pack
 * (db/repos/sheet-packs.ts: one row a sheet, rebuilt from `answers` when its revision has moved on) and
 * are scored over flat arrays (scoring/flat.ts, exactly computeRound's results; referenceResults below
 * computes them the reference way, for tests).
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import {
  countableTasks,
  countedAnswers,
  deductionKeys,
  previousRound,
  resultsFingerprint,
  resultsGeneration,
  roundSites,
} from '../db/repos/results.ts';
import { keepRanks, keptRanks, type KeptRanks } from '../db/repos/round-ranks.ts';
import { flatFromSheets, repeatsFromSheets, roundSheets, type RoundSheet } from '../db/repos/sheet-packs.ts';
import type { InspectionStatus } from '../db/repos/inspections.ts';
import { computeRound, type RoundResults } from '../scoring/round.ts';
import { computeRoundFlat, type FlatRoundInput } from '../scoring/flat.ts';
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

/** What one request reads once, however many rounds it computes: the places, and sheets by round. */
interface Reads {
  streets?: { id: number; name: string }[];
  communities?: { id: number; name: string; streetId: number }[];
  sheets: Map<string, RoundSheet[]>;
  /** rounds' parts of the cache key (keyPart), by round id */
  keys: Map<number, string>;
  /** the places' and rounds' sites' generations (resultsGeneration), once a request */
  generation?: string;
  /** computeRound over every answer read from `answers` (referenceResults) */
  reference?: boolean;
}

const newReads = (): Reads => ({ sheets: new Map(), keys: new Map() });

function streetsOf(ctx: ResultsCtx, reads: Reads) {
  return (reads.streets ??= listStreets(ctx.db).map((s) => ({ id: s.id, name: s.name })));
}

function communitiesOf(ctx: ResultsCtx, reads: Reads) {
  return (reads.communities ??= listCommunities(ctx.db).map((c) => ({
    id: c.id,
    name: c.name,
    streetId: c.street_id,
  })));
}

const codesOf = (ctx: ResultsCtx, round: RoundRow) =>
  ctx.criteria.get(round.criteria_version_id).standards.map((s) => s.code);

/** A round's sheets in the given statuses with their answers packed (db/repos/sheet-packs.ts), once a request. */
function sheetsOf(
  ctx: ResultsCtx,
  reads: Reads,
  round: RoundRow,
  statuses: InspectionStatus[],
): RoundSheet[] {
  const key = `${round.id}:${statuses.join(',')}`;
  let sheets = reads.sheets.get(key);
  if (!sheets) {
    sheets = roundSheets(ctx.db, round.id, round.criteria_version_id, codesOf(ctx, round), statuses);
    reads.sheets.set(key, sheets);
  }
  return sheets;
}

type FieldInput = Omit<FlatRoundInput, 'answers' | 'repeated'>;

/** A round's 社区 and 镇街 ranks (the unranked left out): what the next round's movement reads. */
function ranksOf(results: RoundResults): KeptRanks {
  return {
    communityRanks: new Map(results.communities.filter((c) => c.rank !== null).map((c) => [c.id, c.rank!])),
    streetRanks: new Map(results.streets.filter((s) => s.rank !== null).map((s) => [s.id, s.rank!])),
  };
}

/**
 * Everything computeRoundFlat needs for one round but the answers, read from the database; `previous`
 * is its previous final round's ranks (for movement).
 */
function roundInput(ctx: ResultsCtx, reads: Reads, round: RoundRow, previous: KeptRanks | null): FieldInput {
  const version = ctx.criteria.get(round.criteria_version_id);
  const sites = roundSites(ctx.db, round.id);
  const streetIds = new Set(sites.map((s) => s.streetId));
  const communityIds = new Set(sites.map((s) => s.communityId));
  return {
    rules: version.version.rules,
    standards: new Map(version.standards.map((s) => [s.code, s])),
    // only the 镇街 and 社区 that have sites in this round take part
    streets: streetsOf(ctx, reads).filter((s) => streetIds.has(s.id)),
    communities: communitiesOf(ctx, reads).filter((c) => communityIds.has(c.id)),
    sites,
    previous: previous ?? undefined,
  };
}

/**
 * The field results from the sheets' packs: the round's counted sheets, and for the repeat rule the
 * failures of its previous final round's approved sheets (as deductionKeys gives them).
 */
function flatField(
  ctx: ResultsCtx,
  reads: Reads,
  round: RoundRow,
  prev: RoundRow | undefined,
  input: FieldInput,
) {
  const codes = codesOf(ctx, round);
  return computeRoundFlat(
    withAnswers(
      input,
      flatFromSheets(sheetsOf(ctx, reads, round, countedStatuses(round)), input.sites, codes),
      prev
        ? repeatsFromSheets(sheetsOf(ctx, reads, prev, ['approved']), codesOf(ctx, prev), input.sites, codes)
        : null,
    ),
  );
}

/**
 * A round's input with its answers and repeats, as one object literal (not a spread of `input`: a
 * spread's shape is one V8 may drop at its next full collection, and the scoring code that read it is then
 * thrown away and compiled again; #22).
 */
function withAnswers<A, R>(input: FieldInput, answers: A, repeated: R) {
  return {
    rules: input.rules,
    standards: input.standards,
    streets: input.streets,
    communities: input.communities,
    sites: input.sites,
    previous: input.previous,
    answers,
    repeated,
  };
}

/** The field results the reference way: computeRound over the answers as rows, repeats as keys. */
function referenceField(ctx: ResultsCtx, round: RoundRow, prev: RoundRow | undefined, input: FieldInput) {
  const siteIds = new Set(input.sites.map((s) => s.id));
  return computeRound(
    withAnswers(
      input,
      countedAnswers(ctx.db, round.id, countedStatuses(round), siteIds),
      prev ? deductionKeys(ctx.db, prev.id) : new Set<string>(),
    ),
  );
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
    const points = c.kind === 'scored' || c.kind === 'overdue';
    counted.push({
      id: t.id,
      standardCode: t.standard_code,
      level: t.level,
      communityId: t.community_id,
      streetId: t.street_id,
      kind: c.kind,
      earned: points ? c.score.earned : 0,
      possible: points ? c.score.possible : c.possible,
    });
  }
  return counted;
}

/** A round's results: the field's, and with document tasks or a survey the totals over every method. */
function compute(
  ctx: ResultsCtx,
  reads: Reads,
  round: RoundRow,
  prev: RoundRow | undefined,
  previous: KeptRanks | null,
): RoundResults {
  const input = roundInput(ctx, reads, round, previous);
  const field = reads.reference
    ? referenceField(ctx, round, prev, input)
    : flatField(ctx, reads, round, prev, input);
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
    communities: communitiesOf(ctx, reads).filter((c) => communityIds.has(c.id)),
    streets: streetsOf(ctx, reads).filter((s) => streetIds.has(s.id)),
    tasks,
    survey: survey?.figures,
    previous: input.previous,
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
 * repeat rule and movement read it) and the generations of places and rounds' sites. A few rounds are
 * kept, the most recently used. Only a round's ranks outlive the process's memory (previousRanks).
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

/** What the cache holds under `slot` when it was kept under `key`. */
function peek(db: Db, slot: string, key: string): RoundResults | undefined {
  const hit = caches.get(db)?.get(slot);
  return hit && hit.key === key ? hit.results : undefined;
}

/**
 * One round's part of a cache key: its id and fingerprint ("-" for no round); a round with document
 * tasks adds theirs and today's date (a task becomes 逾期未交 overnight); a round with a survey its
 * answers' (every answer, clear and void moves it).
 */
function keyPart(db: Db, round: RoundRow | undefined, reads: Reads): string {
  if (!round) return '-';
  let part = reads.keys.get(round.id);
  if (part === undefined) reads.keys.set(round.id, (part = roundKeyPart(db, round)));
  return part;
}

function roundKeyPart(db: Db, round: RoundRow): string {
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
  reads: Reads = newReads(),
): RoundResults {
  return cached(ctx.db, `base:${round.id}`, baseKey(ctx.db, round, prev, reads), () =>
    compute(ctx, reads, round, prev, null),
  );
}

function baseKey(db: Db, round: RoundRow, prev: RoundRow | undefined, reads: Reads): string {
  return `${generationOf(db, reads)}|${keyPart(db, round, reads)}|${keyPart(db, prev, reads)}`;
}

function generationOf(db: Db, reads: Reads): string {
  return (reads.generation ??= resultsGeneration(db));
}

/**
 * A final round's ranks, for the movement of the round after it: from the cache or from the ranks kept in
 * the database (round_ranks) under the same key as its base results, else from its results computed now,
 * and then kept. A cold ranking so computes one round, not two (#22).
 */
function previousRanks(
  ctx: ResultsCtx,
  prev: RoundRow,
  prevPrev: RoundRow | undefined,
  reads: Reads,
): KeptRanks {
  const key = baseKey(ctx.db, prev, prevPrev, reads);
  const inMemory = peek(ctx.db, `base:${prev.id}`, key);
  if (inMemory) return ranksOf(inMemory);
  const kept = keptRanks(ctx.db, prev.id, key);
  if (kept) return kept;
  const ranks = ranksOf(baseResults(ctx, prev, prevPrev, reads));
  keepRanks(ctx.db, prev.id, key, ranks);
  return ranks;
}

/**
 * A round's results as computeRound gives them from every answer in `answers` (no packs, nothing cached):
 * the reference tests compare resultsFor with after each kind of change.
 */
export function referenceResults(ctx: ResultsCtx, round: RoundRow): RoundResults {
  const prev = previousRound(ctx.db, round);
  const prevPrev = prev ? previousRound(ctx.db, prev) : undefined;
  const reads: Reads = { ...newReads(), reference: true };
  return compute(ctx, reads, round, prev, prev ? ranksOf(compute(ctx, reads, prev, prevPrev, null)) : null);
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
  const prevPrev = prevRound ? previousRound(ctx.db, prevRound) : undefined;
  const reads = newReads();
  const generation = generationOf(ctx.db, reads);
  const prevParts = prevRound
    ? `${keyPart(ctx.db, prevRound, reads)}|${keyPart(ctx.db, prevPrev, reads)}`
    : '-';
  const key = `${generation}|${keyPart(ctx.db, round, reads)}|${prevParts}`;
  const results = cached(ctx.db, `full:${round.id}`, key, () =>
    compute(ctx, reads, round, prevRound, prevRound ? previousRanks(ctx, prevRound, prevPrev, reads) : null),
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
