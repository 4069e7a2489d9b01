/**
 * A round's results computed over flat arrays (#22): the same `RoundResults` as computeRound (round.ts),
 * which stays the reference and states the formulas, in one pass over typed arrays instead of an object per
 * answer. A ranking of a city round scores ≈60,000 answers; computeRound makes two objects for each, and
 * collecting them was a quarter of a cold ranking's time.
 *
 * How it stays exactly computeRound's:
 *  - a standard's score comes from scoreStandard itself, memoised per (standard, result, cases, fixed
 *    cases, repeat): the same function gives the same numbers;
 *  - site, standard and type totals are summed in integers of 1/10000 point (units), as siteResult and
 *    weakSpots sum them, so the order of the sums does not matter;
 *  - the 不适用 average keeps per-standard and per-standard × group sums of the non-不适用 answers, as
 *    scoreAnswers does, and scores each 不适用 answer once every answer is in;
 *  - areas are summed by addSite and ranked by rankAreas, the very functions computeRound uses.
 * A site's standard results (one object per answer) are only made when asked for, by siteStandards.
 */
import {
  communityGroup,
  units,
  type RoundStandard,
  type SiteResult,
  type StandardResult,
} from './aggregate.ts';
import {
  rankedAreas,
  rememberStandards,
  roundResultsOf,
  type RoundInput,
  sortedWeakSpots,
  type ItemSums,
  type RoundResults,
  type WeakStandard,
} from './round.ts';

export { siteStandards } from './round.ts';
import { scoreStandard, type Result } from './standard.ts';

/** result codes in FlatAnswers.result */
export const RESULT_CODE: Readonly<Record<Result, number>> = { ok: 0, fail: 1, na: 2 };
const RESULTS: readonly Result[] = ['ok', 'fail', 'na'];
const FAIL = 1;
const NA = 2;

/**
 * A round's counted answers, grouped by site: the answers of sites[i] are start[i] … start[i + 1] − 1,
 * in version order (standard = the standard's index in the version's order, as `standards` lists them).
 */
export interface FlatAnswers {
  start: Int32Array;
  standard: Int32Array;
  result: Uint8Array;
  cases: Float64Array;
  fixed: Float64Array;
}

export interface FlatRoundInput extends Omit<RoundInput, 'answers' | 'repeated'> {
  answers: FlatAnswers;
  /** 反复出现: repeated[site index × standards + standard index] = 1 when deducted in the previous round */
  repeated: Uint8Array | null;
}

/** Builds FlatAnswers from answers as objects (tests, and sheets that could not be packed). */
export function flatAnswers(
  sites: readonly { id: number }[],
  answers: readonly { siteId: number; standard: string; result: Result; cases: number; fixedCases: number }[],
  standards: ReadonlyMap<string, unknown>,
): FlatAnswers {
  const siteIndex = siteIndexes(sites);
  const order = standardIndexes(standards);
  const perSite: number[][] = sites.map(() => []);
  answers.forEach((a, k) => {
    const i = siteIndex.get(a.siteId);
    if (i === undefined) throw new Error(`答卷的点位 ${a.siteId} 不在本轮测评中`);
    if (!order.has(a.standard)) throw new Error(`答卷的测评标准 ${a.standard} 不在本轮的测评体系中`);
    perSite[i]!.push(k);
  });
  const n = answers.length;
  const flat: FlatAnswers = {
    start: new Int32Array(sites.length + 1),
    standard: new Int32Array(n),
    result: new Uint8Array(n),
    cases: new Float64Array(n),
    fixed: new Float64Array(n),
  };
  let at = 0;
  perSite.forEach((list, i) => {
    flat.start[i] = at;
    list.sort((x, y) => order.get(answers[x]!.standard)! - order.get(answers[y]!.standard)!);
    for (const k of list) {
      const a = answers[k]!;
      flat.standard[at] = order.get(a.standard)!;
      flat.result[at] = RESULT_CODE[a.result];
      flat.cases[at] = a.cases;
      flat.fixed[at] = a.fixedCases;
      at++;
    }
  });
  flat.start[sites.length] = at;
  return flat;
}

/** The repeat bitmap of `${siteId}:${standardCode}` keys (keys of other sites or standards are left out). */
export function repeatedBitmap(
  sites: readonly { id: number }[],
  standards: ReadonlyMap<string, unknown>,
  keys: Iterable<string>,
): Uint8Array {
  const siteIndex = siteIndexes(sites);
  const order = standardIndexes(standards);
  const bits = new Uint8Array(sites.length * standards.size);
  for (const key of keys) {
    const colon = key.indexOf(':');
    const i = siteIndex.get(Number(key.slice(0, colon)));
    const s = order.get(key.slice(colon + 1));
    if (i !== undefined && s !== undefined) bits[i * standards.size + s] = 1;
  }
  return bits;
}

