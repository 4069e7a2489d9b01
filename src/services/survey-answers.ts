/**
 * Collecting survey answers: a resident's own phone through the 社区's public link (扫码, one answer per
 * device, 社区 and round) and an interviewer's tablet (入户, one answer per household, no device rule).
 * The checks of what was answered are in survey-answer-check.ts; every answer is stored through
 * insertSurveyResponse and never edited afterwards.
 *
 * Flags (the answer does not count until the office clears it):
 * - fast: finished in fewer seconds than the version's `minSeconds`, counted from when the first form
 *   was shown (the web layer's signed form token carries that moment, not the client);
 * - burst: the same answers (fingerprint: sha256 of the stored answers, keys in order) seen at least
 *   BURST_COUNT times, counting this one, in the same 社区 and round within BURST_MINUTES minutes; the
 *   answers before the burst reached BURST_COUNT are left as they are.
 * A person screened out is stored too (screened_out, answers '{}'): on a phone the device is then done.
 */
import { nowMs } from '../util/clock.ts';
import { tallyCode } from '../scoring/survey.ts';
import { atomically, type Db } from '../db/connection.ts';
import { findRoundById, type RoundRow } from '../db/repos/rounds.ts';
import {
  countSameAnswersSince,
  deviceAnswered,
  insertSurveyResponse,
  interviewerAnswerCount,
  type SurveyChannel,
  type SurveyFlag,
} from '../db/repos/surveys.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { canOrReject, type Actor } from './access.ts';
import type { LoadedSurvey } from './questionnaires.ts';
import { publicSurvey, roundCommunityIds, roundSurvey } from './surveys.ts';
import {
  answersFingerprint,
  checkQuestions,
  checkScreening,
  type FormBody,
  type StoredAnswers,
} from './survey-answer-check.ts';

/** identical answers that make a burst, counting the one being stored */
export const BURST_COUNT = 3;
/** the window in which identical answers make a burst */
export const BURST_MINUTES = 10;

/** A device that already answered (or was screened out) asks again. */
export const ALREADY_DONE = '您已经参加过本社区本轮的问卷调查，感谢支持';
/** The round a form was shown for is no longer the one the link answers for. */
export const ROUND_OVER = '本轮调查已结束，感谢关注';
export const UNKNOWN_LINK = '找不到该问卷，请核对二维码或链接';

interface Origin {
  round: RoundRow;
  communityId: number;
  survey: LoadedSurvey;
  channel: SurveyChannel;
  deviceId: string | null;
  userId: number | null;
  /** when the first form was shown (ms since the epoch) */
  startedAt: number;
  addrHash: string | null;
}

/** Stores one answer (or a screened-out row) with its flags; null when the device already answered. */
function store(
  db: Db,
  o: Origin,
  screenedOut: boolean,
  answers: StoredAnswers,
  now = nowMs(),
): number | null {
  const seconds = Math.max(0, Math.floor((now - o.startedAt) / 1000));
  const fingerprint = screenedOut ? '' : answersFingerprint(answers);
  const submittedAt = new Date(now).toISOString();
  return atomically(db, () => {
    const flags: SurveyFlag[] = [];
    if (!screenedOut && seconds < o.survey.questionnaire.minSeconds) flags.push('fast');
    if (!screenedOut) {
      const since = new Date(now - BURST_MINUTES * 60_000).toISOString();
      if (countSameAnswersSince(db, o.round.id, o.communityId, fingerprint, since) + 1 >= BURST_COUNT)
        flags.push('burst');
    }
    return insertSurveyResponse(db, {
      roundId: o.round.id,
      communityId: o.communityId,
      questionnaireId: o.survey.id,
      channel: o.channel,
      deviceId: o.deviceId,
      userId: o.userId,
      startedAt: new Date(Math.min(o.startedAt, now)).toISOString(),
      submittedAt,
      seconds,
      screenedOut,
      answers: screenedOut ? {} : answers,
      fingerprint,
      flags,
      addrHash: o.addrHash,
      tally: screenedOut ? null : tallyCode(o.survey.scored, answers),
    });
  });
}

// ---------------------------------------------------------------- public (扫码)

/** Who is answering on a public page: the device's id and the keyed hash of the sender's address. */
export interface PublicVisitor {
  deviceId: string;
  addrHash: string | null;
}

/** What a signed form token says it was shown for. */
export interface PublicForm {
  roundId: number;
  communityId: number;
  startedAt: number;
}

/** What the public link shows this device now. */
export type PublicView =
  | { state: 'none'; communityName: string; closed: boolean }
  | { state: 'done'; communityName: string }
  | { state: 'open'; communityName: string; communityId: number; round: RoundRow; survey: LoadedSurvey };

