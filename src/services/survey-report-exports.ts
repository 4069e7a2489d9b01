/**
 * What the two survey workbooks hold, loaded for the office (the same refusals as the results page,
 * survey-report.ts): every answer of the round, read in pages of ids so a round of 30,000 answers never
 * sits in memory at once (answers.xlsx), and the results page's figures with each option's count per
 * question, per 社区, 镇街 and the district, from the valid answers (summary.xlsx).
 */
import { listCommunities, listStreets } from '../db/repos/places.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { surveyResponsesAfter, validSurveyAnswers, type SurveyResponseRow } from '../db/repos/surveys.ts';
import type { Actor } from './access.ts';
import type { LoadedSurvey } from './questionnaires.ts';
import { openSurveyRound, surveyReport, type SurveyReport, type SurveyReportCtx } from './survey-report.ts';

export interface AnswersExport {
  round: RoundRow;
  survey: LoadedSurvey;
  /** every 社区 by id (an answer keeps its 社区 even if it left the round's places since) */
  places: Map<number, { name: string; streetName: string }>;
  /** the next answers after an id, oldest first; empty when done */
  page(afterId: number): SurveyResponseRow[];
}

const PAGE = 1000;

export function surveyAnswersExport(ctx: SurveyReportCtx, actor: Actor, roundId: number): AnswersExport {
  const { round, results } = openSurveyRound(ctx, actor, roundId);
  const streets = new Map(listStreets(ctx.db).map((s) => [s.id, s.name]));
  const places = new Map(
    listCommunities(ctx.db).map((c) => [c.id, { name: c.name, streetName: streets.get(c.street_id) ?? '' }]),
  );
  return {
    round,
    survey: results.survey,
    places,
    page: (afterId) => surveyResponsesAfter(ctx.db, round.id, afterId, PAGE),
  };
}

/** Option code → how many valid answers chose it, per question code. */
export type OptionCounts = Map<string, Map<string, number>>;

export interface SummaryExport {
  report: SurveyReport;
  options: {
    communities: Map<number, OptionCounts>;
    streets: Map<number, OptionCounts>;
    district: OptionCounts;
  };
}

function add(into: OptionCounts, question: string, option: string, n = 1): void {
  let q = into.get(question);
  if (!q) into.set(question, (q = new Map()));
  q.set(option, (q.get(option) ?? 0) + n);
}

function addAll(into: OptionCounts, from: OptionCounts): void {
  for (const [question, options] of from) for (const [option, n] of options) add(into, question, option, n);
}

export function surveySummaryExport(ctx: SurveyReportCtx, actor: Actor, roundId: number): SummaryExport {
  const report = surveyReport(ctx, actor, roundId);
  const questions = report.survey.questionnaire.questions.filter((q) => q.kind !== 'text');
  const communities = new Map<number, OptionCounts>(report.communities.map((c) => [c.id, new Map()]));
  for (const row of validSurveyAnswers(ctx.db, report.round.id)) {
    const counts = communities.get(row.community_id);
    if (!counts) continue;
    const answers = JSON.parse(row.answers) as Record<string, unknown>;
    for (const q of questions) {
      const given = answers[q.code];
      for (const option of Array.isArray(given)
        ? given
        : given === undefined || given === null
          ? []
          : [given])
        add(counts, q.code, String(option));
    }
  }
  const streets = new Map<number, OptionCounts>();
  const district: OptionCounts = new Map();
  for (const c of report.communities) {
    let street = streets.get(c.streetId);
    if (!street) streets.set(c.streetId, (street = new Map()));
    addAll(street, communities.get(c.id)!);
    addAll(district, communities.get(c.id)!);
  }
  return { report, options: { communities, streets, district } };
}
