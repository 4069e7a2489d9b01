// A district-sized synthetic round (3,000 sites × 20 answers): the fast paths must agree with naive recomputation.
import { describe, expect, it } from 'vitest';
import type { Rules } from '../../src/criteria/schema.ts';
import {
  RATE_EPSILON,
  communityGroup,
  computeRound,
  type RoundAnswer,
  type RoundInput,
  type RoundSite,
  type RoundStandard,
} from '../../src/scoring/round.ts';
import { scoreStandard } from '../../src/scoring/standard.ts';

/** mulberry32: a seeded generator, so a failure can be replayed */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticRound(seed: number): RoundInput {
  const rnd = random(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const items = Array.from({ length: 8 }, (_, i) => ({ code: `I${i}`, name: `测评项目${i}` }));
  const standards: RoundStandard[] = Array.from({ length: 40 }, (_, i) => {
    const points = [2, 3, 4, 5, 10][i % 5]!;
    const item = items[i % 8]!;
    const code = `S${i}`;
    if (i % 3 === 0) return { code, points, item, scoring: { mode: 'deduction', perCase: points / 4 } };
    if (i % 3 === 1)
      return { code, points, item, scoring: { mode: 'grade', thresholds: { B: 1, C: 2, 'C#': 4 } } };
    return { code, points, item, scoring: { mode: 'passfail' } };
  });
  const streets = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `第${i + 1}街道` }));
  const communities = Array.from({ length: 150 }, (_, i) => ({
    id: 100 + i,
    name: `第${i + 1}社区`,
    streetId: (i % 10) + 1,
  }));
  const sites: RoundSite[] = [];
  const answers: RoundAnswer[] = [];
  const repeated = new Set<string>();
  for (let id = 1; id <= 3000; id++) {
    const type = pick(30);
    // communities 148 and 149 get no site; community 147 only site 3000 (too few points to rank)
    const community =
      id === 3000 ? communities[147]! : rnd() < 0.1 ? null : communities[pick(communities.length - 3)]!;
    const streetId = community ? community.streetId : pick(10) + 1;
    sites.push({ id, name: `点位${id}`, siteType: `T${type}`, streetId, communityId: community?.id ?? null });
    for (let k = 0; k < 20; k++) {
      const standard = `S${(type + k) % 40}`;
      const r = rnd();
      const result = r < 0.6 ? 'ok' : r < 0.9 ? 'fail' : 'na';
      const cases = result === 'fail' ? 1 + pick(4) : 0;
      answers.push({ siteId: id, standard, result, cases, fixedCases: pick(cases + 1) });
      if (result === 'fail' && rnd() < 0.05) repeated.add(`${id}:${standard}`);
    }
  }
  const rules: Rules = {
    notApplicable: 'average',
    aggregation: 'mean',
    siteTypeWeights: { T0: 2, T1: 1.5, T2: 0.5 },
    gradeShares: { A: 1, B: 0.66, C: 0.33, 'C#': 0 },
    onTheSpotFix: { enabled: true, factor: 0.5 },
    repeat: { mode: 'multiply', factor: 2 },
    redList: { topN: 5, minRate: 0.5 },
    blackList: { belowRate: 0.6, bottomN: 5 },
    minPossiblePoints: 150,
  };
  const previous = {
    communityRanks: new Map(communities.filter((_, i) => i % 4 !== 0).map((c, i) => [c.id, i + 1])),
    streetRanks: new Map(streets.map((s, i) => [s.id, 10 - i])),
  };
  return {
    rules,
    standards: new Map(standards.map((s) => [s.code, s])),
    streets,
    communities,
    sites,
    answers,
    repeated,
    previous,
  };
}

