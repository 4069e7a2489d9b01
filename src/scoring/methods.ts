/**
 * Totals over every method a round counts (综合得分率): the field results of computeRound beside the
 * document tasks' points and the survey standards' points, combined by the version's rule and ranked on
 * the total. Pure, like the rest of scoring/: the service counts each task (countTask) and hands the
 * counts in, and the survey figures as survey-round.ts computes them.
 *
 * Formulas (the 计分规则说明 page repeats them):
 *  - field, per area (社区, 镇街, district): rate_f as computeRound gives it (site-type weights, pooled or
 *    mean aggregation, 不适用), P_f = Σ w·possible over its sites, E_f = rate_f × P_f (= Σ w·earned when
 *    pooled; under mean it carries the mean of the site rates). The district is every site of the round.
 *  - document: a scored task earns what its standard's mode gives, an overdue one 0 of its points, both
 *    counted in possible; a submitted, unscored task is 暂定 (left out, counted in `provisional`); one
 *    still within its deadline is left out (counted in `waiting`). E_d = Σ earned, P_d = Σ possible.
 *  - roll-up: a 社区 task counts in its 社区, its 镇街 and the district; a 镇街 task in the 镇街 and the
 *    district; department and district tasks in the district only.
 *  - survey: a 社区's E_s and P_s are its survey standards' points scored from its own valid answers (a
 *    standard with no answers earns 0 of its points, never left out); a 镇街's and the district's are
 *    scored from their POOLED answers (survey-round.ts), not sums of their 社区' points, so P_s is the
 *    survey standards' points once per area. A 镇街 with no 社区 in the survey has P_s = 0.
 *  - a method with P_m = 0 is left out. pooled: total = (E_f + E_d + E_s) ÷ (P_f + P_d + P_s);
 *    weighted: total = Σ W_m × rate_m ÷ Σ W_m over the methods left in (rescaled); null when nothing is
 *    left.
 *  - ranking, 红黑榜 and movement as computeRound's, on the total; 未排名 when the unweighted field points
 *    plus P_d plus P_s fall short of minPossiblePoints (a field-only round checks the unweighted field
 *    points, so site-type weights never let an area rank with fewer points than a field round would ask).
 */
import type { MethodsRule, Rules } from '../criteria/schema.ts';
import type { SiteResult } from './aggregate.ts';
import { addSite, areaFigures, areaRate, emptyTotals } from './area.ts';
import { rankEntries } from './rank.ts';
import { placedArea, type AreaResult, type RoundResults } from './round.ts';
import type { SurveyArea } from './survey-round.ts';

/** One method's figures in one area: null rate when nothing of it applies (P = 0). */
export interface MethodFigures {
  earned: number;
  possible: number;
  rate: number | null;
}

/** A task's count, from countTask: scored and overdue carry points, the others do not count yet. */
export interface CountedTask {
  id: number;
  standardCode: string;
  level: 'community' | 'street' | 'department' | 'district';
  communityId: number | null;
  streetId: number | null;
  kind: 'scored' | 'overdue' | 'provisional' | 'waiting';
  earned: number;
  possible: number;
}

export interface TaskTally {
  scored: number;
  overdue: number;
  provisional: number;
  waiting: number;
}

/** An area's figures per method and combined. */
export interface AreaMethods {
  field: MethodFigures;
  document: MethodFigures;
  /** the survey standards' points (P_s = 0 in a round without a survey) */
  survey: MethodFigures;
  total: number | null;
  /** P_f + P_d + P_s (field weighted) */
  possible: number;
  tasks: TaskTally;
}

export interface CombineInput {
  rules: Rules;
  /** the round's field results (no sites in a document-only round) */
  field: RoundResults;
  /** every 社区 and 镇街 taking part: the field's and the tasks' places */
  communities: readonly { id: number; name: string; streetId: number }[];
  streets: readonly { id: number; name: string }[];
  tasks: readonly CountedTask[];
  /** a round with a survey: each 社区's figures and the pooled 镇街' and district's (survey-round.ts) */
  survey?: SurveyFigures;
  previous?: { communityRanks: ReadonlyMap<number, number>; streetRanks: ReadonlyMap<number, number> };
}

