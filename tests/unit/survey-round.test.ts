// A round's survey figures (scoring/survey-round.ts) per 社区, pooled 镇街 and district, every number
// worked by hand in the comments. z = 1.96, z² = 3.8416.
//
// The questionnaire: K1 and K2 are shares (知晓率, 'y' counts), V1 a valued question (满意度: s 100,
// f 80, u 0). Standard A (2 points, target 85 %, 0.1 off per percentage point below) scores K1;
// standard B (4 points, proportional) scores V1. Minimum sample: 5 valid answers.
//
// Places: 镇街 1 has 社区 1 (10 answers) and 社区 2 (2 answers); 镇街 2 has 社区 3 (no answers) and
// 社区 4 (5 answers).
import { describe, expect, it } from 'vitest';
import { computeSurveyRound, type SurveyRoundInput } from '../../src/scoring/survey-round.ts';
import type { SurveyAnswer, SurveyQuestion, SurveyStandard } from '../../src/scoring/survey.ts';

const K1: SurveyQuestion = { code: 'K1', knows: ['y'] };
const K2: SurveyQuestion = { code: 'K2', knows: ['y'] };
const V1: SurveyQuestion = { code: 'V1', values: { s: 100, f: 80, u: 0 } };
const A: SurveyStandard = {
  code: 'A',
  points: 2,
  rule: { mode: 'target', target: 0.85, perPoint: 0.1 },
  questionCodes: ['K1'],
};
const B: SurveyStandard = { code: 'B', points: 4, rule: { mode: 'proportional' }, questionCodes: ['V1'] };

const times = (n: number, a: SurveyAnswer): SurveyAnswer[] => Array.from({ length: n }, () => a);

// 社区 1: K1 8 of 10 know, K2 6 of 10; V1 5 × s, 3 × f, 2 × u
const C1: SurveyAnswer[] = [
  ...times(5, { K1: 'y', K2: 'y', V1: 's' }),
  { K1: 'y', K2: 'y', V1: 'f' },
  ...times(2, { K1: 'y', K2: 'n', V1: 'f' }),
  ...times(2, { K1: 'n', K2: 'n', V1: 'u' }),
];
// 社区 2: nobody knows; V1 s and f
const C2: SurveyAnswer[] = [
  { K1: 'n', K2: 'n', V1: 's' },
  { K1: 'n', K2: 'n', V1: 'f' },
];
// 社区 4: everyone knows and is satisfied
const C4: SurveyAnswer[] = times(5, { K1: 'y', K2: 'y', V1: 's' });

const input = (belowMinimum: 'score' | 'zero'): SurveyRoundInput => ({
  questions: [K1, K2, V1],
  rates: [
    { name: '知晓率', questionCodes: ['K1', 'K2'] },
    { name: '满意度', questionCodes: ['V1'] },
  ],
  standards: [A, B],
  sample: { minValid: 5, belowMinimum },
  communities: [
    { id: 1, streetId: 1 },
    { id: 2, streetId: 1 },
    { id: 3, streetId: 2 },
    { id: 4, streetId: 2 },
  ],
  answers: new Map([
    [1, C1],
    [2, C2],
    [4, C4],
  ]),
});

const round = computeSurveyRound(input('score'));
const c = (id: number) => round.communities.get(id)!;
const rate = (area: ReturnType<typeof c>, name: string) => area.rates.find((r) => r.name === name)!;