describe('computeRound on 3,000 sites × 20 answers', () => {
  const input = syntheticRound(20240601);
  const r = computeRound(input);
  const siteById = new Map(input.sites.map((s) => [s.id, s]));

  it('scores every site and answer, rates between 0 and 1', () => {
    expect(r.sites).toHaveLength(3000);
    expect(r.sites.reduce((n, s) => n + s.answered, 0)).toBe(60_000);
    for (const s of r.sites) {
      expect(s.earned).toBeLessThanOrEqual(s.possible);
      if (s.rate !== null) expect(s.rate).toBeGreaterThanOrEqual(0);
      if (s.rate !== null) expect(s.rate).toBeLessThanOrEqual(1);
    }
  });

  it('gives every 不适用 the mean of the other groups, as a naive rescan finds it', () => {
    const byStandard = new Map<string, { group: string; earned: number }[]>();
    for (const a of input.answers) {
      if (a.result === 'na') continue;
      const site = siteById.get(a.siteId)!;
      const s = input.standards.get(a.standard)!;
      const score = scoreStandard(s, a, input.rules, input.repeated.has(`${a.siteId}:${a.standard}`));
      const list = byStandard.get(a.standard) ?? [];
      list.push({ group: communityGroup(site), earned: score.earned });
      byStandard.set(a.standard, list);
    }
    let checked = 0;
    const wrong: unknown[] = [];
    for (const site of r.sites) {
      const group = communityGroup(site);
      for (const s of site.standards) {
        if (s.result !== 'na') continue;
        checked++;
        const points = input.standards.get(s.code)!.points;
        let sum = 0;
        let n = 0;
        for (const x of byStandard.get(s.code) ?? []) {
          if (x.group === group) continue;
          sum += x.earned / points;
          n++;
        }
        // stored to 4 decimals: at most half a ten-thousandth from points × the mean rate
        const ok =
          n === 0
            ? !s.applicable && !s.naAverage && s.possible === 0
            : s.naAverage &&
              s.possible === points &&
              Math.abs(s.earned - (points * sum) / n) <= 0.00005 + 1e-12;
        if (!ok) wrong.push({ site: site.id, ...s, expected: n ? (points * sum) / n : null });
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(5000);
  });

  it('aggregates each community and 镇街 as a direct recomputation from its sites does', () => {
    const weight = (t: string) => input.rules.siteTypeWeights[t] ?? 1;
    const check = (
      area: (typeof r.communities)[number],
      inArea: (s: (typeof r.sites)[number]) => boolean,
    ) => {
      const mine = r.sites.filter(inArea);
      const scored = mine.filter((s) => s.rate !== null);
      const w = scored.reduce((n, s) => n + weight(s.siteType), 0);
      const rate = w > 0 ? scored.reduce((n, s) => n + weight(s.siteType) * s.rate!, 0) / w : null;
      expect(area.siteCount).toBe(mine.length);
      expect(area.earned).toBeCloseTo(
        mine.reduce((n, s) => n + s.earned, 0),
        6,
      );
      if (rate === null) expect(area.rate).toBeNull();
      else expect(area.rate).toBeCloseTo(rate, 10);
    };
    for (const c of r.communities) check(c, (s) => s.communityId === c.id);
    for (const st of r.streets) check(st, (s) => s.streetId === st.id);
    const total = r.sites.reduce((n, s) => n + s.earned, 0);
    expect(r.streets.reduce((n, s) => n + s.earned, 0)).toBeCloseTo(total, 6);
  });

  it.each(['communities', 'streets'] as const)('ranks %s consistently', (kind) => {
    const list = r[kind];
    const ranked = list.filter((a) => a.rank !== null);
    expect(list.slice(0, ranked.length)).toEqual(ranked);
    let runStart = 0;
    ranked.forEach((a, i) => {
      if (i === 0) return expect(a.rank).toBe(1);
      const prev = ranked[i - 1]!;
      expect(a.rate!).toBeLessThanOrEqual(prev.rate!);
      if (ranked[runStart]!.rate! - a.rate! <= RATE_EPSILON) expect(a.rank).toBe(prev.rank);
      else {
        expect(a.rank).toBe(i + 1);
        runStart = i;
      }
    });
    for (const a of list.slice(ranked.length)) {
      expect(a.rate === null || a.possible < input.rules.minPossiblePoints).toBe(true);
      expect([a.red, a.black, a.movement]).toEqual([false, false, null]);
    }
    if (kind === 'communities')
      expect(list.slice(ranked.length).map((a) => [a.id, a.unranked])).toEqual([
        [247, 'too-few-points'],
        [248, 'no-score'],
        [249, 'no-score'],
      ]);
    for (const a of list) expect(a.red && a.black).toBe(false);
    expect(list.some((a) => a.red)).toBe(true);
    expect(list.some((a) => a.black)).toBe(true);
  });

  it('accounts every problem in the weak spots, in order', () => {
    const problems = r.sites.reduce((n, s) => n + s.problems, 0);
    expect(r.weakStandards.reduce((n, s) => n + s.failures, 0)).toBe(problems);
    expect(r.weakItems.reduce((n, s) => n + s.failures, 0)).toBe(problems);
    expect(r.weakSiteTypes.reduce((n, s) => n + s.failures, 0)).toBe(problems);
    for (const list of [r.weakStandards, r.weakItems])
      list.forEach((w, i) => i > 0 && expect(w.lost).toBeLessThanOrEqual(list[i - 1]!.lost));
    r.weakSiteTypes.forEach(
      (w, i) => i > 0 && expect(w.failRate).toBeLessThanOrEqual(r.weakSiteTypes[i - 1]!.failRate),
    );
  });
});
