/**
 * The middle of a round's computation: answers → standard results (with the 不适用 average rule, which
 * needs the whole round), standard results → site results. Pure and linear in the number of answers;
 * area.ts sums site results into community / 镇街 totals, and round.ts puts it together and states the formulas.
 */
import type { Grade } from '../criteria/schema.ts';
import { scoreStandard, type Result, type ScoredStandard, type ScoringRules } from './standard.ts';

/** A standard as the round needs it: scoring, and the 测评项目 it belongs to (for weak spots). */
export type RoundStandard = ScoredStandard & { item: { code: string; name: string } };

export interface RoundSite {
  id: number;
  name: string;
  siteType: string;
  streetId: number;
  communityId: number | null;
}

export interface RoundAnswer {
  siteId: number;
  standard: string;
  result: Result;
  cases: number;
  fixedCases: number;
}

export interface StandardResult {
  code: string;
  result: Result;
  earned: number;
  possible: number;
  /** points deducted for problems found (0 for a 不适用 standard, even one scored by the average rule) */
  lost: number;
  /** counted in possible */
  applicable: boolean;
  /** 不适用, scored by the other communities' mean rate on this standard */
  naAverage: boolean;
  /** 反复出现: a deduction this round on a site and standard deducted in the previous round too */
  repeated: boolean;
  grade: Grade | null;
}

export interface SiteResult {
  id: number;
  name: string;
  siteType: string;
  streetId: number;
  communityId: number | null;
  earned: number;
  possible: number;
  rate: number | null;
  passRate: number | null;
  /** answers that lost points */
  problems: number;
  /** answers, 不适用 included */
  answered: number;
  /** standards counted in possible */
  applicable: number;
  /** applicable standards that lost nothing */
  met: number;
}

/** A site's result with its standard results (in the criteria version's order), as computeRound makes it. */
export type SiteWithStandards = SiteResult & { standards: StandardResult[] };

const round4 = (n: number) => Math.round(n * 10000) / 10000;
/** points are summed as integers of 1/10000 point, so sums of 4-decimal points are exact */
export const units = (points: number) => Math.round(points * 10000);

/**
 * A site's group for the 不适用 average rule: its 社区, or its 镇街 for a site directly under one
 * (those sites form one group per 镇街).
 */
export function communityGroup(site: { streetId: number; communityId: number | null }): string {
  return site.communityId === null ? `street:${site.streetId}` : `community:${site.communityId}`;
}

interface Totals {
  units: number;
  n: number;
}

/**
 * Scores every answer; returns each site's standard results (index-aligned with `sites`, in version
 * order). Throws on an answer for a site or standard the round does not have, or a duplicate answer.
 *
 * The average rule: all answers of one standard have possible = its points, so the mean rate × points is
 * the mean earned, and the other groups' mean earned is (Σ earned − own group's Σ) ÷ (n − own group's n),
 * from totals gathered in the same pass — no rescan per 不适用 answer.
 */