describe('a 社区 scored from its own answers', () => {
  it('gives each question its rate and its 95 % Wilson interval for a share', () => {
    // K1 in 社区 1: p = 8/10 = 0.8, n = 10
    //   centre = (p + z²/2n) / (1 + z²/n) = (0.8 + 0.19208) / 1.38416 = 0.716738
    //   half   = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n) = 1.96·√(0.016 + 0.009604) / 1.38416
    //          = 1.96 · 0.160012 / 1.38416 = 0.226581
    //   → 0.490157 – 0.943319 (not symmetric around 0.8, as Wilson's is not)
    const k1 = c(1).questions.get('K1')!;
    expect(k1.n).toBe(10);
    expect(k1.rate).toBe(0.8);
    expect(k1.interval!.low).toBeCloseTo(0.490157, 5);
    expect(k1.interval!.high).toBeCloseTo(0.943319, 5);
  });

  it('gives a valued question mean ± 1.96·s/√n', () => {
    // V1 in 社区 1: values 1 ×5, 0.8 ×3, 0 ×2 → Σx = 7.4, mean 0.74, Σx² = 5 + 1.92 = 6.92
    //   s² = (6.92 − 10·0.74²) / 9 = (6.92 − 5.476) / 9 = 0.160444, s = 0.400555
    //   half = 1.96 · 0.400555 / √10 = 0.248267 → 0.491733 – 0.988267
    const v1 = c(1).questions.get('V1')!;
    expect(v1.rate).toBeCloseTo(0.74, 10);
    expect(v1.interval!.low).toBeCloseTo(0.491733, 5);
    expect(v1.interval!.high).toBeCloseTo(0.988267, 5);
    // a one-question rate (满意度) takes its question's figures
    expect(rate(c(1), '满意度')).toEqual({ name: '满意度', rate: v1.rate, n: 10, interval: v1.interval });
  });

  it('gives a rate over two questions the mean of their rates, and a margin from each answer’s own mean', () => {
    // 知晓率 in 社区 1 = (K1 0.8 + K2 0.6) / 2 = 0.7
    // each answer's mean over K1, K2: 1 ×6, 0.5 ×2, 0 ×2 → Σx = 7, Σx² = 6.5
    //   s² = (6.5 − 10·0.49) / 9 = 0.177778, s = 0.421637; half = 1.96 · 0.421637 / √10 = 0.261333
    //   → 0.438667 – 0.961333, n = 10 answers that answered K1 or K2
    const r = rate(c(1), '知晓率');
    expect(r.rate).toBeCloseTo(0.7, 10);
    expect(r.n).toBe(10);
    expect(r.interval!.low).toBeCloseTo(0.438667, 5);
    expect(r.interval!.high).toBeCloseTo(0.961333, 5);
  });

  it('scores a target rule below target (points off per percentage point) and at or above it (full points)', () => {
    // A in 社区 1: K1 0.8 is 5 percentage points below 85 % → 2 − 0.1 × 5 = 1.5
    expect(c(1).standards.get('A')).toMatchObject({
      rate: 0.8,
      earned: 1.5,
      possible: 2,
      insufficient: false,
    });
    // A in 社区 4: K1 5/5 = 1 ≥ 0.85 → full 2; B: 4 × 1 = 4; 5 answers = the minimum, not 样本不足
    expect(c(4).standards.get('A')).toMatchObject({ rate: 1, earned: 2, insufficient: false });
    expect(c(4).standards.get('B')!.earned).toBe(4);
    // B in 社区 1 (proportional): 4 × 0.74 = 2.96; the 社区's survey total 1.5 + 2.96 = 4.46 of 6
    expect(c(1).standards.get('B')!.earned).toBe(2.96);
    expect(c(1)).toMatchObject({ answers: 10, earned: 4.46, possible: 6, insufficient: false });
  });
});

