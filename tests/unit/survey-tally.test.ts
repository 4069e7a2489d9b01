// Scoring reads each answer's tally code (stored with it) instead of its JSON. The code must say exactly
// what the JSON says: checked on every answer of the demo's 综合测评 round, and the round's figures from
// the stored codes equal those computed from the answers' JSON by addAnswers.
import { describe, expect, it } from 'vitest';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { CriteriaCache } from '../../src/services/criteria-registry.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { roundSurvey } from '../../src/services/surveys.ts';
import { scoredStandards } from '../../src/services/questionnaires.ts';
import { clearSurveyCache, surveyResults } from '../../src/services/survey-results.ts';
import { roundPlaces } from '../../src/services/document-tasks.ts';
import { computeSurveyRound } from '../../src/scoring/survey-round.ts';
import {
  addTallyCodes,
  emptyTally,
  tallyCode,
  type SurveyAnswer,
  type SurveyQuestion,
} from '../../src/scoring/survey.ts';
import { DEMO_TASKS_ROUND_NAME } from '../../src/services/demo-tasks.ts';

const world = useDemoWorld();

describe('tally codes', () => {
  const questions: SurveyQuestion[] = [
    { code: 'K', knows: ['a', 'b'] },
    { code: 'M', knows: ['x', 'y'] },
    { code: 'V', values: { good: 100, fair: 80, bad: 0 } },
  ];

  it('write each scored value as its index, “-” when the answer is left out of that question', () => {
    // K: 'b' counts (1), M: nothing that counts (0), V: fair = 0.8 → index 1 of [0, 0.8, 1]
    expect(tallyCode(questions, { K: 'b', M: ['z'], V: 'fair' })).toBe('101');
    // K: an option that does not count (0); M: skipped; V: an option without a value is left out
    expect(tallyCode(questions, { K: 'c', V: 'odd' })).toBe('0--');
    const t = addTallyCodes(
      emptyTally(),
      questions,
      ['101', '0--', '112'],
      [{ name: '知晓率', questionCodes: ['K', 'M'] }],
    );
    expect(t.answers).toBe(3);
    expect(t.questions.get('K')).toEqual({ n: 3, sum: 2, sumSq: 2 });
    expect(t.questions.get('M')).toEqual({ n: 2, sum: 1, sumSq: 1 });
    expect(t.questions.get('V')).toMatchObject({ n: 2, sum: 1.8 });
    expect(t.questions.get('V')!.sumSq).toBeCloseTo(1.64, 12); // 0.8² + 1²
    // each answer's mean over K and M: (1 + 0)/2, 0 (M left out), (1 + 1)/2
    expect(t.questions.get('rate:知晓率')).toEqual({ n: 3, sum: 1.5, sumSq: 1.25 });
  });

  it('match the JSON on every demo answer, and give the same figures', () => {
    const db = world.db;
    const id = db
      .prepare('SELECT id FROM rounds WHERE name = ?')
      .pluck()
      .get(DEMO_TASKS_ROUND_NAME) as number;
    const round = findRoundById(db, id)!;
    const survey = roundSurvey(db, round)!;
    const rows = db
      .prepare(
        'SELECT community_id, tally, answers FROM survey_responses WHERE round_id = ? AND screened_out = 0',
      )
      .all(id) as { community_id: number; tally: string | null; answers: string }[];
    expect(rows.length).toBeGreaterThan(500);
    for (const r of rows)
      expect(r.tally).toBe(tallyCode(survey.scored, JSON.parse(r.answers) as SurveyAnswer));

    const criteria = new CriteriaCache(db);
    clearSurveyCache(db);
    const fromCodes = surveyResults(db, criteria, round)!.figures;
    const valid = db
      .prepare(
        `SELECT community_id, answers FROM survey_responses WHERE round_id = ? AND screened_out = 0
           AND voided_at IS NULL AND (flags = '' OR cleared_at IS NOT NULL)`,
      )
      .all(id) as { community_id: number; answers: string }[];
    const answers = new Map<number, SurveyAnswer[]>();
    for (const v of valid)
      answers.set(v.community_id, [...(answers.get(v.community_id) ?? []), JSON.parse(v.answers)]);
    const q = survey.questionnaire;
    const fromJson = computeSurveyRound({
      questions: survey.scored,
      rates: survey.rates,
      standards: scoredStandards(criteria.get(round.criteria_version_id), survey),
      sample: { minValid: q.minValid, belowMinimum: q.belowMinimum },
      communities: roundPlaces(db, round).communities,
      answers,
    });
    expect(fromCodes.district.answers).toBe(valid.length);
    expect(fromCodes).toEqual(fromJson);
  });
});
