/**
 * One round's results (一轮测评结果): sites, communities and 镇街 scored and ranked, 红黑榜 and weak spots.
 * Pure functions over plain objects (no I/O), so ranking pages, exported 通报 and tests all get the same
 * numbers from the same answers, and every number traces back to them.
 *
 * Formulas (pages and the help page repeat them):
 *  - standard: earned / possible / lost by scoreStandard (standard.ts) — deduction, grade or pass/fail,
 *    the 当场整改 factor, and the 反复出现 rule when `${siteId}:${code}` is in `repeated`;
 *  - 不适用, exclude rule: left out of earned and possible.
 *    average rule: earned = points × m, possible = points, where m = the mean of earned ÷ possible over
 *    the non-不适用 answers of that standard at sites of OTHER community groups this round (a site's group
 *    is its 社区, or `street:<id>` for a site directly under its 镇街); with no such answers it is left out
 *    as under the exclude rule. Marked naAverage; nothing was found, so lost = 0: it is not a problem nor
 *    a weak spot, and it counts as met in 及格率.
 *  - site: earned = Σ earned, possible = Σ possible over its answers; 得分率 = earned ÷ possible (null when
 *    possible is 0, e.g. no answers or all 不适用); 及格率 = standards with lost 0 ÷ standards counted in
 *    possible (null when none); problems = answers with lost > 0.
 *  - community and 镇街, w = siteTypeWeights[siteType] ?? 1:
 *    pooled 得分率 = Σ w·earned ÷ Σ w·possible over its sites;
 *    mean   得分率 = Σ w·rate ÷ Σ w over its sites whose rate is not null;
 *    earned, possible, problems and 及格率 are unweighted, over all standards of all its sites.
 *    A 镇街 is computed the same way over every site under it, its directly held sites included — not
 *    from its communities' results.
 *  - 未排名: 得分率 null, or unweighted Σ possible < minPossiblePoints; listed after the ranked entries.
 *  - rank by 得分率 descending; rates within 1e-9 share a place (1, 2, 2, 4); ties by name, then id.
 *  - movement = previous rank − current rank (positive = moved up); null when either is missing.
 *  - 红榜: rank ≤ redList.topN and, when set, rate ≥ redList.minRate.
 *    黑榜: rate < blackList.belowRate (when set) OR rank ≥ the rank of the bottomN-th ranked entry from the
 *    end (when set; ties at that place included). Never both: red wins, which only happens when a round
 *    has so few ranked entries that topN and bottomN overlap.
 *  - weak spots: per 测评项目 and per standard Σ lost (unweighted) and failing answers (lost > 0), by lost
 *    descending; per site type failRate = failing ÷ applicable answers, by failRate descending. Only
 *    items, standards and site types with applicable answers are listed.
 * Points (earned, possible, lost) are kept to 4 decimals, as standard.ts stores them; rates are not rounded.
 */
import type { Rules } from '../criteria/schema.ts';
import {
  scoreAnswers,
  siteResult,
  type RoundAnswer,
  type RoundSite,
  type RoundStandard,
  type SiteResult,
  type SiteWithStandards,
  type StandardResult,
  units,
} from './aggregate.ts';
import { addSite, areaFigures, emptyTotals, type AreaFigures, type AreaTotals } from './area.ts';
import { rankEntries, type Placement, type Unranked } from './rank.ts';
import type { AreaMethods, CombinedRound } from './methods.ts';

export type {
  RoundAnswer,
  RoundSite,
  RoundStandard,
  SiteResult,
  SiteWithStandards,
  StandardResult,
} from './aggregate.ts';
export { communityGroup } from './aggregate.ts';
export {
  RATE_EPSILON,
  byNameThenId,
  rankEntries,
  type Placement,
  type RankOptions,
  type Rankable,
  type Unranked,
} from './rank.ts';

export interface RoundInput {
  rules: Rules;
  /** every standard of the version that may appear, in version order */
  standards: ReadonlyMap<string, RoundStandard>;
  streets: readonly { id: number; name: string }[];
  communities: readonly { id: number; name: string; streetId: number }[];
  /** the round's included sites; a site counts for the 镇街 of its own streetId */
  sites: readonly RoundSite[];
  /** answers of the sheets that count */
  answers: readonly RoundAnswer[];
  /** `${siteId}:${standardCode}`: deductions found again from the previous round */
  repeated: ReadonlySet<string>;
  /** ranks in the previous round, for movement */
  previous?: { communityRanks: ReadonlyMap<number, number>; streetRanks: ReadonlyMap<number, number> };
}

/** A ranked community or 镇街 (streetId only on communities): its figures (area.ts) and its place. */
export interface AreaResult extends AreaFigures {
  rank: number | null;
  /** why it is 未排名, null when ranked */
  unranked: Unranked | null;
  movement: number | null;
  red: boolean;
  black: boolean;
  /** a round counting several methods: each method's figures; `rate` is then the total (综合得分率) */
  methods?: AreaMethods;
}