function siteIndexes(sites: readonly { id: number }[]): Map<number, number> {
  const index = new Map<number, number>();
  sites.forEach((s, i) => {
    if (index.has(s.id)) throw new Error(`点位 ${s.id} 在本轮中重复`);
    index.set(s.id, i);
  });
  return index;
}

function standardIndexes(standards: ReadonlyMap<string, unknown>): Map<string, number> {
  const order = new Map<string, number>();
  for (const code of standards.keys()) order.set(code, order.size);
  return order;
}

/** One memoised standard score. */
interface Score {
  earned: number;
  possible: number;
  lost: number;
  earnedUnits: number;
  possibleUnits: number;
  lostUnits: number;
  applicable: boolean;
  grade: StandardResult['grade'];
  repeated: boolean;
}

/** memo keys hold cases and fixed cases below 256 and standards below 8192 (a small integer); others are scored each time */
const MEMO_CASES = 256;
const MEMO_STANDARDS = 8192;

export function computeRoundFlat(input: FlatRoundInput): RoundResults {
  const { rules, sites: inSites, answers: flat } = input;
  const standards = [...input.standards.values()];
  const nStd = standards.length;
  const nSites = inSites.length;
  siteIndexes(inSites);
  if (flat.start.length !== nSites + 1) throw new Error('答卷与点位数目不符');
  const repeated = input.repeated;
  const average = rules.notApplicable === 'average';

  // the memo: a score per (standard, result) for 符合 and 不适用, per (standard, repeat, cases, fixed)
  // for 不符合 — keys kept small integers (a Map keyed by larger numbers makes garbage at each lookup)
  const plain = new Int32Array(nStd * 3).fill(-1);
  const failMemo = new Map<number, number>();
  const scores: Score[] = [];
  const nAnswers = flat.start[nSites]!;
  const scoreOf = new Int32Array(nAnswers);
  const score = (s: number, result: number, cases: number, fixed: number, rep: boolean): number => {
    const isFail = result === FAIL;
    let key = -1;
    if (!isFail) {
      const hit = plain[s * 3 + result]!;
      if (hit >= 0) return hit;
    } else if (cases < MEMO_CASES && fixed < MEMO_CASES && s < MEMO_STANDARDS) {
      key = ((s * 2 + (rep ? 1 : 0)) * MEMO_CASES + cases) * MEMO_CASES + fixed;
      const hit = failMemo.get(key);
      if (hit !== undefined) return hit;
    }
    const r = scoreStandard(
      standards[s]!,
      { result: RESULTS[result]!, cases, fixedCases: fixed },
      rules,
      rep,
    );
    scores.push({
      earned: r.earned,
      possible: r.possible,
      lost: r.lost,
      earnedUnits: units(r.earned),
      possibleUnits: units(r.possible),
      lostUnits: units(r.lost),
      applicable: r.applicable,
      grade: r.grade,
      repeated: rep && r.lost > 0,
    });
    const at = scores.length - 1;
    if (!isFail) plain[s * 3 + result] = at;
    else if (key >= 0) failMemo.set(key, at);
    return at;
  };

  // the 不适用 average: groups numbered as scoreAnswers numbers them
  const groupOf = new Int32Array(nSites);
  let groups = 0;
  if (average) {
    const numbers = new Map<string, number>();
    inSites.forEach((site, i) => {
      const key = communityGroup(site);
      let n = numbers.get(key);
      if (n === undefined) numbers.set(key, (n = numbers.size));
      groupOf[i] = n;
    });
    groups = numbers.size;
  }
  const tUnits = new Float64Array(average ? nStd : 0);
  const tN = new Int32Array(average ? nStd : 0);
  const gUnits = new Float64Array(average ? nStd * groups : 0);
  const gN = new Int32Array(average ? nStd * groups : 0);

  // per site
  const earnedU = new Float64Array(nSites);
  const possibleU = new Float64Array(nSites);
  const applicable = new Int32Array(nSites);
  const met = new Int32Array(nSites);
  const problems = new Int32Array(nSites);
  // per standard, for weak spots
  const stLost = new Float64Array(nStd);
  const stFailures = new Int32Array(nStd);
  const stAnswers = new Int32Array(nStd);

  let pendingNa = false;
  for (let i = 0; i < nSites; i++) {
    const from = flat.start[i]!;
    const to = flat.start[i + 1]!;
    let last = -1;
    for (let k = from; k < to; k++) {
      const s = flat.standard[k]!;
      if (s <= last) {
        const code = standards[s]?.code ?? String(s);
        throw new Error(
          s === last ? `点位 ${inSites[i]!.id} 的测评标准 ${code} 有重复答卷` : '答卷未按测评体系的顺序排列',
        );
      }
      if (s >= nStd) throw new Error(`答卷的测评标准 ${s} 不在本轮的测评体系中`);
      last = s;
      const result = flat.result[k]!;
      const rep = result === FAIL && repeated !== null && repeated[i * nStd + s] === 1;
      const sc = scores[(scoreOf[k] = score(s, result, flat.cases[k]!, flat.fixed[k]!, rep))]!;
      if (sc.lost > 0) problems[i]!++;
      if (result === NA) {
        if (average) pendingNa = true;
        continue;
      }
      applicable[i]!++;
      if (sc.lost === 0) met[i]!++;
      earnedU[i]! += sc.earnedUnits;
      possibleU[i]! += sc.possibleUnits;
      stAnswers[s]!++;
      if (sc.lost > 0) {
        stLost[s]! += sc.lostUnits;
        stFailures[s]!++;
      }
      if (average) {
        tUnits[s]! += sc.earnedUnits;
        tN[s]!++;
        gUnits[s * groups + groupOf[i]!]! += sc.earnedUnits;
        gN[s * groups + groupOf[i]!]!++;
      }
    }
  }

  // 不适用 answers under the average rule, once every other answer is in
  const naEarned = new Map<number, number>();
  if (pendingNa) {
    for (let i = 0; i < nSites; i++) {
      for (let k = flat.start[i]!; k < flat.start[i + 1]!; k++) {
        if (flat.result[k] !== NA) continue;
        const s = flat.standard[k]!;
        const g = s * groups + groupOf[i]!;
        const n = tN[s]! - gN[g]!;
        if (tN[s] === 0 || n === 0) continue;
        const earned = Math.round(((tUnits[s]! - gUnits[g]!) / n / 10000) * 10000) / 10000;
        naEarned.set(k, earned);
        applicable[i]!++;
        met[i]!++;
        earnedU[i]! += units(earned);
        possibleU[i]! += units(standards[s]!.points);
        stAnswers[s]!++;
      }
    }
  }

  const sites: SiteResult[] = new Array<SiteResult>(nSites);
  const byType = new Map<string, { failures: number; answers: number; sites: number }>();
  for (let i = 0; i < nSites; i++) {
    const site = inSites[i]!;
    const e = earnedU[i]!;
    const p = possibleU[i]!;
    const result: SiteResult = {
      id: site.id,
      name: site.name,
      siteType: site.siteType,
      streetId: site.streetId,
      communityId: site.communityId,
      earned: e / 10000,
      possible: p / 10000,
      rate: p > 0 ? e / p : null,
      passRate: applicable[i]! > 0 ? met[i]! / applicable[i]! : null,
      problems: problems[i]!,
      answered: flat.start[i + 1]! - flat.start[i]!,
      applicable: applicable[i]!,
      met: met[i]!,
    };
    sites[i] = result;
    let type = byType.get(site.siteType);
    if (!type) byType.set(site.siteType, (type = { failures: 0, answers: 0, sites: 0 }));
    if (result.applicable > 0) type.sites++;
    type.answers += result.applicable;
    // every failing answer is applicable (a 不适用 one loses nothing)
    type.failures += result.problems;
  }

  const results: RoundResults = roundResultsOf(
    sites,
    rankedAreas(input, sites),
    weakSpots(standards, stLost, stFailures, stAnswers, byType),
  );
  rememberStandards(results.sites, (siteIndex) => {
    const list: StandardResult[] = [];
    for (let k = flat.start[siteIndex]!; k < flat.start[siteIndex + 1]!; k++) {
      const s = flat.standard[k]!;
      const sc = scores[scoreOf[k]!]!;
      const na = naEarned.get(k);
      list.push({
        code: standards[s]!.code,
        result: RESULTS[flat.result[k]!]!,
        earned: na ?? sc.earned,
        possible: na === undefined ? sc.possible : standards[s]!.points,
        lost: sc.lost,
        applicable: na === undefined ? sc.applicable : true,
        naAverage: na !== undefined,
        repeated: sc.repeated,
        grade: sc.grade,
      });
    }
    return list;
  });
  return results;
}

function weakSpots(
  standards: readonly RoundStandard[],
  stLost: Float64Array,
  stFailures: Int32Array,
  stAnswers: Int32Array,
  byType: Map<string, { failures: number; answers: number; sites: number }>,
): Pick<RoundResults, 'weakItems' | 'weakStandards' | 'weakSiteTypes'> {
  const weakStandards: WeakStandard[] = [];
  const items: ItemSums = new Map();
  standards.forEach((standard, s) => {
    if (stAnswers[s] === 0) return;
    weakStandards.push({
      code: standard.code,
      item: { code: standard.item.code, name: standard.item.name },
      lost: stLost[s]! / 10000,
      failures: stFailures[s]!,
      answers: stAnswers[s]!,
    });
    let item = items.get(standard.item.code);
    if (!item) {
      item = { code: standard.item.code, name: standard.item.name, lostUnits: 0, failures: 0, answers: 0 };
      items.set(standard.item.code, item);
    }
    item.lostUnits += stLost[s]!;
    item.failures += stFailures[s]!;
    item.answers += stAnswers[s]!;
  });
  return sortedWeakSpots(items, weakStandards, byType);
}
