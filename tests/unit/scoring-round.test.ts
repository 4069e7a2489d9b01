// One round computed end to end on tiny districts whose every number is worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import type { Rules } from '../../src/criteria/schema.ts';
import { computeRound, type RoundInput, type RoundStandard } from '../../src/scoring/round.ts';
import { COMMUNITIES, STREETS, tinyRules } from '../helpers/tiny-district.ts';

const ENV = { code: 'HJ', name: '良好的人居环境' };
const PUB = { code: 'XC', name: '公益广告宣传' };
// version order: D, G, P, Q
const STANDARDS: RoundStandard[] = [
  { code: 'D', points: 10, scoring: { mode: 'deduction', perCase: 2 }, item: ENV },
  { code: 'G', points: 10, scoring: { mode: 'grade', thresholds: { B: 1, C: 2, 'C#': 3 } }, item: ENV },
  { code: 'P', points: 5, scoring: { mode: 'passfail' }, item: PUB },
  { code: 'Q', points: 4, scoring: { mode: 'deduction', perCase: 1 }, item: PUB },
];

const RULES: Rules = tinyRules({
  onTheSpotFix: { enabled: true, factor: 0.5 },
  redList: { topN: 0 },
  blackList: {},
});

/** [site id, community id, or `s<street id>` for a site directly under its 镇街, site type] */
type SiteSpec = [number, number | `s${number}`, string?];
/** [site id, standard, result, cases, fixed cases] */
type AnswerSpec = [number, string, 'ok' | 'fail' | 'na', number?, number?];

function round(o: {
  rules?: Partial<Rules>;
  communities?: RoundInput['communities'];
  sites: SiteSpec[];
  answers: AnswerSpec[];
  repeated?: string[];
  previous?: RoundInput['previous'];
}) {
  const communities = o.communities ?? COMMUNITIES;
  return computeRound({
    rules: { ...RULES, ...o.rules },
    standards: new Map(STANDARDS.map((s) => [s.code, s])),
    streets: STREETS,
    communities,
    sites: o.sites.map(([id, where, siteType = 'xq']) => {
      const direct = typeof where === 'string';
      const streetId = direct ? Number(where.slice(1)) : communities.find((c) => c.id === where)!.streetId;
      return { id, name: `点位${id}`, siteType, streetId, communityId: direct ? null : where };
    }),
    answers: o.answers.map(([siteId, standard, result, cases = 0, fixedCases = 0]) => ({
      siteId,
      standard,
      result,
      cases,
      fixedCases,
    })),
    repeated: new Set(o.repeated ?? []),
    ...(o.previous ? { previous: o.previous } : {}),
  });
}

const oneSite = (answers: [string, 'ok' | 'fail' | 'na', number?, number?][], rules: Partial<Rules> = {}) =>
  round({ rules, sites: [[1, 11]], answers: answers.map((a) => [1, ...a] as AnswerSpec) }).sites[0]!;