export interface CombinedRound {
  /** the rule applied, and whether the version states it (absent: pooled) */
  rule: MethodsRule;
  ruleStated: boolean;
  district: AreaMethods;
  tasks: readonly CountedTask[];
  /** the district's pooled survey figures (its survey standards' rates and points), null without a survey */
  surveyDistrict: SurveyArea | null;
}

/** The survey figures combineRound reads: points per 社区, pooled per 镇街 and for the district. */
export interface SurveyFigures {
  communities: ReadonlyMap<number, SurveyArea>;
  streets: ReadonlyMap<number, SurveyArea>;
  district: SurveyArea;
}

const EMPTY: MethodFigures = { earned: 0, possible: 0, rate: null };
const emptyTally = (): TaskTally => ({ scored: 0, overdue: 0, provisional: 0, waiting: 0 });

/** Field figures of a set of sites, by the version's aggregation and site-type weights. */
export function fieldFigures(sites: readonly SiteResult[], rules: Rules): MethodFigures {
  const t = emptyTotals();
  for (const s of sites) addSite(t, s, rules.siteTypeWeights[s.siteType] ?? 1);
  const rate = areaRate(t, rules.aggregation);
  if (rate === null || t.weightedPossible <= 0) return EMPTY;
  return { earned: rate * t.weightedPossible, possible: t.weightedPossible, rate };
}

/** An area's survey points as a method's figures (none: not in the survey). */
export function surveyMethodFigures(
  area: Pick<SurveyArea, 'earned' | 'possible'> | undefined,
): MethodFigures {
  if (!area || area.possible <= 0) return EMPTY;
  return { earned: area.earned, possible: area.possible, rate: area.earned / area.possible };
}

/**
 * The total of an area's methods by the rule, over the methods with P_m > 0: pooled (E_f + E_d + E_s) ÷
 * (P_f + P_d + P_s); weighted Σ W_m × rate_m ÷ Σ W_m (a weight not set is 0). Null when nothing is left.
 */
export function combineTotal(
  rule: MethodsRule,
  field: MethodFigures,
  document: MethodFigures,
  survey: MethodFigures = EMPTY,
): number | null {
  let sum = 0;
  let divisor = 0;
  const methods = { field, document, survey };
  for (const m of ['field', 'document', 'survey'] as const) {
    const f = methods[m];
    if (f.possible <= 0 || f.rate === null) continue;
    const w = rule.combine === 'pooled' ? f.possible : (rule.weights[m] ?? 0);
    if (w <= 0) continue;
    sum += rule.combine === 'pooled' ? f.earned : w * f.rate;
    divisor += w;
  }
  return divisor > 0 ? sum / divisor : null;
}

function areaMethods(
  rule: MethodsRule,
  field: MethodFigures,
  acc: DocAcc,
  survey: MethodFigures,
): AreaMethods {
  const document: MethodFigures =
    acc.possible > 0
      ? { earned: acc.earned, possible: acc.possible, rate: acc.earned / acc.possible }
      : EMPTY;
  return {
    field,
    document,
    survey,
    total: combineTotal(rule, field, document, survey),
    possible: field.possible + document.possible + survey.possible,
    tasks: acc.tally,
  };
}

interface DocAcc {
  earned: number;
  possible: number;
  tally: TaskTally;
}
const emptyAcc = (): DocAcc => ({ earned: 0, possible: 0, tally: emptyTally() });

function addTask(acc: DocAcc, t: CountedTask): void {
  acc.tally[t.kind]++;
  if (t.kind === 'scored' || t.kind === 'overdue') {
    acc.earned += t.earned;
    acc.possible += t.possible;
  }
}

