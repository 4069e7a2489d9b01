/**
 * What the office's survey results page shows (/rounds/<id>/surveys/results), loaded once per request:
 * the round's figures (survey-results.ts) per 社区, 镇街 and the district, each 社区's counts and sample
 * target, the 社区 furthest behind their target, and valid answers per day. The workbooks' data
 * (survey-report-exports.ts) opens the round the same way: 404 without a round or a survey, 403 for
 * anyone but the office, 409 while the round is a draft (no questionnaire frozen, no answers yet).
 */
import type { Db } from '../db/connection.ts';
import { findRoundById, type RoundRow } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { surveyCounts, surveyTargets, validAnswersPerDay, type SurveyCounts } from '../db/repos/surveys.ts';
import type { SurveyArea } from '../scoring/survey-round.ts';
import type { SurveyRule } from '../scoring/survey.ts';
import { Conflict, NotFound } from '../errors.ts';
import { canOrReject, type Actor } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { roundHasMethod } from './document-tasks.ts';
import type { LoadedSurvey } from './questionnaires.ts';
import { surveyResults, type RoundSurveyResults } from './survey-results.ts';

export interface SurveyReportCtx {
  db: Db;
  criteria: CriteriaCache;
}

/** A survey standard as the page names it: the criteria's text and points, the questionnaire's rule. */
export interface ReportStandard {
  code: string;
  text: string;
  points: number;
  rule: SurveyRule;
}

export interface ReportCommunity {
  id: number;
  name: string;
  streetId: number;
  streetName: string;
  /** the office's target for this round, else the questionnaire's default */
  target: number;
  counts: Omit<SurveyCounts, 'community_id'>;
  area: SurveyArea;
}

export interface ReportStreet {
  id: number;
  name: string;
  area: SurveyArea;
}

export interface SurveyReport {
  round: RoundRow;
  survey: LoadedSurvey;
  standards: ReportStandard[];
  district: SurveyArea;
  streets: ReportStreet[];
  /** in 镇街 then 社区 order */
  communities: ReportCommunity[];
  /** the 社区 below their target, furthest behind (smallest valid ÷ target) first */
  behind: ReportCommunity[];
  /** valid answers per day (Asia/Shanghai) over every 社区, with the running total */
  days: { day: string; n: number; cumulative: number }[];
}

const NO_COUNTS = { valid: 0, flagged: 0, voided: 0, screened: 0, interviewer: 0 };

/** The round with a survey that has opened, the office only: 404, 403, 404, 409 in that order. */
export function openSurveyRound(
  ctx: SurveyReportCtx,
  actor: Actor,
  roundId: number,
): { round: RoundRow; results: RoundSurveyResults } {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  canOrReject(ctx.db, actor, 'survey.results', round);
  if (!roundHasMethod(round, 'survey')) throw new NotFound('本轮没有问卷调查');
  const results = surveyResults(ctx.db, ctx.criteria, round);
  if (!results) throw new Conflict('本轮尚未开启，问卷调查还没有开始收集答卷');
  return { round, results };
}

/** The 社区 and 镇街 of the round's survey by name, with targets and counts. */
export function reportPlaces(
  db: Db,
  round: RoundRow,
  results: RoundSurveyResults,
): { communities: ReportCommunity[]; streets: ReportStreet[] } {
  const taking = new Set(results.communities.map((c) => c.id));
  const streetNames = new Map(listStreets(db).map((s) => [s.id, s.name]));
  const targets = surveyTargets(db, round.id);
  const counts = surveyCounts(db, round.id);
  const fallback = results.survey.questionnaire.targetPerCommunity;
  const { figures } = results;
  const communities = listCommunities(db)
    .filter((c) => taking.has(c.id))
    .map((c) => {
      const { community_id: _id, ...count } = counts.get(c.id) ?? { community_id: c.id, ...NO_COUNTS };
      return {
        id: c.id,
        name: c.name,
        streetId: c.street_id,
        streetName: streetNames.get(c.street_id) ?? '',
        target: targets.get(c.id) ?? fallback,
        counts: count,
        area: figures.communities.get(c.id)!,
      };
    })
    .sort((a, b) => a.streetId - b.streetId || a.id - b.id);
  const streets = [...figures.streets]
    .map(([id, area]) => ({ id, name: streetNames.get(id) ?? '', area }))
    .sort((a, b) => a.id - b.id);
  return { communities, streets };
}

export function surveyReport(ctx: SurveyReportCtx, actor: Actor, roundId: number): SurveyReport {
  const { round, results } = openSurveyRound(ctx, actor, roundId);
  const version = ctx.criteria.get(round.criteria_version_id);
  const rules = results.survey.questionnaire.standards;
  const standards = version.standards
    .filter((s) => s.method === 'survey')
    .map((s) => ({
      code: s.code,
      text: s.text,
      points: s.points,
      rule: rules[s.code] ?? { mode: 'proportional' as const },
    }));
  const { communities, streets } = reportPlaces(ctx.db, round, results);
  // valid answers count as the area's figures do: of the round's survey 社区 only
  const behind = communities
    .filter((c) => c.area.answers < c.target)
    .sort((a, b) => a.area.answers / a.target - b.area.answers / b.target || a.id - b.id);
  const taking = new Set(communities.map((c) => c.id));
  const perDay = new Map<string, number>();
  for (const r of validAnswersPerDay(ctx.db, round.id))
    if (taking.has(r.community_id)) perDay.set(r.day, (perDay.get(r.day) ?? 0) + r.n);
  let cumulative = 0;
  const days = [...perDay].map(([day, n]) => ({ day, n, cumulative: (cumulative += n) }));
  return {
    round,
    survey: results.survey,
    standards,
    district: results.figures.district,
    streets,
    communities,
    behind,
    days,
  };
}
