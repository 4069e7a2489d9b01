// Checking answers against a questionnaire (survey-answer-check.ts): the shipped questionnaire's
// screening and questions, a scale question of a made-up version, and the fingerprint of identical answers.
import { describe, expect, it } from 'vitest';
import { loadShippedQuestionnaires } from '../../src/surveys/load.ts';
import {
  answersFingerprint,
  checkQuestions,
  checkScreening,
  type FormBody,
} from '../../src/services/survey-answer-check.ts';
import { InvalidInput } from '../../src/errors.ts';
import type { Questionnaire } from '../../src/surveys/schema.ts';

const q = loadShippedQuestionnaires()[0]!.questionnaire;
const FULL = { Q1: 'know', Q2: 'none', Q3: ['lecture', 'cleanup'], Q4: 'fair', Q5: 'unsatisfied' };

/** The refusal's messages by question code. */
function refused(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInput);
    return (err as InvalidInput).fields;
  }
  throw new Error('not refused');
}

describe('screening', () => {
  it('passes 18–70 living here ≥ 6 months, fails under 18 or a newcomer', () => {
    expect(checkScreening(q, { S1: '18-40', S2: '6m-1y' })).toEqual({
      passed: true,
      answers: { S1: '18-40', S2: '6m-1y' },
    });
    expect(checkScreening(q, { S1: 'under18', S2: 'gt3y' }).passed).toBe(false);
    expect(checkScreening(q, { S1: '41-60', S2: 'lt6m' }).passed).toBe(false);
  });

  it('refuses an unanswered, a doubled and an option not offered', () => {
    expect(refused(() => checkScreening(q, { S1: ['18-40', '41-60'] }))).toEqual({
      S1: '只能选择一项',
      S2: '请选择一项',
    });
    expect(refused(() => checkScreening(q, { S1: '18-40', S2: '100y' }))).toEqual({
      S2: '所选的选项不在本题的选项中',
    });
  });
});

describe('questions', () => {
  it('keeps what was answered, multiple choices sorted, ignores fields not asked, trims text', () => {
    expect(checkQuestions(q, { ...FULL, Q6: '  多建公园 ', extra: 'x', _csrf: 'y' })).toEqual({
      ...FULL,
      Q3: ['cleanup', 'lecture'],
      Q6: '多建公园',
    });
    // the optional text question may be left out or blank
    expect(checkQuestions(q, { ...FULL, Q6: '   ' })).not.toHaveProperty('Q6');
  });

  it('refuses every problem at once, by question', () => {
    const body: FormBody = {
      Q1: ['know', 'heard'],
      Q3: ['cleanup', 'cleanup'],
      Q4: 'great',
      Q5: 'fair',
      Q6: '字'.repeat(10_000),
    };
    expect(refused(() => checkQuestions(q, body))).toEqual({
      Q1: '此题只能选择一项',
      Q2: '此题必须回答',
      Q3: '同一选项只能选择一次',
      Q4: '所选的选项不在本题的选项中',
      Q6: '内容太长：最多 500 个字',
    });
    // 500 characters (not bytes) are fine
    expect(checkQuestions(q, { ...FULL, Q6: '字'.repeat(500) }).Q6).toHaveLength(500);
  });

  it('refuses 都没有参加过 ticked with an activity (an exclusive option), takes it alone', () => {
    expect(refused(() => checkQuestions(q, { ...FULL, Q3: ['nothing', 'volunteer'] }))).toEqual({
      Q3: '“都没有参加过”不能与其他选项同时选择',
    });
    expect(checkQuestions(q, { ...FULL, Q3: 'nothing' }).Q3).toEqual(['nothing']);
  });

  it('a scale takes an integer point in range', () => {
    const scaled: Questionnaire = {
      ...q,
      questions: [{ code: 'R1', text: '打分', kind: 'scale', required: true, scale: { min: 1, max: 5 } }],
    };
    expect(checkQuestions(scaled, { R1: '4' })).toEqual({ R1: '4' });
    for (const bad of ['0', '6', '2.5', 'four'])
      expect(refused(() => checkQuestions(scaled, { R1: bad }))).toEqual({
        R1: '请选择 1 到 5 之间的一个分值',
      });
  });
});

describe('fingerprint', () => {
  it('is the same for the same answers in any order, different otherwise', () => {
    const a = checkQuestions(q, FULL);
    const b = checkQuestions(q, {
      Q5: 'unsatisfied',
      Q4: 'fair',
      Q3: ['cleanup', 'lecture'],
      Q2: 'none',
      Q1: 'know',
    });
    expect(answersFingerprint(a)).toBe(answersFingerprint(b));
    expect(answersFingerprint(a)).not.toBe(answersFingerprint({ ...a, Q6: '有意见' }));
  });
});