export function scoreAnswers(
  sites: readonly RoundSite[],
  answers: readonly RoundAnswer[],
  standards: ReadonlyMap<string, RoundStandard>,
  rules: ScoringRules,
  repeated: ReadonlySet<string>,
): StandardResult[][] {
  const siteIndex = new Map<number, number>();
  sites.forEach((s, i) => {
    if (siteIndex.has(s.id)) throw new Error(`点位 ${s.id} 在本轮中重复`);
    siteIndex.set(s.id, i);
  });
  // one lookup per answer: the standard, its place in the version and its totals for the average rule
  const byCode = new Map<string, StandardEntry>();
  for (const [code, standard] of standards) byCode.set(code, { standard, order: byCode.size, totals: null });
  const average = rules.notApplicable === 'average';
  const groupOf = average ? groupIndexes(sites) : [];
  const bySite: StandardResult[][] = sites.map(() => []);
  const orders: number[][] = sites.map(() => []);
  const pending: { result: StandardResult; entry: StandardEntry; group: number }[] = [];

  for (const a of answers) {
    const i = siteIndex.get(a.siteId);
    if (i === undefined) throw new Error(`答卷的点位 ${a.siteId} 不在本轮测评中`);
    const entry = byCode.get(a.standard);
    if (!entry) throw new Error(`答卷的测评标准 ${a.standard} 不在本轮的测评体系中`);
    // only a failed answer can be raised by the repeat rule, so only it needs the key
    const isRepeated = a.result === 'fail' && repeated.size > 0 && repeated.has(`${a.siteId}:${a.standard}`);
    const score = scoreStandard(entry.standard, a, rules, isRepeated);
    const result: StandardResult = {
      code: a.standard,
      result: a.result,
      earned: score.earned,
      possible: score.possible,
      lost: score.lost,
      applicable: score.applicable,
      naAverage: false,
      repeated: isRepeated && score.lost > 0,
      grade: score.grade,
    };
    insertInOrder(bySite[i]!, orders[i]!, result, entry.order, a.siteId);
    if (!average) continue;
    const group = groupOf[i]!;
    if (a.result === 'na') {
      pending.push({ result, entry, group });
      continue;
    }
    const t = (entry.totals ??= { units: 0, n: 0, groups: new Map() });
    let g = t.groups.get(group);
    if (!g) t.groups.set(group, (g = { units: 0, n: 0 }));
    const u = units(score.earned);
    t.units += u;
    t.n++;
    g.units += u;
    g.n++;
  }

  for (const { result, entry, group } of pending) {
    const t = entry.totals;
    if (!t) continue;
    const own = t.groups.get(group) ?? { units: 0, n: 0 };
    const n = t.n - own.n;
    if (n === 0) continue;
    result.earned = round4((t.units - own.units) / n / 10000);
    result.possible = entry.standard.points;
    result.applicable = true;
    result.naAverage = true;
  }
  return bySite;
}

interface StandardEntry {
  standard: RoundStandard;
  order: number;
  totals: (Totals & { groups: Map<number, Totals> }) | null;
}

/** Numbers the sites' community groups, so totals are kept per number rather than per string. */
function groupIndexes(sites: readonly RoundSite[]): number[] {
  const numbers = new Map<string, number>();
  return sites.map((s) => {
    const key = communityGroup(s);
    let n = numbers.get(key);
    if (n === undefined) numbers.set(key, (n = numbers.size));
    return n;
  });
}

/**
 * Keeps a site's results in version order as they arrive (answers usually come in order, so this is
 * mostly an append) and refuses a second answer to the same standard.
 */
function insertInOrder(
  list: StandardResult[],
  orders: number[],
  result: StandardResult,
  order: number,
  siteId: number,
): void {
  let at = list.length;
  if (at === 0 || orders[at - 1]! < order) {
    list.push(result);
    orders.push(order);
    return;
  }
  while (at > 0 && orders[at - 1]! > order) at--;
  if (at > 0 && orders[at - 1] === order)
    throw new Error(`点位 ${siteId} 的测评标准 ${result.code} 有重复答卷`);
  list.splice(at, 0, result);
  orders.splice(at, 0, order);
}

/** Site totals from its standard results: 得分率, 及格率, problems. */
export function siteResult(site: RoundSite, standards: StandardResult[]): SiteWithStandards {
  let earned = 0;
  let possible = 0;
  let applicable = 0;
  let met = 0;
  let problems = 0;
  for (const s of standards) {
    if (s.lost > 0) problems++;
    if (!s.applicable) continue;
    applicable++;
    if (s.lost === 0) met++;
    earned += units(s.earned);
    possible += units(s.possible);
  }
  return {
    id: site.id,
    name: site.name,
    siteType: site.siteType,
    streetId: site.streetId,
    communityId: site.communityId,
    earned: earned / 10000,
    possible: possible / 10000,
    rate: possible > 0 ? earned / possible : null,
    passRate: applicable > 0 ? met / applicable : null,
    problems,
    answered: standards.length,
    applicable,
    met,
    standards,
  };
}
