/**
 * 问卷调查 in a round: which 社区 take part, the questionnaire the round froze, each 社区's sample target
 * and link, and which round a public link answers for now. Collecting answers (public and 入户) is in
 * survey-answers.ts, the office's pages in survey-admin.ts, the figures in survey-results.ts.
 *
 * The 社区 of a survey are the round's 社区 (roundPlaces: those with sites in a field round, every active
 * 社区 otherwise), read live like the document tasks' places.
 */
import { now } from '../util/clock.ts';
import type { Db } from '../db/connection.ts';
import { findCommunityById, listCommunities, listStreets, placesGeneration } from '../db/repos/places.ts';
import { findRoundById, type RoundRow } from '../db/repos/rounds.ts';
import {
  communityOfToken,
  purgeAddressHashes,
  setRoundQuestionnaire,
  surveyLinkToken,
  surveyTargets,
} from '../db/repos/surveys.ts';
import { Conflict } from '../errors.ts';
import type { IndexedCriteria } from '../criteria/load.ts';
import { roundHasMethod, roundPlaces } from './document-tasks.ts';
import {
  loadedSurvey,
  questionnaireForVersion,
  surveyStandardsOf,
  type LoadedSurvey,
} from './questionnaires.ts';

/** Why a version cannot run a survey, or null when it can (the new-round form says it). */
export function surveyUnavailable(
  db: Db,
  criteriaVersionId: number,
  version: IndexedCriteria,
): string | null {
  if (!surveyStandardsOf(version).length) return '所选测评体系版本没有问卷调查标准，不能组织问卷调查';
  if (!questionnaireForVersion(db, criteriaVersionId))
    return '所选测评体系版本还没有调查问卷（criteria/questionnaires/ 中没有与之关联的问卷），不能组织问卷调查';
  return null;
}

/**
 * Freezes the questionnaire of a round with 问卷调查 as it opens (call inside the transaction that opens
 * it): the newest version loaded for the round's criteria version. Returns its id (null without surveys).
 */
export function freezeQuestionnaire(db: Db, round: RoundRow): number | null {
  if (!roundHasMethod(round, 'survey')) return null;
  if (round.questionnaire_id !== null) return round.questionnaire_id;
  const survey = questionnaireForVersion(db, round.criteria_version_id);
  if (!survey) throw new Conflict('该轮次包含问卷调查，但其测评体系版本没有调查问卷，不能开启');
  setRoundQuestionnaire(db, round.id, survey.id);
  return survey.id;
}

/** The questionnaire a round froze, or null (no survey, or not opened yet). */
export function roundSurvey(db: Db, round: RoundRow): LoadedSurvey | null {
  if (!roundHasMethod(round, 'survey') || !round.questionnaire_id) return null;
  return loadedSurvey(db, round.questionnaire_id);
}

export interface SurveyCommunity {
  id: number;
  name: string;
  streetId: number;
  streetName: string;
  /** the sample target: the office's for this round, else the questionnaire's default */
  target: number;
  /** the public link's token (the same in every round) */
  token: string;
}

/**
 * The 社区 of a round's survey with their targets and link tokens, in 镇街 then 社区 order. Makes a
 * link token for a 社区 that has none yet (a write: call it where a write is fine, not inside a read-only
 * report loop that must not change anything — it is idempotent).
 */
export function surveyCommunities(db: Db, round: RoundRow, survey: LoadedSurvey | null): SurveyCommunity[] {
  const places = roundPlaces(db, round);
  const ids = new Set(places.communities.map((c) => c.id));
  const streets = new Map(listStreets(db).map((s) => [s.id, s]));
  const targets = surveyTargets(db, round.id);
  const fallback = survey?.questionnaire.targetPerCommunity ?? 0;
  return listCommunities(db)
    .filter((c) => ids.has(c.id))
    .map((c) => ({
      id: c.id,
      name: c.name,
      streetId: c.street_id,
      streetName: streets.get(c.street_id)?.name ?? '',
      target: targets.get(c.id) ?? fallback,
      token: surveyLinkToken(db, c.id),
    }))
    .sort((a, b) => a.streetId - b.streetId || a.id - b.id);
}

/**
 * The ids of a round's survey 社区, kept per round while the places and the round's sites stay as they
 * are (the public page asks for them on every visit).
 */
const communitySets = new WeakMap<Db, Map<number, { key: string; ids: Set<number> }>>();

export function roundCommunityIds(db: Db, round: RoundRow): Set<number> {
  const sites = db
    .prepare('SELECT count(*) AS n FROM round_sites WHERE round_id = ? AND excluded_reason IS NULL')
    .get(round.id) as { n: number };
  const key = `${placesGeneration(db)}:${round.methods}:${sites.n}`;
  let byRound = communitySets.get(db);
  if (!byRound) communitySets.set(db, (byRound = new Map()));
  const hit = byRound.get(round.id);
  if (hit && hit.key === key) return hit.ids;
  const ids = new Set(roundPlaces(db, round).communities.map((c) => c.id));
  byRound.set(round.id, { key, ids });
  return ids;
}

/** What a public link leads to now. */
export type PublicSurvey =
  | { state: 'unknown' }
  | { state: 'none'; communityId: number; communityName: string; lastClosed: RoundRow | null }
  | { state: 'open'; communityId: number; communityName: string; round: RoundRow; survey: LoadedSurvey };

/**
 * The survey a 社区's link shows now: the open round with 问卷调查 that includes the 社区 (the most
 * recently opened when several are), or the last such round that closed ('none' with lastClosed), or
 * nothing. An unknown token is 'unknown' (the page answers 404).
 */
export function publicSurvey(db: Db, token: string): PublicSurvey {
  const communityId = communityOfToken(db, token);
  if (communityId === undefined) return { state: 'unknown' };
  const communityName = findCommunityById(db, communityId)?.name ?? '';
  const rounds = db
    .prepare(
      `SELECT id FROM rounds WHERE questionnaire_id IS NOT NULL AND status <> 'draft'
       ORDER BY (status = 'open') DESC, coalesce(opened_at, created_at) DESC, id DESC`,
    )
    .all() as { id: number }[];
  let lastClosed: RoundRow | null = null;
  for (const { id } of rounds) {
    const round = findRoundById(db, id)!;
    // open rounds come first: once one closed round of the 社区 is found, nothing later is open
    if (lastClosed && round.status !== 'open') break;
    if (!roundHasMethod(round, 'survey')) continue;
    if (!roundCommunityIds(db, round).has(communityId)) continue;
    if (round.status === 'open')
      return {
        state: 'open',
        communityId,
        communityName,
        round,
        survey: loadedSurvey(db, round.questionnaire_id!),
      };
    lastClosed ??= round;
  }
  return { state: 'none', communityId, communityName, lastClosed };
}

/** Forgets the address hashes of answers older than the abuse window (PUBLIC_ABUSE_DAYS); returns how many. */
export function forgetOldAddresses(db: Db, days: number, at: Date = now()): number {
  return purgeAddressHashes(db, new Date(at.getTime() - days * 86_400_000).toISOString());
}