export interface WeakItem {
  code: string;
  name: string;
  lost: number;
  failures: number;
  /** answers counted in possible */
  answers: number;
}

export interface WeakStandard {
  code: string;
  item: { code: string; name: string };
  lost: number;
  failures: number;
  answers: number;
}

export interface WeakSiteType {
  siteType: string;
  /** failures ÷ answers */
  failRate: number;
  failures: number;
  answers: number;
  /** sites of this type with at least one answer counted */
  sites: number;
}

export interface RoundResults {
  /** in input order */
  sites: SiteResult[];
  /** ranked, in place order, then 未排名 */
  communities: AreaResult[];
  streets: AreaResult[];
  /** only items / standards with answers counted in possible; by lost desc, failures desc, version order */
  weakItems: WeakItem[];
  weakStandards: WeakStandard[];
  /** only site types with answers counted in possible; by failRate desc, failures desc, code */
  weakSiteTypes: WeakSiteType[];
  /** a round counting document tasks: the district's figures and the counted tasks (methods.ts) */
  combined?: CombinedRound;
}

/** computeRound's results: the reference keeps every site's standard results on the site. */
export type ReferenceResults = Omit<RoundResults, 'sites'> & { sites: SiteWithStandards[] };

export function computeRound(input: RoundInput): ReferenceResults {
  const { rules } = input;
  const perSite = scoreAnswers(input.sites, input.answers, input.standards, rules, input.repeated);
  const sites = input.sites.map((s, i) => siteResult(s, perSite[i]!));

  const results: ReferenceResults = roundResultsOf(
    sites,
    rankedAreas(input, sites),
    weakSpots(sites, input.standards),
  );
  rememberStandards(results.sites, (i) => sites[i]!.standards);
  return results;
}

/** A round's results as one object literal (computeRound's and computeRoundFlat's; see placedArea). */
export function roundResultsOf<S extends SiteResult>(
  sites: S[],
  areas: Pick<RoundResults, 'communities' | 'streets'>,
  weak: Pick<RoundResults, 'weakItems' | 'weakStandards' | 'weakSiteTypes'>,
): Omit<RoundResults, 'sites'> & { sites: S[] } {
  return {
    sites,
    communities: areas.communities,
    streets: areas.streets,
    weakItems: weak.weakItems,
    weakStandards: weak.weakStandards,
    weakSiteTypes: weak.weakSiteTypes,
    combined: undefined,
  };
}

/**
 * A site's standard results are made only when a page asks for them (flat.ts keeps arrays, not an object
 * per answer): each computed round remembers how to make them, under its `sites` array (a round with
 * several methods shares the field's).
 */
const standardsOf = new WeakMap<
  readonly SiteResult[],
  { make: (siteIndex: number) => StandardResult[]; index?: Map<number, number> }
>();

export function rememberStandards(
  sites: readonly SiteResult[],
  make: (siteIndex: number) => StandardResult[],
): void {
  standardsOf.set(sites, { make });
}

/** A site's standard results in version order (none for a site not in the results). */
export function siteStandards(results: Pick<RoundResults, 'sites'>, siteId: number): StandardResult[] {
  const remembered = standardsOf.get(results.sites);
  if (!remembered) return [];
  // sites by id, made at the first question (a page asks for every site of a round)
  remembered.index ??= new Map(results.sites.map((s, i) => [s.id, i]));
  const i = remembered.index.get(siteId);
  return i === undefined ? [] : remembered.make(i);
}

export function rankAreas(
  areas: readonly { id: number; name: string; streetId?: number }[],
  totals: Map<number, AreaTotals>,
  rules: Rules,
  previousRanks: ReadonlyMap<number, number> | undefined,
): AreaResult[] {
  const entries = areas.map((a) => areaFigures(a, totals.get(a.id)!, rules.aggregation));
  return rankEntries(entries, {
    minPossiblePoints: rules.minPossiblePoints,
    redList: rules.redList,
    blackList: rules.blackList,
    previousRanks,
  }).map((p) => placedArea(p.entry, p.entry.rate, p.entry.possible, p, undefined));
}

/**
 * An area's result as one object literal, every field present (streetId and methods undefined where
 * they do not apply): rankAreas, combineRound and the blank areas of a round without field work make the
 * same shape, so the code that reads them is compiled once (objects copied by spread get shapes V8 drops
 * at its next full collection, and that code is then thrown away; #22).
 */
export function placedArea(
  figures: AreaFigures,
  rate: number | null,
  possible: number,
  placed: Pick<Placement<unknown>, 'rank' | 'unranked' | 'movement' | 'red' | 'black'>,
  methods: AreaMethods | undefined,
): AreaResult {
  return {
    id: figures.id,
    name: figures.name,
    streetId: figures.streetId,
    earned: figures.earned,
    possible,
    rate,
    passRate: figures.passRate,
    problems: figures.problems,
    siteCount: figures.siteCount,
    scoredSiteCount: figures.scoredSiteCount,
    evaluatedSiteCount: figures.evaluatedSiteCount,
    rank: placed.rank,
    unranked: placed.unranked,
    movement: placed.movement,
    red: placed.red,
    black: placed.black,
    methods,
  };
}

