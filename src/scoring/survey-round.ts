/**
 * A round's survey figures per 社区, 镇街 and the district — pure, built on survey.ts. Each 社区 is
 * scored from its own valid answers; a 镇街's and the district's tallies pool their 社区' (every answer
 * weighs the same) and their survey standards are scored from the pooled rates, with the same minimum
 * sample rule on the pooled count.
 *
 * Rates the questionnaire names (知晓率, 参与率, 满意度 …): the mean of their questions' rates (questions
 * with no answers left out). Their 95 % margin: a one-question rate takes its question's (Wilson for a
 * share, mean ± 1.96·s/√n for a valued question); a rate over several questions takes mean ± 1.96·s/√n
 * of each answer's own mean over those questions, centred on the rate.
 */
import {
  addAnswers,
  meanInterval,
  poolTallies,
  questionFigures,
  scoreSurveyStandard,
  emptyTally,
  type Interval,
  type QuestionFigures,
  type SampleRule,
  type SurveyAnswer,
  type SurveyQuestion,
  type SurveyStandard,
  type SurveyStandardScore,
  type SurveyTally,
} from './survey.ts';

export interface RateGroup {
  name: string;
  questionCodes: readonly string[];
}

export interface RateFigures {
  name: string;
  rate: number | null;
  /** answers that answered at least one of its questions */
  n: number;
  interval: Interval | null;
}

export interface SurveyArea {
  /** valid answers */
  answers: number;
  /** fewer valid answers than the questionnaire's minimum */
  insufficient: boolean;
  questions: Map<string, QuestionFigures>;
  rates: RateFigures[];
  standards: Map<string, SurveyStandardScore>;
  /** Σ earned and Σ possible over the survey standards */
  earned: number;
  possible: number;
}

export interface SurveyRoundInput {
  questions: readonly SurveyQuestion[];
  rates: readonly RateGroup[];
  standards: readonly SurveyStandard[];
  sample: SampleRule;
  /** every 社区 of the round's survey, with its 镇街 */
  communities: readonly { id: number; streetId: number }[];
  /** valid answers by 社区 */
  answers: ReadonlyMap<number, readonly SurveyAnswer[]>;
}

export interface SurveyRound {
  communities: Map<number, SurveyArea>;
  streets: Map<number, SurveyArea>;
  district: SurveyArea;
}

const GROUP = (name: string) => `rate:${name}`;

function area(input: Omit<SurveyRoundInput, 'answers'>, tally: SurveyTally): SurveyArea {
  const questions = new Map<string, QuestionFigures>();
  for (const q of input.questions) questions.set(q.code, questionFigures(q, tally));
  const rates: RateFigures[] = input.rates.map((g) => {
    const figures = g.questionCodes.map((c) => questions.get(c)).filter((f): f is QuestionFigures => !!f);
    const rated = figures.filter((f) => f.rate !== null);
    const rate = rated.length ? rated.reduce((s, f) => s + f.rate!, 0) / rated.length : null;
    if (g.questionCodes.length < 2) {
      const f = figures[0];
      return { name: g.name, rate, n: f?.n ?? 0, interval: f?.interval ?? null };
    }
    const t = tally.questions.get(GROUP(g.name)) ?? { n: 0, sum: 0, sumSq: 0 };
    const spread = meanInterval(t);
    const interval =
      spread && rate !== null
        ? {
            low: Math.max(0, rate - (spread.high - spread.low) / 2),
            high: Math.min(1, rate + (spread.high - spread.low) / 2),
          }
        : null;
    return { name: g.name, rate, n: t.n, interval };
  });
  const standards = new Map<string, SurveyStandardScore>();
  let earned = 0;
  let possible = 0;
  for (const s of input.standards) {
    const score = scoreSurveyStandard(s, tally, input.sample);
    standards.set(s.code, score);
    earned += score.earned;
    possible += score.possible;
  }
  return {
    answers: tally.answers,
    insufficient: tally.answers < input.sample.minValid,
    questions,
    rates,
    standards,
    earned: Math.round(earned * 10000) / 10000,
    possible,
  };
}

/** Every 社区's figures, each 镇街's and the district's pooled ones. */
export function computeSurveyRound(input: SurveyRoundInput): SurveyRound {
  const tallies = new Map<number, SurveyTally>();
  for (const c of input.communities)
    tallies.set(c.id, addAnswers(emptyTally(), input.questions, input.answers.get(c.id) ?? [], input.rates));
  return surveyRoundFromTallies(input, tallies);
}

/**
 * The same from each 社区's tally, made as its answers are read (services/survey-results.ts tallies a
 * 社区 at a time, so a round's answers are never all in memory at once). A 社区 without a tally has no
 * answers.
 */
export function surveyRoundFromTallies(
  input: Omit<SurveyRoundInput, 'answers'>,
  tallies: ReadonlyMap<number, SurveyTally>,
): SurveyRound {
  const own = new Map<number, SurveyTally>();
  const byStreet = new Map<number, SurveyTally[]>();
  for (const c of input.communities) {
    const t = tallies.get(c.id) ?? emptyTally();
    own.set(c.id, t);
    const list = byStreet.get(c.streetId) ?? [];
    list.push(t);
    byStreet.set(c.streetId, list);
  }
  const communities = new Map<number, SurveyArea>();
  for (const [id, t] of own) communities.set(id, area(input, t));
  const streets = new Map<number, SurveyArea>();
  for (const [id, list] of byStreet) streets.set(id, area(input, poolTallies(list)));
  return { communities, streets, district: area(input, poolTallies(own.values())) };
}