describe('computeRound: one site, every scoring mode', () => {
  it.each<
    [string, Partial<Rules>, [string, 'ok' | 'fail' | 'na', number?, number?][], number, number, number]
  >([
    // [case, rules, answers, earned, possible, passRate]
    ['deduction met: 10', {}, [['D', 'ok']], 10, 10, 1],
    ['deduction 1 case: 10 − 2 = 8', {}, [['D', 'fail', 1]], 8, 10, 0],
    ['deduction 7 cases: 10 − 14 → 0, never below', {}, [['D', 'fail', 7]], 0, 10, 0],
    ['当场整改: 3 cases, 2 fixed → 1 + 2 × 0.5 = 2 cases → 10 − 4 = 6', {}, [['D', 'fail', 3, 2]], 6, 10, 0],
    [
      'no 当场整改 rule: 3 cases → 10 − 6 = 4',
      { onTheSpotFix: { enabled: false, factor: 0.5 } },
      [['D', 'fail', 3, 2]],
      4,
      10,
      0,
    ],
    ['grade A when met: 10 × 1 = 10', {}, [['G', 'ok']], 10, 10, 1],
    ['grade B at 1 case: 10 × 0.66 = 6.6', {}, [['G', 'fail', 1]], 6.6, 10, 0],
    ['grade C at 2 cases: 10 × 0.33 = 3.3', {}, [['G', 'fail', 2]], 3.3, 10, 0],
    ['grade C# at 5 cases: 0', {}, [['G', 'fail', 5]], 0, 10, 0],
    ['grade, 2 cases 1 fixed → 1.5 cases → B: 6.6', {}, [['G', 'fail', 2, 1]], 6.6, 10, 0],
    ['pass: 5', {}, [['P', 'ok']], 5, 5, 1],
    ['fail: 0', {}, [['P', 'fail', 1]], 0, 5, 0],
    ['fail fixed on the spot costs half: 5 − 2.5 = 2.5', {}, [['P', 'fail', 1, 1]], 2.5, 5, 0],
    [
      'mixed: D 1 case 8 + G B 6.6 + P 5 = 19.6 of 25; 及格 1 of 3',
      {},
      [
        ['D', 'fail', 1],
        ['G', 'fail', 1],
        ['P', 'ok'],
      ],
      19.6,
      25,
      1 / 3,
    ],
    [
      '不适用 excluded: D na, G 10, P 0 → 10 of 15; 及格 1 of 2',
      {},
      [
        ['D', 'na'],
        ['G', 'ok'],
        ['P', 'fail', 1],
      ],
      10,
      15,
      1 / 2,
    ],
  ])('%s', (_case, rules, answers, earned, possible, passRate) => {
    const s = oneSite(answers, rules);
    expect(s.earned).toBeCloseTo(earned, 10);
    expect(s.possible).toBe(possible);
    expect(s.rate).toBeCloseTo(earned / possible, 12);
    expect(s.passRate).toBeCloseTo(passRate, 12);
    expect(s.answered).toBe(answers.length);
    expect(s.problems).toBe(s.standards.filter((x) => x.lost > 0).length);
  });

  it('reports each standard: grade, lost, applicable', () => {
    const s = oneSite([
      ['P', 'ok'],
      ['G', 'fail', 2],
      ['D', 'na'],
    ]);
    // listed in version order D, G, P whatever the answers' order
    expect(s.standards).toEqual([
      {
        code: 'D',
        result: 'na',
        earned: 0,
        possible: 0,
        lost: 0,
        applicable: false,
        naAverage: false,
        repeated: false,
        grade: null,
      },
      {
        code: 'G',
        result: 'fail',
        earned: 3.3,
        possible: 10,
        lost: 6.7,
        applicable: true,
        naAverage: false,
        repeated: false,
        grade: 'C',
      },
      {
        code: 'P',
        result: 'ok',
        earned: 5,
        possible: 5,
        lost: 0,
        applicable: true,
        naAverage: false,
        repeated: false,
        grade: null,
      },
    ]);
    expect(s).toMatchObject({ problems: 1, answered: 3, applicable: 2, met: 1 });
  });

  it.each<[string, [string, 'ok' | 'fail' | 'na', number?, number?][]]>([
    [
      'all 不适用: 0 of 0',
      [
        ['D', 'na'],
        ['G', 'na'],
      ],
    ],
    ['no answers', []],
  ])('gives no 得分率 and no 及格率 for %s', (_case, answers) => {
    const s = oneSite(answers);
    expect(s).toMatchObject({
      earned: 0,
      possible: 0,
      rate: null,
      passRate: null,
      problems: 0,
      answered: answers.length,
    });
  });
});