function weakSpots(
  sites: SiteWithStandards[],
  standards: ReadonlyMap<string, RoundStandard>,
): Pick<RoundResults, 'weakItems' | 'weakStandards' | 'weakSiteTypes'> {
  const byStandard = new Map<string, { lostUnits: number; failures: number; answers: number }>();
  const byType = new Map<string, { failures: number; answers: number; sites: number }>();
  for (const site of sites) {
    let type = byType.get(site.siteType);
    if (!type) byType.set(site.siteType, (type = { failures: 0, answers: 0, sites: 0 }));
    if (site.applicable > 0) type.sites++;
    for (const s of site.standards) {
      if (!s.applicable) continue;
      let st = byStandard.get(s.code);
      if (!st) byStandard.set(s.code, (st = { lostUnits: 0, failures: 0, answers: 0 }));
      st.answers++;
      type.answers++;
      if (s.lost > 0) {
        st.lostUnits += units(s.lost);
        st.failures++;
        type.failures++;
      }
    }
  }

  const weakStandards: WeakStandard[] = [];
  const items = new Map<
    string,
    { code: string; name: string; lostUnits: number; failures: number; answers: number }
  >();
  for (const [code, standard] of standards) {
    const st = byStandard.get(code);
    if (!st) continue;
    weakStandards.push({
      code,
      item: { code: standard.item.code, name: standard.item.name },
      lost: st.lostUnits / 10000,
      failures: st.failures,
      answers: st.answers,
    });
    let item = items.get(standard.item.code);
    if (!item) {
      item = { code: standard.item.code, name: standard.item.name, lostUnits: 0, failures: 0, answers: 0 };
      items.set(standard.item.code, item);
    }
    item.lostUnits += st.lostUnits;
    item.failures += st.failures;
    item.answers += st.answers;
  }
  return sortedWeakSpots(items, weakStandards, byType);
}

/** The 社区 and 镇街 of a round, their sites' totals added up (weighted by type) and ranked (computeRoundFlat's too). */
export function rankedAreas(
  input: Pick<RoundInput, 'rules' | 'communities' | 'streets' | 'previous'>,
  sites: readonly SiteResult[],
): Pick<RoundResults, 'communities' | 'streets'> {
  const { rules } = input;
  const communityTotals = new Map(input.communities.map((c) => [c.id, emptyTotals()]));
  const streetTotals = new Map(input.streets.map((s) => [s.id, emptyTotals()]));
  for (const site of sites) {
    const weight = rules.siteTypeWeights[site.siteType] ?? 1;
    const street = streetTotals.get(site.streetId);
    if (!street) throw new Error(`点位 ${site.id} 的镇街 ${site.streetId} 不在本轮的镇街列表中`);
    addSite(street, site, weight);
    if (site.communityId === null) continue;
    const community = communityTotals.get(site.communityId);
    if (!community) throw new Error(`点位 ${site.id} 的社区 ${site.communityId} 不在本轮的社区列表中`);
    addSite(community, site, weight);
  }
  return {
    communities: rankAreas(input.communities, communityTotals, rules, input.previous?.communityRanks),
    streets: rankAreas(input.streets, streetTotals, rules, input.previous?.streetRanks),
  };
}

/** A round's sums per item (in 1/10000 points) and per site type. */
export type ItemSums = Map<
  string,
  { code: string; name: string; lostUnits: number; failures: number; answers: number }
>;
export type SiteTypeSums = Map<string, { failures: number; answers: number; sites: number }>;

/** The weak spots' three lists, most lost first, from a round's sums (computeRoundFlat's too). */
export function sortedWeakSpots(
  items: ItemSums,
  weakStandards: WeakStandard[],
  byType: SiteTypeSums,
): Pick<RoundResults, 'weakItems' | 'weakStandards' | 'weakSiteTypes'> {
  // Array.prototype.sort is stable, so equal entries keep version order
  const byLost = (a: { lost: number; failures: number }, b: { lost: number; failures: number }) =>
    b.lost - a.lost || b.failures - a.failures;
  const weakItems: WeakItem[] = [...items.values()].map((item) => ({
    code: item.code,
    name: item.name,
    lost: item.lostUnits / 10000,
    failures: item.failures,
    answers: item.answers,
  }));

  const weakSiteTypes: WeakSiteType[] = [...byType]
    .filter(([, t]) => t.answers > 0)
    .map(([siteType, t]) => ({
      siteType,
      failRate: t.failures / t.answers,
      failures: t.failures,
      answers: t.answers,
      sites: t.sites,
    }));
  weakSiteTypes.sort(
    (a, b) =>
      b.failRate - a.failRate ||
      b.failures - a.failures ||
      (a.siteType < b.siteType ? -1 : a.siteType > b.siteType ? 1 : 0),
  );
  return { weakItems: weakItems.sort(byLost), weakStandards: weakStandards.sort(byLost), weakSiteTypes };
}