/** The page of a public link for a device; 404 for an unknown token. */
export function publicView(db: Db, linkToken: string, deviceId: string | null): PublicView {
  const p = publicSurvey(db, linkToken);
  if (p.state === 'unknown') throw new NotFound(UNKNOWN_LINK);
  if (p.state === 'none') return { state: 'none', communityName: p.communityName, closed: !!p.lastClosed };
  if (deviceId && deviceAnswered(db, p.round.id, p.communityId, deviceId))
    return { state: 'done', communityName: p.communityName };
  return { ...p, state: 'open' };
}

/** The open survey a posted form belongs to: 404 unknown link, 409 when its round is over. */
function openFor(db: Db, linkToken: string, form: PublicForm, visitor: PublicVisitor) {
  const p = publicSurvey(db, linkToken);
  if (p.state === 'unknown') throw new NotFound(UNKNOWN_LINK);
  if (p.state !== 'open' || p.round.id !== form.roundId || p.communityId !== form.communityId)
    throw new Conflict(ROUND_OVER);
  if (deviceAnswered(db, p.round.id, p.communityId, visitor.deviceId)) throw new Conflict(ALREADY_DONE);
  return p;
}

const publicOrigin = (
  p: { round: RoundRow; communityId: number; survey: LoadedSurvey },
  form: PublicForm,
  visitor: PublicVisitor,
): Origin => ({
  round: p.round,
  communityId: p.communityId,
  survey: p.survey,
  channel: 'public',
  deviceId: visitor.deviceId,
  userId: null,
  startedAt: form.startedAt,
  addrHash: visitor.addrHash,
});

/**
 * Step 1 posted: the screening answers. Failed: a screened-out row is stored and the device is done.
 * Passed: nothing is stored yet; the answers go on (signed) into the questions form.
 */
export function publicScreen(
  db: Db,
  linkToken: string,
  form: PublicForm,
  visitor: PublicVisitor,
  body: FormBody,
): { passed: boolean; screening: Record<string, string>; survey: LoadedSurvey; communityName: string } {
  const p = openFor(db, linkToken, form, visitor);
  const { passed, answers } = checkScreening(p.survey.questionnaire, body);
  if (!passed && store(db, publicOrigin(p, form, visitor), true, {}) === null)
    throw new Conflict(ALREADY_DONE);
  return { passed, screening: answers, survey: p.survey, communityName: p.communityName };
}

/** Step 2 posted: the questions. Stored with the screening answers; returns the answer's id. */
export function publicAnswer(
  db: Db,
  linkToken: string,
  form: PublicForm & { screening: Record<string, string> },
  visitor: PublicVisitor,
  body: FormBody,
): number {
  const p = openFor(db, linkToken, form, visitor);
  const screening = checkScreening(p.survey.questionnaire, form.screening);
  if (!screening.passed) throw new InvalidInput('页面已过期，请重新扫码打开问卷');
  const answers = checkQuestions(p.survey.questionnaire, body);
  const id = store(db, publicOrigin(p, form, visitor), false, { ...screening.answers, ...answers });
  if (id === null) throw new Conflict(ALREADY_DONE);
  return id;
}

// ---------------------------------------------------------------- interviewers (入户)

/** A 社区's survey an interviewer answers for: 404 unknown, 403 not assigned, 409 round not open. */
export function interviewTarget(
  db: Db,
  actor: Actor,
  roundId: number,
  communityId: number,
): { round: RoundRow; survey: LoadedSurvey } {
  const round = findRoundById(db, roundId);
  const survey = round ? roundSurvey(db, round) : null;
  if (!round || !survey || !roundCommunityIds(db, round).has(communityId))
    throw new NotFound('找不到该社区的问卷调查');
  canOrReject(db, actor, 'survey.interview', { round, communityId });
  if (round.status !== 'open') throw new Conflict('该轮次不在进行中，不能录入入户答卷');
  return { round, survey };
}

/**
 * One household's answer: screening and questions from one form. Screened out: recorded and not
 * counted. `beforeStore` runs once the answers passed every check (the web layer spends the form's
 * token there: a replayed form is refused). Returns how many interviewer answers (not screened out)
 * the 社区 has in the round now.
 */
export function recordInterview(
  db: Db,
  actor: Actor & { id: number | null },
  roundId: number,
  communityId: number,
  startedAt: number,
  body: FormBody,
  beforeStore: () => void = () => {},
): { screenedOut: boolean; n: number } {
  const { round, survey } = interviewTarget(db, actor, roundId, communityId);
  const q = survey.questionnaire;
  const screening = checkScreening(q, body);
  const answers = screening.passed ? checkQuestions(q, body) : {};
  beforeStore();
  store(
    db,
    {
      round,
      communityId,
      survey,
      channel: 'interviewer',
      deviceId: null,
      userId: actor.id,
      startedAt,
      addrHash: null,
    },
    !screening.passed,
    { ...screening.answers, ...answers },
  );
  return { screenedOut: !screening.passed, n: interviewerAnswerCount(db, round.id, communityId) };
}
