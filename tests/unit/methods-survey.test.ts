// Totals over every method with 问卷调查 (scoring/methods.ts fed by survey-round.ts), on a tiny district
// whose numbers are worked by hand.
//
// Field (pooled, no site-type weights): D 10 points (2 a case), P 5 points (合格制).
//   site 1 (甲社区, 东街道): D 1 case → 8, P ok → 13 / 15;   site 2 (丙社区, 西街道): all ok → 15 / 15.
//   乙社区 (东街道) has no site: the survey is all it has.
// Survey: V valued (s 100, f 80, u 0), K a share ('y' counts). Standard S (4 points, proportional) scores
// V; standard T (2 points, target 80 %, 0.1 off per percentage point below) scores K. Minimum sample 2,
// below it scored on the answers there are.
//   甲: (s,y) (s,y) (f,y) (u,n): V = (1 + 1 + 0.8 + 0) / 4 = 0.7 → S 2.8; K 3/4 = 75 % → 5 below → T 1.5
//       E_s = 4.3, P_s = 6.
//   乙: (s,y): V 1 → S 4; K 100 % → T 2; E_s = 6 of 6 (样本不足, scored anyway).
//   丙: no answers → 0 of 6 (never left out).
//   东街道 pools 甲 + 乙 (5 answers): V = 3.8 / 5 = 0.76 → S 3.04; K 4/5 = 80 % → T 2; E_s = 5.04 of 6
//       (not 4.3 + 6 = 10.3 of 12). 西街道: 丙's nothing → 0 of 6. District = 东街道's answers: 5.04 of 6.
import { describe, expect, it } from 'vitest';
import type { MethodsRule, Rules } from '../../src/criteria/schema.ts';
import { computeRound, type RoundStandard } from '../../src/scoring/round.ts';
import { combineRound, type CountedTask } from '../../src/scoring/methods.ts';
import { computeSurveyRound } from '../../src/scoring/survey-round.ts';
import type { SurveyAnswer } from '../../src/scoring/survey.ts';
import { COMMUNITIES, STREETS, tinyRules } from '../helpers/tiny-district.ts';

const ITEM = { code: 'HJ', name: '良好的人居环境' };
const STANDARDS: RoundStandard[] = [
  { code: 'D', points: 10, scoring: { mode: 'deduction', perCase: 2 }, item: ITEM },
  { code: 'P', points: 5, scoring: { mode: 'passfail' }, item: ITEM },
];

const rules = (methods: MethodsRule, minPossiblePoints = 0): Rules =>
  tinyRules({ methods, minPossiblePoints });

const field = (r: Rules) =>
  computeRound({
    rules: r,
    standards: new Map(STANDARDS.map((s) => [s.code, s])),
    streets: STREETS,
    communities: COMMUNITIES.filter((c) => c.id !== 12),
    sites: [
      { id: 1, name: '点位1', siteType: 'xq', streetId: 1, communityId: 11 },
      { id: 2, name: '点位2', siteType: 'xq', streetId: 2, communityId: 21 },
    ],
    answers: [
      { siteId: 1, standard: 'D', result: 'fail', cases: 1, fixedCases: 0 },
      { siteId: 1, standard: 'P', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 2, standard: 'D', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 2, standard: 'P', result: 'ok', cases: 0, fixedCases: 0 },
    ],
    repeated: new Set(),
  });

const a = (V: string, K: string): SurveyAnswer => ({ V, K });
const survey = computeSurveyRound({
  questions: [
    { code: 'V', values: { s: 100, f: 80, u: 0 } },
    { code: 'K', knows: ['y'] },
  ],
  rates: [
    { name: '满意度', questionCodes: ['V'] },
    { name: '知晓率', questionCodes: ['K'] },
  ],
  standards: [
    { code: 'S', points: 4, rule: { mode: 'proportional' }, questionCodes: ['V'] },
    { code: 'T', points: 2, rule: { mode: 'target', target: 0.8, perPoint: 0.1 }, questionCodes: ['K'] },
  ],
  sample: { minValid: 2, belowMinimum: 'score' },
  communities: COMMUNITIES.map((c) => ({ id: c.id, streetId: c.streetId })),
  answers: new Map([
    [11, [a('s', 'y'), a('s', 'y'), a('f', 'y'), a('u', 'n')]],
    [12, [a('s', 'y')]],
  ]),
});

const combine = (r: Rules, tasks: CountedTask[] = []) =>
  combineRound({ rules: r, field: field(r), communities: COMMUNITIES, streets: STREETS, tasks, survey });

const byName = <T extends { name: string }>(list: readonly T[], name: string): T =>
  list.find((x) => x.name === name)!;

