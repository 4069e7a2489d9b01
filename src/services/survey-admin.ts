/**
 * The office's survey pages of a round (/rounds/<id>/surveys): every 社区 with its public link, its
 * sample target and its answers so far, the interviewers (入户) assigned to it, and the posters. Targets
 * and interviewers are set while the round is a draft or open; a draft shows the questionnaire it would
 * freeze when it opens (the links are the same in every round, so its posters can be printed already).
 * The answers themselves (list, clear, void) are in survey-admin-answers.ts.
 */
import { atomically, type Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import {
  addSurveyInterviewer,
  removeSurveyInterviewer,
  setSurveyTarget,
  surveyCounts,
  surveyInterviewers,
  surveyTargets,
  type SurveyCounts,
} from '../db/repos/surveys.ts';
import { findUserById, listUsers } from '../db/repos/users.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';
import type { LoadedVersion } from './criteria-pages.ts';
import { roundHasMethod } from './document-tasks.ts';
import { questionnaireForVersion, type LoadedSurvey } from './questionnaires.ts';
import { requireRound } from './rounds.ts';
import { roundCommunityIds, roundSurvey, surveyCommunities, surveyUnavailable } from './surveys.ts';

/** The most a 社区's sample target may be. */
export const MAX_TARGET = 10000;

/**
 * A round whose survey the office manages: 404 unknown, 403 not the office, 409 without 问卷调查. The
 * questionnaire is the one it froze, or for a draft the one it would freeze (`frozen` false).
 */
export function managedSurvey(
  db: Db,
  actor: Actor,
  roundId: number,
): { round: RoundRow; survey: LoadedSurvey; frozen: boolean } {
  const round = requireRound(db, roundId);
  canOrReject(db, actor, 'survey.manage', round);
  if (!roundHasMethod(round, 'survey')) throw new Conflict('该轮次不包含问卷调查');
  const frozen = roundSurvey(db, round);
  if (frozen) return { round, survey: frozen, frozen: true };
  const next = round.status === 'draft' ? questionnaireForVersion(db, round.criteria_version_id) : undefined;
  if (!next) throw new Conflict('该轮次没有可用的调查问卷');
  return { round, survey: next, frozen: false };
}

/** Targets and interviewers change while the round is a draft or open. */
function requireSetUp(round: RoundRow, what: string): void {
  if (round.status !== 'draft' && round.status !== 'open')
    throw new Conflict(`轮次已结束，不能再修改${what}`);
}

export interface SurveyAdminCommunity {
  id: number;
  name: string;
  token: string;
  target: number;
  counts: SurveyCounts;
  interviewers: { id: number; name: string }[];
}

export interface SurveyAdminPage {
  round: RoundRow;
  survey: LoadedSurvey;
  frozen: boolean;
  /** targets and interviewers may change */
  editable: boolean;
  streets: { id: number; name: string; communities: SurveyAdminCommunity[] }[];
  totals: { communities: number; valid: number; target: number; below: number; flagged: number };
  /** active inspectors the office may assign */
  inspectors: { id: number; name: string }[];
}

const NO_COUNTS = (id: number): SurveyCounts => ({
  community_id: id,
  valid: 0,
  flagged: 0,
  voided: 0,
  screened: 0,
  interviewer: 0,
});

/** GET /rounds/:id/surveys. */
export function surveyAdminPage(db: Db, actor: Actor, roundId: number): SurveyAdminPage {
  const { round, survey, frozen } = managedSurvey(db, actor, roundId);
  const counts = surveyCounts(db, round.id);
  const names = new Map(listUsers(db).map((u) => [u.id, u.display_name]));
  const assigned = new Map<number, { id: number; name: string }[]>();
  for (const i of surveyInterviewers(db, round.id))
    assigned.set(i.community_id, [
      ...(assigned.get(i.community_id) ?? []),
      { id: i.user_id, name: names.get(i.user_id) ?? '' },
    ]);
  const streets: SurveyAdminPage['streets'] = [];
  const totals = { communities: 0, valid: 0, target: 0, below: 0, flagged: 0 };
  for (const c of surveyCommunities(db, round, survey)) {
    let street = streets.at(-1);
    if (street?.id !== c.streetId)
      streets.push((street = { id: c.streetId, name: c.streetName, communities: [] }));
    const n = counts.get(c.id) ?? NO_COUNTS(c.id);
    street.communities.push({
      id: c.id,
      name: c.name,
      token: c.token,
      target: c.target,
      counts: n,
      interviewers: assigned.get(c.id) ?? [],
    });
    totals.communities++;
    totals.valid += n.valid;
    totals.target += c.target;
    totals.flagged += n.flagged;
    if (n.valid < c.target) totals.below++;
  }
  const inspectors = listUsers(db, 'inspector')
    .filter((u) => u.active)
    .map((u) => ({ id: u.id, name: u.display_name }));
  const editable = round.status === 'draft' || round.status === 'open';
  return { round, survey, frozen, editable, streets, totals, inspectors };
}

/** The round page's 问卷调查 panel: no write, no link made (the survey page makes them). */
export interface SurveyPanel {
  communities: number;
  valid: number;
  below: number;
  flagged: number;
  /** the questionnaire's name; for a draft, the one it would freeze */
  questionnaire: string | null;
}

export function surveyPanel(db: Db, round: RoundRow): SurveyPanel {
  const survey =
    roundSurvey(db, round) ??
    (round.status === 'draft' ? questionnaireForVersion(db, round.criteria_version_id) : undefined) ??
    null;
  const ids = roundCommunityIds(db, round);
  const counts = surveyCounts(db, round.id);
  const targets = surveyTargets(db, round.id);
  const fallback = survey?.questionnaire.targetPerCommunity ?? 0;
  const panel = { communities: ids.size, valid: 0, below: 0, flagged: 0 };
  for (const id of ids) {
    const n = counts.get(id);
    panel.valid += n?.valid ?? 0;
    panel.flagged += n?.flagged ?? 0;
    if ((n?.valid ?? 0) < (targets.get(id) ?? fallback)) panel.below++;
  }
  return { ...panel, questionnaire: survey ? `${survey.row.name}（第 ${survey.row.version} 版）` : null };
}

/** The names of the versions a new round may run a survey with (the new-round form says them). */
export function surveyReadyVersions(db: Db, versions: readonly LoadedVersion[]): string[] {
  return versions.filter((v) => surveyUnavailable(db, v.row.id, v.criteria) === null).map((v) => v.row.name);
}

/**
 * POST /rounds/:id/surveys/targets: `targets` maps 社区 id → what was typed. Every value must be an
 * integer 1–10000 for a 社区 of the round; one bad value refuses them all (messages by field `t<id>`),
 * nothing changed. Returns how many targets changed (audited once, with each change).
 */
export function setSurveyTargets(
  db: Db,
  actor: Actor,
  roundId: number,
  targets: ReadonlyMap<number, string>,
): number {
  return atomically(db, () => {
    const { round, survey } = managedSurvey(db, actor, roundId);
    requireSetUp(round, '样本目标');
    if (!targets.size) throw new InvalidInput('没有填写样本目标', { targets: '请填写样本目标' });
    const current = new Map(surveyCommunities(db, round, survey).map((c) => [c.id, c.target]));
    const fields: Record<string, string> = {};
    const wanted = new Map<number, number>();
    for (const [id, typed] of targets) {
      const value = typed.trim();
      if (!current.has(id)) fields[`t${id}`] = '该社区不在本轮问卷调查范围内';
      else if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_TARGET)
        fields[`t${id}`] = `样本目标应为1到${MAX_TARGET}之间的整数`;
      else wanted.set(id, Number(value));
    }
    const bad = Object.keys(fields).length;
    if (bad) throw new InvalidInput(`有 ${bad} 个样本目标填写有误，均未保存`, fields);
    const changes: { community: number; from: number; to: number }[] = [];
    for (const [id, to] of wanted) {
      const from = current.get(id)!;
      if (from === to) continue;
      setSurveyTarget(db, round.id, id, to);
      changes.push({ community: id, from, to });
    }
    if (changes.length)
      appendAudit(db, {
        userId: auditUserId(actor),
        action: 'survey.target',
        entity: 'survey',
        entityId: round.id,
        roundId: round.id,
        detail: { changes },
      });
    return changes.length;
  });
}

