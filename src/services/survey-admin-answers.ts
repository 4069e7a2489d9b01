/**
 * The office's look at a round's survey answers: the list (by 社区, state and channel, 100 a page), one
 * answer with each question and the options chosen, and the only two changes an answer ever takes —
 * 核实有效 (a flagged answer is let count) and 作废 (taken out, with a reason). Both are audited, and
 * refused once the round's results are published.
 */
import { atomically, type Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { listCommunities } from '../db/repos/places.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import {
  clearSurveyResponse,
  findSurveyResponse,
  pageSurveyResponses,
  voidSurveyResponse,
  SURVEY_STATE_SQL,
  type SurveyChannel,
  type SurveyFlag,
  type SurveyResponseFilter,
  type SurveyResponseRow,
} from '../db/repos/surveys.ts';
import { listUsers } from '../db/repos/users.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import type { SurveyAnswerState } from '../labels.ts';
import { auditUserId, type Actor } from './access.ts';
import { loadedSurvey, type LoadedSurvey } from './questionnaires.ts';
import { managedSurvey } from './survey-admin.ts';
import { roundCommunityIds } from './surveys.ts';

export const ANSWERS_PER_PAGE = 100;
export const MAX_VOID_REASON = 200;

const STATES = Object.keys(SURVEY_STATE_SQL) as SurveyAnswerState[];
const CHANNELS: readonly SurveyChannel[] = ['public', 'interviewer'];

/** An answer's one state on the office's list. */
export function answerState(r: SurveyResponseRow): SurveyAnswerState {
  if (r.voided_at !== null) return 'voided';
  if (r.screened_out) return 'screened';
  if (r.flags === '') return 'valid';
  return r.cleared_at === null ? 'flagged' : 'cleared';
}

export interface AnswerLine {
  id: number;
  communityName: string;
  channel: SurveyChannel;
  /** the interviewer's name for an 入户 answer */
  interviewer: string | null;
  submittedAt: string;
  seconds: number;
  state: SurveyAnswerState;
  flags: SurveyFlag[];
}

export interface AnswersPage {
  round: RoundRow;
  filter: { communityId: number | null; state: SurveyAnswerState | null; channel: SurveyChannel | null };
  communities: { id: number; name: string }[];
  lines: AnswerLine[];
  total: number;
  page: number;
  pages: number;
}

const flagsOf = (r: SurveyResponseRow) => (r.flags ? (r.flags.split(',') as SurveyFlag[]) : []);

/** The query string as typed: '' for no filter; anything not offered is a 400 with the field. */
export interface AnswersQuery {
  community: string;
  state: string;
  channel: string;
  page: string;
}

/** GET /rounds/:id/surveys/answers. */
export function answersPage(db: Db, actor: Actor, roundId: number, q: AnswersQuery): AnswersPage {
  const { round } = managedSurvey(db, actor, roundId);
  const ids = roundCommunityIds(db, round);
  const communities = listCommunities(db)
    .filter((c) => ids.has(c.id))
    .map((c) => ({ id: c.id, name: c.name }));
  const filter: SurveyResponseFilter = { communityId: null, state: null, channel: null };
  if (q.community) {
    const id = /^\d{1,12}$/.test(q.community) ? Number(q.community) : NaN;
    if (!ids.has(id)) throw new InvalidInput('该社区不在本轮问卷调查范围内', { community: '社区无效' });
    filter.communityId = id;
  }
  if (q.state) {
    if (!(STATES as string[]).includes(q.state))
      throw new InvalidInput('状态筛选无效', { state: '状态无效' });
    filter.state = q.state as SurveyAnswerState;
  }
  if (q.channel) {
    if (!(CHANNELS as string[]).includes(q.channel))
      throw new InvalidInput('渠道筛选无效', { channel: '渠道无效' });
    filter.channel = q.channel as SurveyChannel;
  }
  const page = q.page ? (/^\d{1,6}$/.test(q.page) ? Number(q.page) : 0) : 1;
  if (page < 1) throw new InvalidInput('页码无效', { page: '页码无效' });
  const { rows, total } = pageSurveyResponses(
    db,
    round.id,
    filter,
    ANSWERS_PER_PAGE,
    (page - 1) * ANSWERS_PER_PAGE,
  );
  const names = new Map(communities.map((c) => [c.id, c.name]));
  const users = new Map(listUsers(db, 'inspector').map((u) => [u.id, u.display_name]));
  return {
    round,
    filter,
    communities,
    lines: rows.map((r) => ({
      id: r.id,
      communityName: names.get(r.community_id) ?? '',
      channel: r.channel,
      interviewer: r.user_id === null ? null : (users.get(r.user_id) ?? ''),
      submittedAt: r.submitted_at,
      seconds: r.seconds,
      state: answerState(r),
      flags: flagsOf(r),
    })),
    total,
    page,
    pages: Math.max(1, Math.ceil(total / ANSWERS_PER_PAGE)),
  };
}

