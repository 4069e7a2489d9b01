/**
 * What the interviewer's (入户) pages show, loaded once per request: the 社区 an inspector interviews in
 * open rounds with their valid answers so far against the target, and one 社区's form.
 */
import type { Db } from '../db/connection.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { findRoundById, type RoundRow } from '../db/repos/rounds.ts';
import { interviewerAnswerCount, interviewsOf, surveyCounts, surveyTargets } from '../db/repos/surveys.ts';
import type { Questionnaire } from '../surveys/schema.ts';
import type { Actor } from './access.ts';
import { interviewTarget } from './survey-answers.ts';
import { roundCommunityIds, roundSurvey } from './surveys.ts';

export interface InterviewCommunity {
  id: number;
  name: string;
  streetName: string;
  /** valid answers of the 社区 so far, both channels */
  valid: number;
  target: number;
  /** answers this 社区's interviewers have recorded (not screened out) */
  interviewer: number;
}

export interface InterviewRound {
  round: RoundRow;
  communities: InterviewCommunity[];
}

/** The open rounds in which the actor interviews, each with its 社区 (none for anyone not assigned). */
export function interviewsPage(db: Db, actor: Actor): InterviewRound[] {
  if (actor.role !== 'inspector' || actor.id === null) return [];
  const byRound = new Map<number, number[]>();
  for (const a of interviewsOf(db, actor.id))
    byRound.set(a.round_id, [...(byRound.get(a.round_id) ?? []), a.community_id]);
  const communities = new Map(listCommunities(db).map((c) => [c.id, c]));
  const streets = new Map(listStreets(db).map((s) => [s.id, s.name]));
  const out: InterviewRound[] = [];
  for (const [roundId, ids] of byRound) {
    const round = findRoundById(db, roundId);
    const survey = round ? roundSurvey(db, round) : null;
    if (!round || round.status !== 'open' || !survey) continue;
    const inRound = roundCommunityIds(db, round);
    const counts = surveyCounts(db, roundId);
    const targets = surveyTargets(db, roundId);
    out.push({
      round,
      communities: ids
        .filter((id) => inRound.has(id) && communities.has(id))
        .map((id) => {
          const c = communities.get(id)!;
          return {
            id,
            name: c.name,
            streetName: streets.get(c.street_id) ?? '',
            valid: counts.get(id)?.valid ?? 0,
            target: targets.get(id) ?? survey.questionnaire.targetPerCommunity,
            interviewer: interviewerAnswerCount(db, roundId, id),
          };
        }),
    });
  }
  return out;
}

/** How many 社区 the actor interviews in open rounds (the inspector's home page links to them). */
export function interviewCount(db: Db, actor: Actor): number {
  return interviewsPage(db, actor).reduce((n, r) => n + r.communities.length, 0);
}

export interface InterviewForm {
  round: RoundRow;
  communityId: number;
  communityName: string;
  questionnaire: Questionnaire;
  /** interviewer answers recorded for the 社区 so far */
  recorded: number;
}

/** One 社区's 入户 form: 404 unknown, 403 not assigned, 409 round not open. */
export function interviewForm(db: Db, actor: Actor, roundId: number, communityId: number): InterviewForm {
  const { round, survey } = interviewTarget(db, actor, roundId, communityId);
  return {
    round,
    communityId,
    communityName: listCommunities(db).find((c) => c.id === communityId)?.name ?? '',
    questionnaire: survey.questionnaire,
    recorded: interviewerAnswerCount(db, round.id, communityId),
  };
}
