// computeRoundFlat (scoring/flat.ts) must give exactly computeRound's results (round.ts, the reference) —
// every site, 社区, 镇街, rank, movement, 红黑榜 and weak spot — and siteStandards every site's standard
// results, over generated rounds that cover each rule variant: sites under a 社区 and directly under a
// 镇街, the three scoring modes, 不适用 excluded and averaged, 当场整改 on and off, repeats multiplied and
// added, pooled and mean, site-type weights, minPossiblePoints and both lists. A deliberate break must fail.
import { describe, expect, it } from 'vitest';
import type { Rules } from '../../src/criteria/schema.ts';
import {
  computeRound,
  siteStandards,
  type RoundAnswer,
  type RoundInput,
  type RoundResults,
  type RoundSite,
  type RoundStandard,
} from '../../src/scoring/round.ts';
import {
  computeRoundFlat,
  flatAnswers,
  repeatedBitmap,
  type FlatRoundInput,
} from '../../src/scoring/flat.ts';

/** mulberry32: a seeded generator, so a failure can be replayed */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE: Rules = {
  notApplicable: 'exclude',
  aggregation: 'pooled',
  siteTypeWeights: {},
  gradeShares: { A: 1, B: 0.7, C: 0.4, 'C#': 0 },
  onTheSpotFix: { enabled: false, factor: 0.5 },
  repeat: { mode: 'none' },
  redList: { topN: 3 },
  blackList: { bottomN: 3 },
  minPossiblePoints: 0,
};

interface Shape {
  seed: number;
  rules: Partial<Rules>;
  /** share of 不适用 answers */
  na?: number;
  /** every answer of 社区 101 to S3 is 不适用 (its group has none of its own) */
  wholeCommunityNa?: boolean;
}