export interface AnswerDetail {
  round: RoundRow;
  answer: SurveyResponseRow;
  communityName: string;
  state: SurveyAnswerState;
  flags: SurveyFlag[];
  /** every screening question and question, with the answer in words ('' when not answered) */
  items: { code: string; text: string; screening: boolean; answer: string[] }[];
  people: { interviewer: string | null; clearedBy: string | null; voidedBy: string | null };
  /** 核实有效 / 作废 may be offered */
  canClear: boolean;
  canVoid: boolean;
}

/** The answer given, in words: option labels, a scale point, or the text typed. */
function inWords(options: readonly { code: string; label: string }[] | undefined, value: unknown): string[] {
  const label = (v: unknown) => options?.find((o) => o.code === v)?.label ?? String(v);
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value.map(label) : [label(value)];
}

function items(survey: LoadedSurvey, answers: Record<string, unknown>): AnswerDetail['items'] {
  const q = survey.questionnaire;
  return [
    ...q.screening.map((s) => ({
      code: s.code,
      text: s.text,
      screening: true,
      answer: inWords(s.options, answers[s.code]),
    })),
    ...q.questions.map((x) => ({
      code: x.code,
      text: x.text,
      screening: false,
      answer: inWords(x.options, answers[x.code]),
    })),
  ];
}

/** An answer of the round, or 404 (an answer of another round is not this page's). */
function roundAnswer(db: Db, round: RoundRow, answerId: number): SurveyResponseRow {
  const answer = findSurveyResponse(db, answerId);
  if (!answer || answer.round_id !== round.id) throw new NotFound('找不到该问卷答案');
  return answer;
}

/** GET /rounds/:id/surveys/answers/:aid. */
export function answerDetail(db: Db, actor: Actor, roundId: number, answerId: number): AnswerDetail {
  const { round } = managedSurvey(db, actor, roundId);
  const answer = roundAnswer(db, round, answerId);
  const survey = loadedSurvey(db, answer.questionnaire_id);
  const names = new Map(listUsers(db).map((u) => [u.id, u.display_name]));
  const name = (id: number | null) => (id === null ? null : (names.get(id) ?? ''));
  const state = answerState(answer);
  const open = round.status !== 'published';
  return {
    round,
    answer,
    communityName: listCommunities(db).find((c) => c.id === answer.community_id)?.name ?? '',
    state,
    flags: flagsOf(answer),
    items: items(survey, JSON.parse(answer.answers) as Record<string, unknown>),
    people: {
      interviewer: name(answer.user_id),
      clearedBy: name(answer.cleared_by),
      voidedBy: name(answer.voided_by),
    },
    canClear: open && state === 'flagged',
    canVoid: open && state !== 'voided',
  };
}

/** Clearing and voiding change the results: refused once they are published (撤回发布 first). */
function requireUnpublished(round: RoundRow): void {
  if (round.status === 'published')
    throw new Conflict('本轮结果已发布，不能再核实或作废问卷答案（如需更正，请先撤回发布）');
}

/** POST …/answers/:aid/clear: a flagged answer is let count. 409 for one not waiting to be checked. */
export function clearAnswer(db: Db, actor: Actor, roundId: number, answerId: number): void {
  atomically(db, () => {
    const { round } = managedSurvey(db, actor, roundId);
    const answer = roundAnswer(db, round, answerId);
    requireUnpublished(round);
    if (answerState(answer) !== 'flagged' || !clearSurveyResponse(db, answer.id, auditUserId(actor)))
      throw new Conflict('只有待核实的答案可以核实有效');
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'survey.clear',
      entity: 'survey',
      entityId: answer.id,
      roundId: round.id,
      detail: { response: answer.id, community: answer.community_id, flags: answer.flags },
    });
  });
}

/** POST …/answers/:aid/void: taken out with a reason (required, ≤ 200 characters). 409 when already voided. */
export function voidAnswer(
  db: Db,
  actor: Actor,
  roundId: number,
  answerId: number,
  reasonTyped: string,
): void {
  atomically(db, () => {
    const { round } = managedSurvey(db, actor, roundId);
    const answer = roundAnswer(db, round, answerId);
    requireUnpublished(round);
    if (answer.voided_at !== null) throw new Conflict('该答案已作废');
    const reason = reasonTyped.trim();
    if (!reason) throw new InvalidInput('请填写作废原因', { reason: '请填写作废原因' });
    if (reason.length > MAX_VOID_REASON)
      throw new InvalidInput(`作废原因不能超过${MAX_VOID_REASON}个字`, {
        reason: `不能超过${MAX_VOID_REASON}个字`,
      });
    if (!voidSurveyResponse(db, answer.id, auditUserId(actor), reason)) throw new Conflict('该答案已作废');
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'survey.void',
      entity: 'survey',
      entityId: answer.id,
      roundId: round.id,
      detail: { response: answer.id, community: answer.community_id, reason },
    });
  });
}