describe('field + survey, pooled', () => {
  const r = combine(rules({ combine: 'pooled' }));

  it('gives each 社区 its own survey points, 0 of 6 when nobody answered', () => {
    const s = (name: string) => byName(r.communities, name).methods!.survey;
    expect(s('甲社区')).toEqual({ earned: 4.3, possible: 6, rate: 4.3 / 6 });
    expect(s('乙社区')).toEqual({ earned: 6, possible: 6, rate: 1 });
    expect(s('丙社区')).toEqual({ earned: 0, possible: 6, rate: 0 });
  });

  it('totals a 社区 over both methods: (E_f + E_s) ÷ (P_f + P_s)', () => {
    // 甲 (13 + 4.3) / (15 + 6) = 17.3 / 21; 乙 6 / 6; 丙 (15 + 0) / (15 + 6) = 15 / 21
    expect(byName(r.communities, '甲社区').rate).toBeCloseTo(17.3 / 21, 10);
    expect(byName(r.communities, '乙社区').rate).toBe(1);
    expect(byName(r.communities, '丙社区').rate).toBeCloseTo(15 / 21, 10);
    expect(r.communities.map((c) => [c.name, c.rank])).toEqual([
      ['乙社区', 1],
      ['甲社区', 2],
      ['丙社区', 3],
    ]);
  });

  it("totals a 镇街 with its POOLED survey figures, not the sum of its 社区' points", () => {
    const east = byName(r.streets, '东街道');
    expect(east.methods!.survey.earned).toBeCloseTo(5.04, 10);
    expect(east.methods!.survey.possible).toBe(6);
    // (13 + 5.04) / (15 + 6) = 18.04 / 21 = 85.90 %
    expect(east.rate).toBeCloseTo(18.04 / 21, 10);
    expect(byName(r.streets, '西街道').rate).toBeCloseTo(15 / 21, 10);
  });

  it("totals the district with the district's pooled figures", () => {
    const d = r.combined.district;
    expect(d.field).toEqual({ earned: 28, possible: 30, rate: 28 / 30 });
    expect(d.survey.earned).toBeCloseTo(5.04, 10);
    expect(d.survey.possible).toBe(6);
    // (28 + 5.04) / (30 + 6) = 33.04 / 36 = 91.78 %
    expect(d.total).toBeCloseTo(33.04 / 36, 10);
    expect(d.possible).toBe(36);
    expect(r.combined.surveyDistrict!.answers).toBe(5);
  });

  it('adds documents as a third method: (E_f + E_d + E_s) ÷ (P_f + P_d + P_s)', () => {
    const task: CountedTask = {
      id: 1,
      standardCode: 'X',
      level: 'community',
      communityId: 11,
      streetId: 1,
      kind: 'scored',
      earned: 3,
      possible: 4,
    };
    const three = combine(rules({ combine: 'pooled' }), [task]);
    // 甲 (13 + 3 + 4.3) / (15 + 4 + 6) = 20.3 / 25 = 81.2 %
    expect(byName(three.communities, '甲社区').rate).toBeCloseTo(0.812, 10);
    // district (28 + 3 + 5.04) / (30 + 4 + 6) = 36.04 / 40
    expect(three.combined.district.total).toBeCloseTo(36.04 / 40, 10);
  });
});

describe('field + survey, weighted (实地考察 60, 问卷调查 40)', () => {
  const r = combine(rules({ combine: 'weighted', weights: { field: 60, survey: 40 } }));

  it('weighs each method’s rate, rescaled over the methods an area has', () => {
    // 甲 (60 × 13/15 + 40 × 4.3/6) / 100 = (52 + 28.6667) / 100 = 80.67 %
    expect(byName(r.communities, '甲社区').rate).toBeCloseTo(0.52 + (0.4 * 4.3) / 6, 10);
    // 乙 has no field points: its survey rate alone
    expect(byName(r.communities, '乙社区').rate).toBe(1);
    // 丙 (60 × 1 + 40 × 0) / 100 = 60 %
    expect(byName(r.communities, '丙社区').rate).toBeCloseTo(0.6, 10);
    // 东街道 (60 × 13/15 + 40 × 5.04/6) / 100 = (52 + 33.6) / 100 = 85.6 %
    expect(byName(r.streets, '东街道').rate).toBeCloseTo(0.856, 10);
    // district (60 × 28/30 + 40 × 0.84) / 100 = (56 + 33.6) / 100 = 89.6 %
    expect(r.combined.district.total).toBeCloseTo(0.896, 10);
  });

  it('leaves the survey out when its weight is not set', () => {
    const fieldOnly = combine(rules({ combine: 'weighted', weights: { field: 1 } }));
    expect(byName(fieldOnly.communities, '甲社区').rate).toBeCloseTo(13 / 15, 10);
  });
});

describe('未排名', () => {
  it('counts P_s towards the minimum: unweighted field points + P_s ≥ minPossiblePoints', () => {
    // minimum 21: 甲 and 丙 have 15 field points + 6 survey points = 21 → ranked (15 alone would not be);
    // 乙 has 0 + 6 = 6 → 未排名 (too few points), though its rate is 100 %
    const r = combine(rules({ combine: 'pooled' }, 21));
    expect(r.communities.map((c) => [c.name, c.rank, c.unranked])).toEqual([
      ['甲社区', 1, null],
      ['丙社区', 2, null],
      ['乙社区', null, 'too-few-points'],
    ]);
    // 东街道 15 + 6 = 21 ranked
    expect(byName(r.streets, '东街道').rank).toBe(1);
    // one point more and only the ones with more than 21 points rank: nobody
    const higher = combine(rules({ combine: 'pooled' }, 21.5));
    expect(higher.communities.every((c) => c.rank === null)).toBe(true);
  });
});
