/**
 * A round's survey figures (scoring/survey-round.ts) from its valid answers in the database: per 社区,
 * 镇街 and the district. Computed from the answers, never stored; kept in memory per round under a key
 * that changes whenever they may (the answers' fingerprint: every insert, clear and void; the places).
 * The totals over every method (results.ts) and the survey pages read them here.
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { placesGeneration } from '../db/repos/places.ts';
import { validSurveyTallies, surveyFingerprint } from '../db/repos/surveys.ts';
import { surveyRoundFromTallies, type SurveyRound } from '../scoring/survey-round.ts';
import {
  addTallyCodes,
  emptyTally,
  tallyCode,
  type SurveyAnswer,
  type SurveyTally,
} from '../scoring/survey.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { roundPlaces } from './document-tasks.ts';
import { scoredStandards, type LoadedSurvey } from './questionnaires.ts';
import { roundSurvey } from './surveys.ts';

export interface RoundSurveyResults {
  survey: LoadedSurvey;
  /** the round's survey 社区 and their 镇街 */
  communities: { id: number; streetId: number }[];
  figures: SurveyRound;
}

const caches = new WeakMap<Db, Map<number, { key: string; results: RoundSurveyResults }>>();

/** The part of the results cache key that survey answers add (results.ts keys the totals with it). */
export function surveyKey(db: Db, round: RoundRow): string {
  return `${round.questionnaire_id ?? '-'}:${surveyFingerprint(db, round.id)}`;
}

/** The round's survey figures, or null when the round has no survey (or has not opened). */
export function surveyResults(db: Db, criteria: CriteriaCache, round: RoundRow): RoundSurveyResults | null {
  const survey = roundSurvey(db, round);
  if (!survey) return null;
  const key = `${placesGeneration(db)}|${surveyKey(db, round)}|${round.methods}`;
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(round.id);
  if (hit && hit.key === key) return hit.results;
  const results = computeResults(db, criteria, round, survey);
  cache.set(round.id, { key, results });
  if (cache.size > 16) cache.delete(cache.keys().next().value!);
  return results;
}

/** Forget every cached survey result (the benchmark measures computing from the answers). */
export function clearSurveyCache(db: Db): void {
  caches.delete(db);
}

function computeResults(
  db: Db,
  criteria: CriteriaCache,
  round: RoundRow,
  survey: LoadedSurvey,
): RoundSurveyResults {
  const version = criteria.get(round.criteria_version_id);
  const communities = roundPlaces(db, round).communities;
  const taking = new Set(communities.map((c) => c.id));
  const q = survey.questionnaire;
  const tallies = new Map<number, SurveyTally>();
  // a 社区 at a time (rows come in 社区 order): each answer's tally code (stored with it, or made from its
  // JSON when none was), tallied and dropped
  let current = -1;
  let codes: string[] = [];
  const flush = () => {
    if (codes.length && taking.has(current))
      tallies.set(current, addTallyCodes(emptyTally(), survey.scored, codes, survey.rates));
    codes = [];
  };
  for (const [communityId, tally, answers] of validSurveyTallies(db, round.id)) {
    if (communityId !== current) {
      flush();
      current = communityId;
    }
    codes.push(tally ?? tallyCode(survey.scored, JSON.parse(answers!) as SurveyAnswer));
  }
  flush();
  const figures = surveyRoundFromTallies(
    {
      questions: survey.scored,
      rates: survey.rates,
      standards: scoredStandards(version, survey),
      sample: { minValid: q.minValid, belowMinimum: q.belowMinimum },
      communities,
    },
    tallies,
  );
  return { survey, communities, figures };
}