function generatedRound({ seed, rules, na = 0.1, wholeCommunityNa = false }: Shape): RoundInput {
  const rnd = random(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const items = Array.from({ length: 5 }, (_, i) => ({ code: `I${i}`, name: `测评项目${i}` }));
  const standards: RoundStandard[] = Array.from({ length: 24 }, (_, i) => {
    const points = [2, 3, 4, 5, 10, 1.5][i % 6]!;
    const item = items[i % 5]!;
    const code = `S${i}`;
    if (i % 3 === 0) return { code, points, item, scoring: { mode: 'deduction', perCase: points / 3 } };
    if (i % 3 === 1)
      return { code, points, item, scoring: { mode: 'grade', thresholds: { B: 1, C: 2, 'C#': 4 } } };
    return { code, points, item, scoring: { mode: 'passfail' } };
  });
  // S23 is never answered; S22 is answered 不适用 only (the average has nothing to take)
  const streets = Array.from({ length: 4 }, (_, i) => ({ id: i + 1, name: `第${i + 1}街道` }));
  const communities = Array.from({ length: 12 }, (_, i) => ({
    id: 100 + i,
    name: `第${i + 1}社区`,
    streetId: (i % 4) + 1,
  }));
  const sites: RoundSite[] = [];
  const answers: RoundAnswer[] = [];
  const repeated = new Set<string>();
  for (let id = 1; id <= 400; id++) {
    // 社区 111 gets no site; about one site in six is directly under its 镇街
    const community = rnd() < 0.17 ? null : communities[pick(communities.length - 1)]!;
    const streetId = community ? community.streetId : pick(4) + 1;
    const type = `T${pick(5)}`;
    sites.push({ id, name: `点位${id}`, siteType: type, streetId, communityId: community?.id ?? null });
    // a few sites have no answers at all
    if (id % 37 === 0) continue;
    const mine: RoundAnswer[] = [];
    for (let s = 0; s < 23; s++) {
      if (rnd() < 0.2) continue;
      const standard = `S${s}`;
      const r = rnd();
      let result: RoundAnswer['result'] = r < na ? 'na' : r < 0.55 ? 'ok' : 'fail';
      if (s === 22 || (wholeCommunityNa && s === 3 && community?.id === 101)) result = 'na';
      const cases = result === 'fail' ? 1 + pick(5) : result === 'ok' && rnd() < 0.05 ? pick(3) : 0;
      mine.push({ siteId: id, standard, result, cases, fixedCases: pick(cases + 1) });
      if (rnd() < 0.15) repeated.add(`${id}:${standard}`);
    }
    // answers arrive in any order
    for (let k = mine.length - 1; k > 0; k--) {
      const j = pick(k + 1);
      [mine[k], mine[j]] = [mine[j]!, mine[k]!];
    }
    answers.push(...mine);
  }
  const previous = {
    communityRanks: new Map(communities.filter((_, i) => i % 3 !== 0).map((c, i) => [c.id, i + 1])),
    streetRanks: new Map(streets.slice(1).map((s, i) => [s.id, 3 - i])),
  };
  return {
    rules: { ...BASE, ...rules },
    standards: new Map(standards.map((s) => [s.code, s])),
    streets,
    communities,
    sites,
    answers,
    repeated,
    previous,
  };
}

function flatInput(input: RoundInput): FlatRoundInput {
  const { answers, repeated, ...rest } = input;
  return {
    ...rest,
    answers: flatAnswers(input.sites, answers, input.standards),
    repeated: repeatedBitmap(input.sites, input.standards, repeated),
  };
}

/** computeRound's results without the standards it keeps on each site */
function withoutStandards(r: RoundResults): RoundResults {
  return { ...r, sites: r.sites.map(({ ...s }) => (delete (s as { standards?: unknown }).standards, s)) };
}

const VARIANTS: [string, Shape][] = [
  ['exclude, pooled, no 当场整改, no repeats', { seed: 1, rules: {} }],
  [
    'average, mean, 当场整改 0.5, repeats ×2, weights',
    {
      seed: 2,
      rules: {
        notApplicable: 'average',
        aggregation: 'mean',
        onTheSpotFix: { enabled: true, factor: 0.5 },
        repeat: { mode: 'multiply', factor: 2 },
        siteTypeWeights: { T0: 2, T1: 0.5 },
      },
      na: 0.2,
    },
  ],
  [
    'average, pooled, 当场整改 0.3, repeats +1.5, minPossiblePoints, lists by rate',
    {
      seed: 3,
      rules: {
        notApplicable: 'average',
        onTheSpotFix: { enabled: true, factor: 0.3 },
        repeat: { mode: 'add', points: 1.5 },
        siteTypeWeights: { T2: 3 },
        minPossiblePoints: 900,
        redList: { topN: 2, minRate: 0.6 },
        blackList: { belowRate: 0.55 },
      },
    },
  ],
  [
    'exclude, mean, 当场整改 0.8, repeats +2, weights',
    {
      seed: 4,
      rules: {
        aggregation: 'mean',
        onTheSpotFix: { enabled: true, factor: 0.8 },
        repeat: { mode: 'add', points: 2 },
        siteTypeWeights: { T3: 1.5, T4: 0.25 },
      },
    },
  ],
  [
    'average with a whole 社区 不适用 on one standard, repeats ×1.5',
    {
      seed: 5,
      rules: { notApplicable: 'average', repeat: { mode: 'multiply', factor: 1.5 } },
      na: 0.3,
      wholeCommunityNa: true,
    },
  ],
];

describe('computeRoundFlat against computeRound', () => {
  for (const [name, shape] of VARIANTS) {
    it(`gives the same results: ${name}`, () => {
      const input = generatedRound(shape);
      const reference = computeRound(input);
      const flat = computeRoundFlat(flatInput(input));
      // the generated round exercises what it is named after
      // (a repeat is marked even when the rule adds nothing)
      expect(reference.sites.some((s) => s.standards.some((x) => x.repeated))).toBe(true);
      if (shape.rules.notApplicable === 'average')
        expect(reference.sites.some((s) => s.standards.some((x) => x.naAverage))).toBe(true);
      expect(reference.communities.some((c) => c.movement !== null)).toBe(true);

      expect(flat).toEqual(withoutStandards(reference));
      for (const site of reference.sites) expect(siteStandards(flat, site.id)).toEqual(site.standards);
      // the reference answers the same question the same way
      expect(siteStandards(reference, 7)).toEqual(reference.sites[6]!.standards);
    });
  }

  it('fails when the repeats are dropped or the 不适用 groups collapsed', () => {
    for (const [, shape] of VARIANTS) {
      const input = generatedRound(shape);
      const reference = withoutStandards(computeRound(input));
      const noRepeats = computeRoundFlat({ ...flatInput(input), repeated: null });
      if (shape.rules.repeat) expect(noRepeats).not.toEqual(reference);
      else expect(noRepeats).toEqual(reference);
      // every site in one 社区 group: the average then has no other group to take
      const oneGroup = flatInput(input);
      const collapsed = computeRoundFlat({
        ...oneGroup,
        sites: oneGroup.sites.map((s) => ({ ...s, communityId: 100, streetId: 1 })),
      });
      const sameSites = computeRound({
        ...input,
        sites: input.sites.map((s) => ({ ...s, communityId: 100, streetId: 1 })),
      });
      // the comparison sees the difference a group makes…
      if (shape.rules.notApplicable === 'average') expect(collapsed.sites).not.toEqual(reference.sites);
      // …and still agrees with the reference on the collapsed round
      expect(collapsed).toEqual(withoutStandards(sameSites));
    }
  });

  it('scores a small round as worked by hand', () => {
    const item = { code: 'I', name: '项目' };
    const standards = new Map<string, RoundStandard>([
      ['A', { code: 'A', points: 10, item, scoring: { mode: 'deduction', perCase: 2 } }],
      ['B', { code: 'B', points: 4, item, scoring: { mode: 'passfail' } }],
    ]);
    const input: RoundInput = {
      rules: { ...BASE, notApplicable: 'average', onTheSpotFix: { enabled: true, factor: 0.5 } },
      standards,
      streets: [{ id: 1, name: '东街' }],
      communities: [
        { id: 10, name: '甲社区', streetId: 1 },
        { id: 11, name: '乙社区', streetId: 1 },
      ],
      sites: [
        { id: 1, name: '甲1', siteType: 'T', streetId: 1, communityId: 10 },
        { id: 2, name: '乙1', siteType: 'T', streetId: 1, communityId: 11 },
      ],
      answers: [
        // site 1: A 3 cases, 1 fixed on the spot → 2 + 0.5 = 2.5 cases × 2 = 5 lost → 5 / 10
        { siteId: 1, standard: 'A', result: 'fail', cases: 3, fixedCases: 1 },
        // B 不适用: the other 社区's mean on B, which site 2 scored 2 of 4 → 2 / 4
        { siteId: 1, standard: 'B', result: 'na', cases: 0, fixedCases: 0 },
        // site 2: A met 10 / 10, B failed with its fix → 4 × 0.5 = 2 lost → 2 / 4
        { siteId: 2, standard: 'A', result: 'ok', cases: 0, fixedCases: 0 },
        { siteId: 2, standard: 'B', result: 'fail', cases: 1, fixedCases: 1 },
      ],
      repeated: new Set(),
    };
    const flat = computeRoundFlat(flatInput(input));
    // site 2's B earned 2 of 4: site 1's 不适用 B gets 2 (the other 社区's mean), not 4
    expect(flat.sites.map((s) => [s.earned, s.possible, s.problems, s.met])).toEqual([
      [7, 14, 1, 1],
      [12, 14, 1, 1],
    ]);
    expect(siteStandards(flat, 1)[1]).toMatchObject({ code: 'B', earned: 2, possible: 4, naAverage: true });
    expect(flat.communities.map((c) => [c.name, c.rank])).toEqual([
      ['乙社区', 1],
      ['甲社区', 2],
    ]);
    expect(flat.streets[0]).toMatchObject({ earned: 19, possible: 28, problems: 2 });
    expect(flat).toEqual(withoutStandards(computeRound(input)));
  });

  it('refuses what computeRound refuses, with its message', () => {
    const input = generatedRound({ seed: 6, rules: {} });
    const unknown = [
      ...input.answers,
      { siteId: 1, standard: 'X9', result: 'ok' as const, cases: 0, fixedCases: 0 },
    ];
    expect(() => computeRound({ ...input, answers: unknown })).toThrow(
      '答卷的测评标准 X9 不在本轮的测评体系中',
    );
    expect(() => flatInput({ ...input, answers: unknown })).toThrow('答卷的测评标准 X9 不在本轮的测评体系中');
    const twice = [...input.answers, { ...input.answers[0]! }];
    const a = input.answers[0]!;
    expect(() => computeRound({ ...input, answers: twice })).toThrow(
      `点位 ${a.siteId} 的测评标准 ${a.standard} 有重复答卷`,
    );
    expect(() => computeRoundFlat(flatInput({ ...input, answers: twice }))).toThrow(
      `点位 ${a.siteId} 的测评标准 ${a.standard} 有重复答卷`,
    );
  });
});