describe('computeRound: 反复出现', () => {
  it.each<[string, Rules['repeat'], AnswerSpec, number, boolean]>([
    // [case, rule, answer at site 1 (key 1:<code> is repeated), earned, marked repeated]
    [
      'multiply ×2: 1 case → loss 2 × 2 = 4 → 6',
      { mode: 'multiply', factor: 2 },
      [1, 'D', 'fail', 1],
      6,
      true,
    ],
    ['multiply ×2: 3 cases → 6 × 2 = 12 → 0', { mode: 'multiply', factor: 2 }, [1, 'D', 'fail', 3], 0, true],
    [
      'multiply ×2: met this time → 10, not a repeat',
      { mode: 'multiply', factor: 2 },
      [1, 'D', 'ok'],
      10,
      false,
    ],
    ['add 3: 1 case → 2 + 3 = 5 → 5', { mode: 'add', points: 3 }, [1, 'D', 'fail', 1], 5, true],
    [
      'add 3 after 当场整改: 2 cases both fixed → 1 case → 2 + 3 → 5',
      { mode: 'add', points: 3 },
      [1, 'D', 'fail', 2, 2],
      5,
      true,
    ],
    ['add 3 on pass/fail: 5 + 3 → 0', { mode: 'add', points: 3 }, [1, 'P', 'fail', 1], 0, true],
    ['rule none: 1 case → 8, still marked as found again', { mode: 'none' }, [1, 'D', 'fail', 1], 8, true],
  ])('%s', (_case, repeat, answer, earned, repeated) => {
    const s = round({ rules: { repeat }, sites: [[1, 11]], answers: [answer], repeated: ['1:D', '1:P'] })
      .sites[0]!;
    expect(s.earned).toBe(earned);
    expect(s.standards[0]!.repeated).toBe(repeated);
  });

  it("applies only to the site and standard found again: key 2:D does not touch site 1's D", () => {
    const r = round({
      rules: { repeat: { mode: 'multiply', factor: 2 } },
      sites: [
        [1, 11],
        [2, 11],
      ],
      answers: [
        [1, 'D', 'fail', 1], // 10 − 2 = 8
        [2, 'D', 'fail', 1], // 10 − 2 × 2 = 6
      ],
      repeated: ['2:D'],
    });
    expect(r.sites.map((s) => s.earned)).toEqual([8, 6]);
  });
});

describe('computeRound: 不适用 by the average rule', () => {
  // c11: site 1 (D na, G B 6.6), site 2 (D 1 case 8, G na); c12: site 3 (D 2 cases 6, G na);
  // c21: site 4 (D met 10); street 1 direct: site 5 (D 3 cases 4).
  const sites: SiteSpec[] = [
    [1, 11],
    [2, 11],
    [3, 12],
    [4, 21],
    [5, 's1'],
  ];
  const answers: AnswerSpec[] = [
    [1, 'D', 'na'],
    [1, 'G', 'fail', 1],
    [2, 'D', 'fail', 1],
    [2, 'G', 'na'],
    [3, 'D', 'fail', 2],
    [3, 'G', 'na'],
    [4, 'D', 'ok'],
    [5, 'D', 'fail', 3],
  ];

  it('earns the mean rate of the other community groups, never its own', () => {
    const r = round({ rules: { notApplicable: 'average' }, sites, answers });
    const [s1, s2, s3, s4, s5] = r.sites;
    // site 1's D: other groups c12 .6, c21 1, street:1 .4 → mean 2/3 → 10 × 2/3 = 6.6667 (site 2 in its own
    // c11 is left out: with it the mean would be .7). Site 1 = 6.6667 + 6.6 = 13.2667 of 20.
    expect(s1!.standards[0]).toMatchObject({
      code: 'D',
      earned: 6.6667,
      possible: 10,
      lost: 0,
      naAverage: true,
      applicable: true,
    });
    expect(s1).toMatchObject({ earned: 13.2667, possible: 20, problems: 1 });
    expect(s1!.rate).toBeCloseTo(13.2667 / 20, 12);
    // the averaged D lost nothing, so it counts as met: 及格 1 of 2 (G lost 3.4)
    expect(s1!.passRate).toBe(0.5);
    // site 2's G: the only answered G is site 1, in its own c11 → no other answers → left out
    expect(s2!.standards[1]).toMatchObject({
      code: 'G',
      earned: 0,
      possible: 0,
      naAverage: false,
      applicable: false,
    });
    expect(s2).toMatchObject({ earned: 8, possible: 10, passRate: 0 });
    // site 3's G: other groups' answered G = site 1's .66 (the 不适用 at site 2 counts for nothing) → 6.6;
    // site 3 = 6 + 6.6 = 12.6 of 20
    expect(s3!.standards[1]).toMatchObject({ code: 'G', earned: 6.6, possible: 10, naAverage: true });
    expect(s3).toMatchObject({ earned: 12.6, possible: 20, passRate: 0.5 });
    expect(s3!.rate).toBeCloseTo(0.63, 12);
    expect([s4!.earned, s5!.earned]).toEqual([10, 4]);
  });

  it('leaves the same answers out under the exclude rule', () => {
    const r = round({ sites, answers });
    expect(r.sites.map((s) => [s.earned, s.possible])).toEqual([
      [6.6, 10],
      [8, 10],
      [6, 10],
      [10, 10],
      [4, 10],
    ]);
  });

  it.each<[string, SiteSpec[], AnswerSpec[], string[], number]>([
    [
      'the rate includes the repeat rule: c12 D 1 case repeated ×2 → 6 → site 1 gets 6',
      [
        [1, 11],
        [3, 12],
      ],
      [
        [1, 'D', 'na'],
        [3, 'D', 'fail', 1],
      ],
      ['3:D'],
      6,
    ],
    [
      'sites directly under a 镇街 are one group: site 1 (s1) excludes site 2 (s1, 10), takes c11 8 and c21 6 → 7',
      [
        [1, 's1'],
        [2, 's1'],
        [3, 11],
        [4, 21],
      ],
      [
        [1, 'D', 'na'],
        [2, 'D', 'ok'],
        [3, 'D', 'fail', 1],
        [4, 'D', 'fail', 2],
      ],
      [],
      7,
    ],
    [
      'a community of the same 镇街 is another group: c11 site 1 takes c12 6 and 镇街 1 direct 10 → 8',
      [
        [1, 11],
        [2, 12],
        [3, 's1'],
      ],
      [
        [1, 'D', 'na'],
        [2, 'D', 'fail', 2],
        [3, 'D', 'ok'],
      ],
      [],
      8,
    ],
    [
      'mean of three: 10, 6, 0 (7 cases) → 16 / 3 = 5.3333',
      [
        [1, 11],
        [2, 12],
        [3, 12],
        [4, 21],
      ],
      [
        [1, 'D', 'na'],
        [2, 'D', 'ok'],
        [3, 'D', 'fail', 2],
        [4, 'D', 'fail', 7],
      ],
      [],
      5.3333,
    ],
  ])('%s', (_case, sites, answers, repeated, earned) => {
    const r = round({
      rules: { notApplicable: 'average', repeat: { mode: 'multiply', factor: 2 } },
      sites,
      answers,
      repeated,
    });
    expect(r.sites[0]!.standards[0]).toMatchObject({ naAverage: true, earned, possible: 10 });
  });

  it('keeps a site of only 不适用 answers unscored when no other group answered', () => {
    const r = round({
      rules: { notApplicable: 'average' },
      sites: [
        [1, 11],
        [2, 11],
      ],
      answers: [
        [1, 'D', 'na'],
        [2, 'D', 'ok'],
      ],
    });
    expect(r.sites[0]).toMatchObject({ earned: 0, possible: 0, rate: null, passRate: null });
  });
});

