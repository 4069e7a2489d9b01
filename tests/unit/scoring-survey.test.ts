// Survey scoring (scoring/survey.ts) with every number worked by hand in the comments.
import { describe, expect, it } from 'vitest';
import {
  meanInterval,
  pointsFromRate,
  poolTallies,
  questionFigures,
  scoreSurveyStandard,
  standardRate,
  tallyAnswers,
  wilsonInterval,
  type SurveyAnswer,
  type SurveyQuestion,
  type SurveyStandard,
} from '../../src/scoring/survey.ts';
import { questionSchema, surveyRuleSchema } from '../../src/surveys/schema.ts';

// 知晓率 of 创建 (single choice: 知道 counts), of 核心价值观 (multiple choice: picking 富强 or 民主
// counts, 不清楚 does not), and 满意度 of the environment (满意 100, 基本满意 80, 不满意 0, optional).
const KNOWS: SurveyQuestion = { code: 'Q1', knows: ['知道'] };
const VALUES: SurveyQuestion = { code: 'Q2', knows: ['富强', '民主'] };
const SATISFIED: SurveyQuestion = { code: 'Q3', values: { 满意: 100, 基本满意: 80, 不满意: 0 } };
const QUESTIONS = [KNOWS, VALUES, SATISFIED];

const knows = (yes: number, no: number): SurveyAnswer[] => [
  ...Array.from({ length: yes }, () => ({ Q1: '知道' })),
  ...Array.from({ length: no }, () => ({ Q1: '不知道' })),
];

describe('question rates', () => {
  it('counts a 知晓率 answer that knows, and a multiple choice answer that picked any counting option', () => {
    const tally = tallyAnswers(QUESTIONS, [
      { Q1: '知道', Q2: ['富强', '不清楚'], Q3: '满意' },
      { Q1: '不知道', Q2: ['民主'], Q3: '不满意' },
      { Q1: '知道', Q2: ['不清楚'], Q3: '基本满意' },
      { Q1: '知道', Q2: [] }, // skipped Q2 (empty) and the optional Q3
    ]);
    // Q1: 3 of 4 know → 0.75
    expect(questionFigures(KNOWS, tally).rate).toBe(0.75);
    // Q2: answers 1 and 2 picked a counting option, 3 did not, 4 skipped → 2 of n = 3
    expect(questionFigures(VALUES, tally)).toMatchObject({ n: 3 });
    expect(questionFigures(VALUES, tally).rate).toBeCloseTo(2 / 3, 12);
    // Q3: (100 + 0 + 80) ÷ 3 ÷ 100 = 0.6, the skip left out of n
    expect(questionFigures(SATISFIED, tally).n).toBe(3);
    expect(questionFigures(SATISFIED, tally).rate).toBeCloseTo(0.6, 12);
    expect(tally.answers).toBe(4);
  });

  it('gives a standard the mean of its questions’ rates, leaving out a question nobody answered', () => {
    const tally = tallyAnswers(QUESTIONS, [
      { Q1: '知道', Q2: ['富强'] },
      { Q1: '不知道', Q2: ['不清楚'] },
    ]);
    // Q1 0.5, Q2 0.5, Q3 n = 0 left out → (0.5 + 0.5) ÷ 2 = 0.5
    expect(standardRate(['Q1', 'Q2', 'Q3'], tally)).toBe(0.5);
    expect(standardRate(['Q3'], tally)).toBeNull();
  });
  it('values a scale by its points and leaves a text question untallied', () => {
    // 1–5 scale, 5 → 100, 4 → 75, 3 → 50: answers 5, 4, 3 → (100 + 75 + 50) ÷ 3 ÷ 100 = 0.75
    const scale: SurveyQuestion = { code: 'S', values: { '1': 0, '2': 25, '3': 50, '4': 75, '5': 100 } };
    const note: SurveyQuestion = { code: 'T' };
    const tally = tallyAnswers([scale, note], [{ S: '5', T: '很好' }, { S: '4' }, { S: '3' }]);
    expect(standardRate(['S'], tally)).toBeCloseTo(0.75, 12);
    expect(tally.questions.has('T')).toBe(false);
  });

  it('leaves an option without a value out of a 满意度 question’s n', () => {
    // 满意 (1) and 说不清 (no value): n = 1, rate 1
    const tally = tallyAnswers([SATISFIED], [{ Q3: '满意' }, { Q3: '说不清' }]);
    expect(questionFigures(SATISFIED, tally)).toMatchObject({ n: 1, rate: 1 });
  });
});