/** A 社区 of the round's survey, or 404. */
function surveyCommunity(db: Db, round: RoundRow, communityId: number): void {
  if (!roundCommunityIds(db, round).has(communityId)) throw new NotFound('该社区不在本轮问卷调查范围内');
}

/** Adds or removes one interviewer; returns the inspector's name. */
type InterviewerChange = (
  db: Db,
  actor: Actor,
  roundId: number,
  communityId: number,
  userId: number,
) => string;

/**
 * Adds or removes an interviewer, audited: the round's survey is the office's and still being set up,
 * the 社区 is one of its own; `change` does it and returns the inspector's name.
 */
function changeInterviewer(
  db: Db,
  actor: Actor,
  t: { roundId: number; communityId: number; userId: number },
  action: 'survey.interviewer_add' | 'survey.interviewer_remove',
  change: (round: RoundRow) => string,
): string {
  return atomically(db, () => {
    const { round } = managedSurvey(db, actor, t.roundId);
    surveyCommunity(db, round, t.communityId);
    requireSetUp(round, '入户调查员');
    const name = change(round);
    appendAudit(db, {
      userId: auditUserId(actor),
      action,
      entity: 'survey',
      entityId: t.communityId,
      roundId: round.id,
      detail: { community: t.communityId, user: t.userId },
    });
    return name;
  });
}