const UNRANKED = { rank: null, unranked: null, movement: null, red: false, black: false } as const;

/** An area with no field results (a document- or survey-only round, or a place without sites). */
function blankArea(a: { id: number; name: string; streetId?: number }): AreaResult {
  return placedArea(areaFigures(a, emptyTotals(), 'pooled'), null, 0, UNRANKED, undefined);
}

/**
 * The round's results over every method: communities and 镇街 carry `methods`, their `rate` is the total
 * and they are ranked on it; sites and weak spots stay the field's. `combined` holds the district.
 */
export function combineRound(input: CombineInput): RoundResults & { combined: CombinedRound } {
  const { rules, field } = input;
  const rule: MethodsRule = rules.methods ?? { combine: 'pooled' };

  const community = new Map(input.communities.map((c) => [c.id, emptyAcc()]));
  const street = new Map(input.streets.map((s) => [s.id, emptyAcc()]));
  const district = emptyAcc();
  for (const t of input.tasks) {
    addTask(district, t);
    if (t.level === 'community' && t.communityId !== null) {
      const c = community.get(t.communityId);
      if (c) addTask(c, t);
    }
    if ((t.level === 'community' || t.level === 'street') && t.streetId !== null) {
      const s = street.get(t.streetId);
      if (s) addTask(s, t);
    }
  }

  const sitesOf = new Map<string, SiteResult[]>();
  const push = (key: string, s: SiteResult) => {
    const list = sitesOf.get(key);
    if (list) list.push(s);
    else sitesOf.set(key, [s]);
  };
  for (const s of field.sites) {
    push(`s:${s.streetId}`, s);
    if (s.communityId !== null) push(`c:${s.communityId}`, s);
  }

  const rank = (
    areas: readonly { id: number; name: string; streetId?: number }[],
    fieldAreas: readonly AreaResult[],
    accs: Map<number, DocAcc>,
    surveys: ReadonlyMap<number, SurveyArea> | undefined,
    prefix: string,
    previousRanks: ReadonlyMap<number, number> | undefined,
  ): AreaResult[] => {
    const byId = new Map(fieldAreas.map((a) => [a.id, a]));
    const entries = areas.map((a) => {
      const base = byId.get(a.id) ?? blankArea(a);
      const methods = areaMethods(
        rule,
        fieldFigures(sitesOf.get(`${prefix}:${a.id}`) ?? [], rules),
        accs.get(a.id) ?? emptyAcc(),
        surveyMethodFigures(surveys?.get(a.id)),
      );
      return {
        id: base.id,
        name: base.name,
        rate: methods.total,
        // checked against minPossiblePoints: unweighted field points, as a field-only round checks them
        possible: base.possible + methods.document.possible + methods.survey.possible,
        base,
        methods,
      };
    });
    return rankEntries(entries, {
      minPossiblePoints: rules.minPossiblePoints,
      redList: rules.redList,
      blackList: rules.blackList,
      previousRanks,
    }).map((p) =>
      // possible stays the field's unweighted points, as shown; the rank checked them + P_d + P_s
      placedArea(p.entry.base, p.entry.rate, p.entry.base.possible, p, p.entry.methods),
    );
  };

  const survey = input.survey;
  return {
    sites: field.sites,
    weakItems: field.weakItems,
    weakStandards: field.weakStandards,
    weakSiteTypes: field.weakSiteTypes,
    communities: rank(
      input.communities,
      field.communities,
      community,
      survey?.communities,
      'c',
      input.previous?.communityRanks,
    ),
    streets: rank(input.streets, field.streets, street, survey?.streets, 's', input.previous?.streetRanks),
    combined: {
      rule,
      ruleStated: rules.methods !== undefined,
      district: areaMethods(
        rule,
        fieldFigures(field.sites, rules),
        district,
        surveyMethodFigures(survey?.district),
      ),
      tasks: input.tasks,
      surveyDistrict: survey?.district ?? null,
    },
  };
}