describe('margins of error', () => {
  it('gives the Wilson interval for 45 of 50', () => {
    // p = 0.9, z² = 3.8416, n = 50: denominator 1 + 3.8416/50 = 1.076832
    // centre (0.9 + 3.8416/100) ÷ 1.076832 = 0.938416 ÷ 1.076832 = 0.871460
    // half 1.96 × √(0.9·0.1/50 + 3.8416/10000) ÷ 1.076832 = 1.96 × √0.00218416 ÷ 1.076832
    //      = 1.96 × 0.046735 ÷ 1.076832 = 0.085065 → [0.786395, 0.956525]
    const i = wilsonInterval(45, 50)!;
    expect(i.low).toBeCloseTo(0.786395, 6);
    expect(i.high).toBeCloseTo(0.956525, 6);
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('gives mean ± 1.96·s/√n for a 满意度 mean, clamped to [0, 1], none below 2 answers', () => {
    // values 1, 0.8, 0.8, 0: mean 0.65; squared deviations 0.1225 + 0.0225 + 0.0225 + 0.4225 = 0.59;
    // s² = 0.59 ÷ 3 = 0.196667, s = 0.443471; 1.96 × 0.443471 ÷ 2 = 0.434602
    // → [0.215398, 1.084602] clamped to [0.215398, 1]
    const tally = tallyAnswers(QUESTIONS, [
      { Q3: '满意' },
      { Q3: '基本满意' },
      { Q3: '基本满意' },
      { Q3: '不满意' },
    ]);
    const f = questionFigures(SATISFIED, tally);
    expect(f.rate).toBeCloseTo(0.65, 12);
    expect(f.interval!.low).toBeCloseTo(0.215398, 6);
    expect(f.interval!.high).toBe(1);
    expect(meanInterval({ n: 1, sum: 0.8, sumSq: 0.64 })).toBeNull();
  });
});

describe('points from a rate', () => {
  const TARGET = { mode: 'target', target: 0.85, perPoint: 0.5 } as const;
  it('gives full points at and above the target', () => {
    expect(pointsFromRate(3, TARGET, 0.85)).toBe(3);
    expect(pointsFromRate(3, TARGET, 0.97)).toBe(3);
  });
  it('takes perPoint off per percentage point below the target', () => {
    // 0.82: 3 points below → 3 − 0.5 × 3 = 1.5 (not 1.4999999999999987)
    expect(pointsFromRate(3, TARGET, 0.82)).toBe(1.5);
    // just below, 0.849: 0.1 point below → 3 − 0.05 = 2.95
    expect(pointsFromRate(3, TARGET, 0.849)).toBe(2.95);
    // far below, 0.40: 45 points below → 3 − 22.5 < 0 → 0
    expect(pointsFromRate(3, TARGET, 0.4)).toBe(0);
  });
  it('gives points × rate under the proportional rule', () => {
    // 4 × 0.875 = 3.5
    expect(pointsFromRate(4, { mode: 'proportional' }, 0.875)).toBe(3.5);
  });
});

describe('样本不足', () => {
  const STANDARD: SurveyStandard = {
    code: 'WJ1',
    points: 4,
    rule: { mode: 'proportional' },
    questionCodes: ['Q1'],
  };
  // 3 of 4 know: rate 0.75, 4 answers against a minimum of 30
  const tally = tallyAnswers(QUESTIONS, knows(3, 1));

  it('scores the answers there are under the score rule, marked insufficient', () => {
    // 4 × 0.75 = 3
    expect(scoreSurveyStandard(STANDARD, tally, { minValid: 30, belowMinimum: 'score' })).toEqual({
      rate: 0.75,
      insufficient: true,
      earned: 3,
      possible: 4,
      answers: 4,
    });
  });
  it('earns 0 under the zero rule, still marked insufficient', () => {
    expect(scoreSurveyStandard(STANDARD, tally, { minValid: 30, belowMinimum: 'zero' })).toMatchObject({
      rate: 0.75,
      insufficient: true,
      earned: 0,
      possible: 4,
    });
  });
  it('earns 0 of its points when nothing was collected, under either rule', () => {
    const none = tallyAnswers(QUESTIONS, []);
    const score = scoreSurveyStandard(STANDARD, none, { minValid: 30, belowMinimum: 'score' });
    expect(score).toEqual({ rate: null, insufficient: true, earned: 0, possible: 4, answers: 0 });
  });
  it('is not insufficient at the minimum', () => {
    const s = scoreSurveyStandard(STANDARD, tally, { minValid: 4, belowMinimum: 'zero' });
    expect(s).toMatchObject({ insufficient: false, earned: 3 });
  });
});

describe('pooling a 镇街', () => {
  it('pools the answers, which differs from averaging the 社区 rates when samples differ', () => {
    // 社区 A 9 of 10 know (0.9), 社区 B 10 of 40 (0.25)
    const a = tallyAnswers(QUESTIONS, knows(9, 1));
    const b = tallyAnswers(QUESTIONS, knows(10, 30));
    const street = poolTallies([a, b]);
    // pooled 19 of 50 = 0.38, where the mean of the rates would be (0.9 + 0.25) ÷ 2 = 0.575
    expect(standardRate(['Q1'], street)).toBeCloseTo(0.38, 12);
    expect(street.answers).toBe(50);
    // the tallies of the 社区 are left as they were
    expect(standardRate(['Q1'], a)).toBe(0.9);
    // and pooling equals tallying every answer at once
    const all = tallyAnswers(QUESTIONS, [...knows(9, 1), ...knows(10, 30)]);
    expect(street.questions.get('Q1')).toEqual(all.questions.get('Q1'));
  });

  it('scores 300 社区 × 100 answers × 10 questions and pools them quickly', () => {
    const many: SurveyQuestion[] = Array.from({ length: 10 }, (_, i) =>
      i % 2 ? { ...SATISFIED, code: `M${i}` } : { ...KNOWS, code: `M${i}` },
    );
    const answer = (k: number): SurveyAnswer =>
      Object.fromEntries(many.map((q, i) => [q.code, q.knows ? ((k + i) % 3 ? '知道' : '否') : '基本满意']));
    const communities = Array.from({ length: 300 }, (_, c) =>
      Array.from({ length: 100 }, (_, k) => answer(c + k)),
    );
    const tallies = communities.map((c) => tallyAnswers(many, c));
    const district = poolTallies(tallies);
    expect(district.answers).toBe(30000);
    expect(district.questions.get('M1')).toMatchObject({ n: 30000 });
    // every 满意度 answer is 基本满意 → 0.8
    expect(standardRate(['M1'], district)).toBeCloseTo(0.8, 9);
  });
});

describe('a questionnaire file’s question and rule', () => {
  it('are scored as the file states them', () => {
    // as the shipped questionnaire's Q4 and its D02-5 rule read
    const q = questionSchema.parse({
      code: 'Q4',
      text: '您对小区环境满意吗？',
      kind: 'single',
      options: [
        { code: 'satisfied', label: '满意' },
        { code: 'fair', label: '基本满意' },
        { code: 'unsatisfied', label: '不满意' },
      ],
      standard: 'D02-5',
      values: { satisfied: 100, fair: 80, unsatisfied: 0 },
    });
    const rule = surveyRuleSchema.parse({ mode: 'target', target: 0.85, perPoint: 0.5 });
    // 满意 ×3, 基本满意 ×1, 不满意 ×1: (300 + 80 + 0) ÷ 5 ÷ 100 = 0.76
    const tally = tallyAnswers(
      [q],
      [{ Q4: 'satisfied' }, { Q4: 'satisfied' }, { Q4: 'satisfied' }, { Q4: 'fair' }, { Q4: 'unsatisfied' }],
    );
    const standard: SurveyStandard = { code: 'D02-5', points: 3, rule, questionCodes: ['Q4'] };
    // 9 percentage points below 85 → 3 − 0.5 × 9 = −1.5, never below 0 → 0 (scored: 5 < 30 is 样本不足 under score)
    expect(standardRate(['Q4'], tally)).toBeCloseTo(0.76, 12);
    expect(scoreSurveyStandard(standard, tally, { minValid: 30, belowMinimum: 'score' })).toMatchObject({
      insufficient: true,
      earned: 0,
    });
    // a rate of 0.8 under the same rule: 5 points below → 3 − 2.5 = 0.5
    expect(pointsFromRate(3, rule, 0.8)).toBe(0.5);
  });
});