describe('computeRound: communities and 镇街', () => {
  // c11: site 1 xq D 1 case → 8/10 (.8); site 2 sc D 4 cases 2 + G 10 + P 5 → 17/25 (.68); site 3 xq no answers.
  // c12: site 4 xq D 2 cases → 6/10 (.6).  镇街 1 direct: site 5 zgd P 5/5 (1).  c21: site 6 xq D 10 + G B 6.6 → 16.6/20 (.83).
  const sites: SiteSpec[] = [
    [1, 11, 'xq'],
    [2, 11, 'sc'],
    [3, 11, 'xq'],
    [4, 12, 'xq'],
    [5, 's1', 'zgd'],
    [6, 21, 'xq'],
  ];
  const answers: AnswerSpec[] = [
    [1, 'D', 'fail', 1],
    [2, 'D', 'fail', 4],
    [2, 'G', 'ok'],
    [2, 'P', 'ok'],
    [4, 'D', 'fail', 2],
    [5, 'P', 'ok'],
    [6, 'D', 'ok'],
    [6, 'G', 'fail', 1],
  ];

  it.each<[string, Partial<Rules>, number, number]>([
    // [case, rules, c11 rate, 镇街 1 rate] — 镇街 1 is over its sites, not its communities' rates
    ['pooled: c11 (8 + 17) / (10 + 25) = 25/35; 镇街 1 (8 + 17 + 6 + 5) / 50 = .72', {}, 25 / 35, 0.72],
    [
      'mean: c11 (.8 + .68) / 2 = .74; 镇街 1 (.8 + .68 + .6 + 1) / 4 = .77',
      { aggregation: 'mean' },
      0.74,
      0.77,
    ],
    [
      'pooled, 市场 ×2: c11 (8 + 2·17) / (10 + 2·25) = 42/60 = .7; 镇街 1 (8 + 34 + 6 + 5) / (10 + 50 + 10 + 5) = 53/75',
      { siteTypeWeights: { sc: 2 } },
      0.7,
      53 / 75,
    ],
    [
      'mean, 市场 ×2: c11 (.8 + 2·.68) / 3 = .72; 镇街 1 (.8 + 1.36 + .6 + 1) / 5 = .752',
      { aggregation: 'mean', siteTypeWeights: { sc: 2 } },
      0.72,
      0.752,
    ],
    [
      'pooled, 主干道 ×3 and 小区 ×0.5: c11 (4 + 17) / (5 + 25) = .7; 镇街 1 (4 + 17 + 3 + 15) / (5 + 25 + 5 + 15) = 39/50',
      { siteTypeWeights: { zgd: 3, xq: 0.5 } },
      0.7,
      0.78,
    ],
  ])('%s', (_case, rules, c11Rate, street1Rate) => {
    const r = round({ rules, sites, answers });
    const c11 = r.communities.find((c) => c.id === 11)!;
    const s1 = r.streets.find((s) => s.id === 1)!;
    expect(c11.rate).toBeCloseTo(c11Rate, 12);
    expect(s1.rate).toBeCloseTo(street1Rate, 12);
    // weights and the aggregation rule never change the unweighted figures
    expect(c11).toMatchObject({
      streetId: 1,
      earned: 25,
      possible: 35,
      problems: 2,
      passRate: 0.5,
      siteCount: 3,
      scoredSiteCount: 2,
    });
    // 镇街 1 counts its direct site 5: 及格 site 1 0/1, site 2 2/3, site 4 0/1, site 5 1/1 → 3/6
    expect(s1).toMatchObject({
      earned: 36,
      possible: 50,
      problems: 3,
      passRate: 0.5,
      siteCount: 5,
      scoredSiteCount: 4,
    });
    // a 镇街 is under no 镇街 (the field is there, undefined: every area result has the same shape)
    expect(s1.streetId).toBeUndefined();
    expect(JSON.parse(JSON.stringify(s1))).not.toHaveProperty('streetId');
    expect(r.communities.find((c) => c.id === 12)!.rate).toBeCloseTo(0.6, 12);
    expect(r.streets.find((s) => s.id === 2)!.rate).toBeCloseTo(0.83, 12);
  });

  it('ranks communities and 镇街 separately: c21 .83, c11 .714, c12 .6; 西 .83, 东 .72', () => {
    const r = round({ sites, answers });
    expect(r.communities.map((c) => [c.name, c.rank])).toEqual([
      ['丙社区', 1],
      ['甲社区', 2],
      ['乙社区', 3],
    ]);
    expect(r.streets.map((s) => [s.name, s.rank])).toEqual([
      ['西街道', 1],
      ['东街道', 2],
    ]);
  });

  it('gives a community without sites or answers no rate, and a 镇街 with only direct sites a rate', () => {
    const r = round({ sites: [[5, 's1', 'zgd']], answers: [[5, 'P', 'fail', 1]] });
    expect(r.communities.map((c) => [c.rate, c.rank, c.unranked, c.siteCount])).toEqual([
      [null, null, 'no-score', 0],
      [null, null, 'no-score', 0],
      [null, null, 'no-score', 0],
    ]);
    expect(r.streets[0]).toMatchObject({ id: 1, rate: 0, rank: 1, problems: 1, siteCount: 1 });
    expect(r.streets[1]).toMatchObject({ id: 2, rate: null, rank: null });
  });
});