/** POST /rounds/:id/surveys/:cid/interviewers: an active inspector account becomes the 社区's interviewer. */
export const addInterviewer: InterviewerChange = (db, actor, roundId, communityId, userId) => {
  const t = { roundId, communityId, userId };
  return changeInterviewer(db, actor, t, 'survey.interviewer_add', (round) => {
    const user = Number.isSafeInteger(t.userId) ? findUserById(db, t.userId) : undefined;
    if (!user) throw new InvalidInput('请选择测评员', { userId: '请选择测评员' });
    if (user.role !== 'inspector' || !user.active)
      throw new InvalidInput('只能分配在用的测评员账号', { userId: '只能分配在用的测评员账号' });
    if (!addSurveyInterviewer(db, round.id, t.communityId, user.id))
      throw new Conflict(`${user.display_name} 已是该社区的入户调查员`, { userId: '已分配' });
    return user.display_name;
  });
};

/** POST /rounds/:id/surveys/:cid/interviewers/:uid/remove. Answers already collected stay. */
export const removeInterviewer: InterviewerChange = (db, actor, roundId, communityId, userId) => {
  const t = { roundId, communityId, userId };
  return changeInterviewer(db, actor, t, 'survey.interviewer_remove', (round) => {
    if (!removeSurveyInterviewer(db, round.id, t.communityId, t.userId))
      throw new NotFound('该测评员不是本社区的入户调查员');
    return findUserById(db, t.userId)?.display_name ?? '';
  });
};

export interface Poster {
  communityName: string;
  streetName: string;
  url: string;
}

/**
 * GET /rounds/:id/surveys/posters[?community=<id>]: one poster per 社区 (or the one asked for, 404 when
 * it is not in the round). `base` is the public address (PUBLIC_BASE_URL, else BASE_URL, else the request's).
 */
export function surveyPosters(
  db: Db,
  actor: Actor,
  roundId: number,
  communityId: number | null,
  base: string,
): { round: RoundRow; survey: LoadedSurvey; posters: Poster[] } {
  const { round, survey } = managedSurvey(db, actor, roundId);
  if (communityId !== null) surveyCommunity(db, round, communityId);
  const posters = surveyCommunities(db, round, survey)
    .filter((c) => communityId === null || c.id === communityId)
    .map((c) => ({ communityName: c.name, streetName: c.streetName, url: `${base}/s/${c.token}` }));
  return { round, survey, posters };
}