describe('a 社区 below the minimum sample', () => {
  it("is 样本不足 and, with belowMinimum 'score', scored on the answers there are", () => {
    // 社区 2: 2 valid answers < 5. B: V1 (1 + 0.8) / 2 = 0.9 → 4 × 0.9 = 3.6; A: K1 0 is 85 points below → 2 − 8.5 < 0 → 0
    expect(c(2).insufficient).toBe(true);
    expect(c(2).standards.get('B')).toMatchObject({ rate: 0.9, earned: 3.6, insufficient: true });
    expect(c(2).standards.get('A')).toMatchObject({ rate: 0, earned: 0, insufficient: true });
    expect(c(2).earned).toBe(3.6);
  });

  it("with belowMinimum 'zero' earns 0 — while a 社区 at the minimum keeps its points", () => {
    const zero = computeSurveyRound(input('zero'));
    expect(zero.communities.get(2)).toMatchObject({ insufficient: true, earned: 0, possible: 6 });
    expect(zero.communities.get(2)!.standards.get('B')).toMatchObject({ rate: 0.9, earned: 0 });
    expect(zero.communities.get(1)!.earned).toBe(4.46);
    expect(zero.communities.get(4)!.earned).toBe(6);
  });

  it('earns 0 with no answers at all — never unscored', () => {
    // 社区 3: nothing collected is worth nothing, whatever belowMinimum says
    expect(c(3)).toMatchObject({ answers: 0, insufficient: true, earned: 0, possible: 6 });
    expect(c(3).standards.get('A')).toMatchObject({ rate: null, earned: 0, possible: 2 });
    expect(rate(c(3), '知晓率')).toEqual({ name: '知晓率', rate: null, n: 0, interval: null });
  });
});

describe('a 镇街 and the district pool their answers', () => {
  it('weighs every answer the same — not the mean of the 社区 rates', () => {
    // 镇街 1 K1: (8 + 0) / (10 + 2) = 0.666667, while the mean of the 社区 rates is (0.8 + 0) / 2 = 0.4
    const s1 = round.streets.get(1)!;
    const k1 = s1.questions.get('K1')!;
    expect(k1.n).toBe(12);
    expect(k1.rate).toBeCloseTo(0.666667, 6);
    expect((c(1).questions.get('K1')!.rate! + c(2).questions.get('K1')!.rate!) / 2).toBeCloseTo(0.4, 10);
    // Wilson 8 of 12: p = 0.666667, 1 + z²/n = 1.320133, centre = (0.666667 + 0.160067) / 1.320133 = 0.626250
    //   half = 1.96·√(0.018519 + 0.006669) / 1.320133 = 0.235632 → 0.390618 – 0.861882
    expect(k1.interval!.low).toBeCloseTo(0.390618, 5);
    expect(k1.interval!.high).toBeCloseTo(0.861882, 5);
    // A scored from the pooled rate: 18.3333 points below 85 % → 2 − 1.83333 = 0.1667 (4 decimals)
    expect(s1.standards.get('A')).toMatchObject({ earned: 0.1667, insufficient: false });
    // B: V1 (7.4 + 1.8) / 12 = 0.766667 → 4 × 0.766667 = 3.0667
    expect(s1.standards.get('B')!.earned).toBe(3.0667);
    expect(s1).toMatchObject({ answers: 12, earned: 3.2334, possible: 6 });
  });

  it('pools every 社区 into the district, 社区 without answers included', () => {
    // K1: (8 + 0 + 5) / 17 = 0.764706; Wilson 13 of 17 → 0.527378 – 0.904451
    const d = round.district;
    expect(d.answers).toBe(17);
    const k1 = d.questions.get('K1')!;
    expect(k1.rate).toBeCloseTo(0.764706, 6);
    expect(k1.interval!.low).toBeCloseTo(0.527378, 5);
    expect(k1.interval!.high).toBeCloseTo(0.904451, 5);
    // 知晓率: K1 13/17 and K2 (6 + 0 + 5)/17 = 11/17 → mean 12/17 = 0.705882
    expect(rate(d, '知晓率').rate).toBeCloseTo(0.705882, 6);
    expect(rate(d, '知晓率').n).toBe(17);
    // 镇街 2 pools 社区 3 (none) and 社区 4 (5): 5 answers, K1 1 → full points
    expect(round.streets.get(2)).toMatchObject({ answers: 5, insufficient: false, earned: 6 });
  });
});