describe('computeRound: ranking, 未排名, movement and 红黑榜', () => {
  // 镇街 1: 甲 D 10 + P 5 = 15/15 (1); 乙 D 2 cases 6 + P 5 = 11/15; 丙 same 11/15; 丁 D 3 cases 4 + P 5 = 9/15 (.6).
  // 镇街 2: 戊 D 10/10 (1.0) and 己 D 5 cases 0/10 (0): under 15 possible points; 庚 has no site.
  const communities = [
    { id: 11, name: '甲社区', streetId: 1 },
    { id: 12, name: '乙社区', streetId: 1 },
    { id: 13, name: '丙社区', streetId: 1 },
    { id: 14, name: '丁社区', streetId: 1 },
    { id: 21, name: '戊社区', streetId: 2 },
    { id: 22, name: '己社区', streetId: 2 },
    { id: 23, name: '庚社区', streetId: 2 },
  ];
  const sites: SiteSpec[] = [
    [1, 11],
    [2, 12],
    [3, 13],
    [4, 14],
    [5, 21],
    [6, 22],
  ];
  const answers: AnswerSpec[] = [
    [1, 'D', 'ok'],
    [1, 'P', 'ok'],
    [2, 'D', 'fail', 2],
    [2, 'P', 'ok'],
    [3, 'D', 'fail', 2],
    [3, 'P', 'ok'],
    [4, 'D', 'fail', 3],
    [4, 'P', 'ok'],
    [5, 'D', 'ok'],
    [6, 'D', 'fail', 5],
  ];
  const previous = {
    communityRanks: new Map([
      [11, 2],
      [12, 1],
      [14, 4],
      [21, 1],
    ]),
    streetRanks: new Map([
      [1, 2],
      [2, 1],
    ]),
  };
  const rules: Partial<Rules> = { minPossiblePoints: 15, redList: { topN: 1 }, blackList: { bottomN: 1 } };

  it('places ties 1, 2, 2, 4 and lists 未排名 apart, after the ranked ones', () => {
    const r = round({ rules, communities, sites, answers, previous });
    expect(r.communities.map((c) => [c.name, c.rank, c.unranked, c.movement, c.red, c.black])).toEqual([
      ['甲社区', 1, null, 1, true, false], // 2 − 1 = up one
      ['丙社区', 2, null, null, false, false], // tie with 乙 at 11/15, 丙 (bǐng) before 乙 (yǐ); new → no movement
      ['乙社区', 2, null, -1, false, false], // 1 − 2 = down one
      ['丁社区', 4, null, 0, false, true], // 4 − 4; last place → 黑榜
      ['庚社区', null, 'no-score', null, false, false], // 未排名 by name: 庚 (gēng), 己 (jǐ), 戊 (wù)
      ['己社区', null, 'too-few-points', null, false, false], // rate 0 but not black: not ranked
      ['戊社区', null, 'too-few-points', null, false, false], // rate 1.0 but not red; was 1st → no movement
    ]);
    // 镇街 1: (15 + 11 + 11 + 9) / 60 = 46/60; 镇街 2: (10 + 0) / 20 = .5 — 20 points, so ranked
    expect(r.streets.map((s) => [s.name, s.rank, s.movement, s.red, s.black])).toEqual([
      ['东街道', 1, 1, true, false],
      ['西街道', 2, -1, false, true],
    ]);
    expect(r.streets[0]!.rate).toBeCloseTo(46 / 60, 12);
  });

  it('applies minPossiblePoints to 镇街 too: 50 leaves 镇街 2 (20 points) 未排名', () => {
    const r = round({ rules: { ...rules, minPossiblePoints: 50 }, communities, sites, answers });
    expect(r.streets.map((s) => [s.name, s.rank, s.unranked])).toEqual([
      ['东街道', 1, null],
      ['西街道', null, 'too-few-points'],
    ]);
  });

  it('fills the lists by rate: minRate .9 keeps 甲 red; belowRate .7 makes 丁 (.6) black, 乙 丙 (.733) not', () => {
    const r = round({
      rules: { ...rules, redList: { topN: 3, minRate: 0.9 }, blackList: { belowRate: 0.7 } },
      communities,
      sites,
      answers,
    });
    expect(r.communities.filter((c) => c.red).map((c) => c.name)).toEqual(['甲社区']);
    expect(r.communities.filter((c) => c.black).map((c) => c.name)).toEqual(['丁社区']);
  });
});

