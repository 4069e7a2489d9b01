/**
 * A community's or 镇街's running totals over its site results, and the rate the version's aggregation
 * rule (汇总方式) gives them. Kept apart from aggregate.ts (answers → standards → sites) because this is
 * the one step where the pooled and mean rules differ; round.ts states the formulas.
 */
import type { Rules } from '../criteria/schema.ts';
import { units, type SiteResult } from './aggregate.ts';

/** Running totals of a community or 镇街 over its sites. */
export interface AreaTotals {
  earnedUnits: number;
  possibleUnits: number;
  weightedEarned: number;
  weightedPossible: number;
  weightedRates: number;
  weights: number;
  applicable: number;
  met: number;
  problems: number;
  siteCount: number;
  /** sites with a 得分率 */
  scoredSiteCount: number;
  /** sites with answers counted (已评): a sheet that counts, even one answered 不适用 throughout */
  evaluatedSiteCount: number;
}

export function emptyTotals(): AreaTotals {
  return {
    earnedUnits: 0,
    possibleUnits: 0,
    weightedEarned: 0,
    weightedPossible: 0,
    weightedRates: 0,
    weights: 0,
    applicable: 0,
    met: 0,
    problems: 0,
    siteCount: 0,
    scoredSiteCount: 0,
    evaluatedSiteCount: 0,
  };
}

export function addSite(t: AreaTotals, site: SiteResult, weight: number): void {
  t.siteCount++;
  if (site.answered > 0) t.evaluatedSiteCount++;
  t.earnedUnits += units(site.earned);
  t.possibleUnits += units(site.possible);
  t.weightedEarned += weight * site.earned;
  t.weightedPossible += weight * site.possible;
  t.applicable += site.applicable;
  t.met += site.met;
  t.problems += site.problems;
  if (site.rate !== null) {
    t.scoredSiteCount++;
    t.weightedRates += weight * site.rate;
    t.weights += weight;
  }
}

/** pooled: Σ w·earned ÷ Σ w·possible; mean: Σ w·rate ÷ Σ w over sites with a rate; null when nothing to divide */
export function areaRate(t: AreaTotals, aggregation: Rules['aggregation']): number | null {
  if (aggregation === 'pooled') return t.weightedPossible > 0 ? t.weightedEarned / t.weightedPossible : null;
  return t.weights > 0 ? t.weightedRates / t.weights : null;
}

/** An area's unweighted figures, as stored and shown (streetId on communities only). */
export interface AreaFigures {
  id: number;
  name: string;
  streetId?: number | undefined;
  earned: number;
  possible: number;
  rate: number | null;
  passRate: number | null;
  problems: number;
  siteCount: number;
  /** sites with a 得分率 (a site answered 不适用 throughout has none under the exclude rule) */
  scoredSiteCount: number;
  /** sites with answers counted, 不适用 included: 已评点位 */
  evaluatedSiteCount: number;
}

/** The unweighted figures of an area, as stored and shown. */
export function areaFigures(
  area: { id: number; name: string; streetId?: number },
  t: AreaTotals,
  aggregation: Rules['aggregation'],
): AreaFigures {
  return {
    id: area.id,
    name: area.name,
    streetId: area.streetId,
    earned: t.earnedUnits / 10000,
    possible: t.possibleUnits / 10000,
    rate: areaRate(t, aggregation),
    passRate: t.applicable > 0 ? t.met / t.applicable : null,
    problems: t.problems,
    siteCount: t.siteCount,
    scoredSiteCount: t.scoredSiteCount,
    evaluatedSiteCount: t.evaluatedSiteCount,
  };
}
