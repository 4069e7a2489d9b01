/**
 * The points of a round's standards per responsible unit and per 社区, for the 得分率 column of "who is
 * keeping up": each standard's earned and possible points at each site as the results service scored
 * them (field answers), and each counted document task's (scored or 逾期未交) — only added up here,
 * never scored again. A site's standard belongs to the unit the standard names there (the same rule
 * that sends its problems: problem-raise.ts#responsibleUnitFor); a task to the unit answering it.
 */
import type { RoundRow } from '../db/repos/rounds.ts';
import { findSiteById } from '../db/repos/places.ts';
import { roundTaskUnits } from '../db/repos/unit-standing.ts';
import { responsibleUnitFor } from './problem-raise.ts';
import { roundResults, type ResultsCtx } from './results.ts';
import { siteStandards } from '../scoring/round.ts';

export interface Points {
  earned: number;
  possible: number;
}

export interface StandardScores {
  byUnit: Map<number, Points>;
  byCommunity: Map<number, Points>;
}

const add = (m: Map<number, Points>, key: number | null, earned: number, possible: number) => {
  if (key === null) return;
  const p = m.get(key) ?? { earned: 0, possible: 0 };
  p.earned += earned;
  p.possible += possible;
  m.set(key, p);
};

export function standardScores(ctx: ResultsCtx, round: RoundRow): StandardScores {
  const { results } = roundResults(ctx, round);
  const version = ctx.criteria.get(round.criteria_version_id);
  const byUnit = new Map<number, Points>();
  const byCommunity = new Map<number, Points>();
  for (const site of results.sites) {
    const row = findSiteById(ctx.db, site.id);
    if (!row) continue;
    // the unit a kind of rule names at this site, asked once per kind
    const unitOfRule = new Map<string, number | null>();
    for (const s of siteStandards(results, site.id)) {
      if (!s.applicable) continue;
      const standard = version.byCode.get(s.code);
      if (!standard) continue;
      const rule = standard.responsibleUnit;
      const key = rule.kind === 'department' ? `department:${rule.department}` : rule.kind;
      let unit = unitOfRule.get(key);
      if (unit === undefined) unitOfRule.set(key, (unit = responsibleUnitFor(ctx.db, row, standard)));
      add(byUnit, unit, s.earned, s.possible);
      add(byCommunity, site.communityId, s.earned, s.possible);
    }
  }
  const tasks = results.combined?.tasks ?? [];
  const taskUnits = tasks.length ? roundTaskUnits(ctx.db, round.id) : new Map<number, number | null>();
  for (const t of tasks) {
    if (t.kind !== 'scored' && t.kind !== 'overdue') continue;
    add(byUnit, taskUnits.get(t.id) ?? null, t.earned, t.possible);
    if (t.level === 'community') add(byCommunity, t.communityId, t.earned, t.possible);
  }
  return { byUnit, byCommunity };
}