describe('computeRound: weak spots', () => {
  // site 1 xq c11: D 1 case (lost 2), P fail (lost 5); site 2 sc c11: G 2 cases → C (lost 6.7), P fail (lost 5);
  // site 3 sc c12: D, G, P met; site 4 xq c12: D 不适用 (excluded, not counted); site 5 gy c21: G met.
  const r = round({
    sites: [
      [1, 11, 'xq'],
      [2, 11, 'sc'],
      [3, 12, 'sc'],
      [4, 12, 'xq'],
      [5, 21, 'gy'],
    ],
    answers: [
      [1, 'D', 'fail', 1],
      [1, 'P', 'fail', 1],
      [2, 'G', 'fail', 2],
      [2, 'P', 'fail', 1],
      [3, 'D', 'ok'],
      [3, 'G', 'ok'],
      [3, 'P', 'ok'],
      [4, 'D', 'na'],
      [5, 'G', 'ok'],
    ],
  });

  it('sums lost points per standard, by lost: P 5 + 5 = 10, G 6.7, D 2', () => {
    expect(r.weakStandards).toEqual([
      { code: 'P', item: PUB, lost: 10, failures: 2, answers: 3 },
      { code: 'G', item: ENV, lost: 6.7, failures: 1, answers: 3 },
      { code: 'D', item: ENV, lost: 2, failures: 1, answers: 2 },
    ]);
  });

  it('sums per 测评项目: 宣传 10 before 环境 2 + 6.7 = 8.7', () => {
    expect(r.weakItems).toEqual([
      { ...PUB, lost: 10, failures: 2, answers: 3 },
      { ...ENV, lost: 8.7, failures: 2, answers: 5 },
    ]);
  });

  it('rates site types by failing answers: xq 2/2, sc 2/5, gy 0/1', () => {
    expect(r.weakSiteTypes).toEqual([
      { siteType: 'xq', failRate: 1, failures: 2, answers: 2, sites: 1 }, // site 4 had only 不适用
      { siteType: 'sc', failRate: 0.4, failures: 2, answers: 5, sites: 2 },
      { siteType: 'gy', failRate: 0, failures: 0, answers: 1, sites: 1 },
    ]);
  });

  it.each<[string, AnswerSpec[], string[]]>([
    [
      'equal lost → more failures first: D 2 + 2 (2 failures) before Q 4 (1 failure)',
      [
        [1, 'Q', 'fail', 4],
        [1, 'D', 'fail', 1],
        [2, 'D', 'fail', 1],
      ],
      ['D', 'Q'],
    ],
    [
      'equal lost and failures → version order: D before Q',
      [
        [1, 'Q', 'fail', 2],
        [2, 'Q', 'fail', 2],
        [1, 'D', 'fail', 1],
        [2, 'D', 'fail', 1],
      ],
      ['D', 'Q'],
    ],
  ])('%s', (_case, answers, order) => {
    const w = round({
      sites: [
        [1, 11],
        [2, 12],
      ],
      answers,
    });
    expect(w.weakStandards.map((s) => s.code)).toEqual(order);
  });

  it('counts a standard scored by the average rule as an answer that lost nothing', () => {
    const w = round({
      rules: { notApplicable: 'average' },
      sites: [
        [1, 11],
        [2, 12],
      ],
      answers: [
        [1, 'D', 'na'],
        [2, 'D', 'fail', 1],
      ],
    });
    expect(w.weakStandards).toEqual([{ code: 'D', item: ENV, lost: 2, failures: 1, answers: 2 }]);
  });
});

describe('computeRound: input it cannot trust', () => {
  it.each<[string, SiteSpec[], AnswerSpec[], RegExp]>([
    ['an answer for a site not in the round', [[1, 11]], [[2, 'D', 'ok']], /不在本轮测评中/],
    ['an unknown standard', [[1, 11]], [[1, 'X', 'ok']], /不在本轮的测评体系中/],
    [
      'two answers to one standard at one site',
      [[1, 11]],
      [
        [1, 'D', 'ok'],
        [1, 'D', 'fail', 1],
      ],
      /重复答卷/,
    ],
    [
      'a second answer arriving after a later standard',
      [[1, 11]],
      [
        [1, 'D', 'ok'],
        [1, 'P', 'ok'],
        [1, 'D', 'fail', 1],
      ],
      /重复答卷/,
    ],
    [
      'a site listed twice',
      [
        [1, 11],
        [1, 11],
      ],
      [],
      /在本轮中重复/,
    ],
    ['a site under an unknown 镇街', [[1, 's9']], [], /镇街 9 不在/],
  ])('refuses %s', (_case, sites, answers, message) => {
    expect(() => round({ sites, answers })).toThrow(message);
  });
});
