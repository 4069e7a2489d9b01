/**
 * Who may do what: the one place the rules are written (central-backend's `auth.canOrReject` is the
 * model). Every service that reads or changes something takes the actor and asks here, with a verb
 * (`problem.fix`) and the object it is about; routes never decide access themselves. A rule answers
 * `true` or the reason for refusing, which becomes the 403's message.
 *
 * The actor is a logged-in user, a 包联 leader (a person who leads a 包联 unit: sees that unit's 包联
 * 社区' published results and problems) or an anonymous visitor (the public pages: nothing here yet).
 * What a user may list rather than open — the 社区 and sites of a results page, the problems of the
 * board — is in access-scopes.ts, beside these rules.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import type { ProblemRow } from '../db/repos/problems.ts';
import type { PhotoRow } from '../db/repos/photos.ts';
import { assignedInspectorId, inspectorHasSites } from '../db/repos/rounds.ts';
import { liaisonCommunityIds, unitSubtreeIds } from '../db/repos/units.ts';
import { photoPlace, photoProblems } from '../db/repos/photos.ts';
import { findSiteById } from '../db/repos/places.ts';
import { Forbidden, NotLoggedIn } from '../errors.ts';
import type { TaskTarget } from './document-tasks.ts';
import { findTaskById } from '../db/repos/document-tasks.ts';
import { isSurveyInterviewer } from '../db/repos/surveys.ts';

/** Someone on a public page (a survey or a 随手拍 report): no account, no session user. */
export interface AnonymousActor {
  readonly role: 'anonymous';
  readonly id: null;
  readonly unit_id: null;
}

/**
 * A 包联 leader: `unit_id` is the 包联 unit they lead. A leader's account is a user with role 'leader'
 * (the same shape); this type also lets a test or a script act as a leader without an account.
 */
export interface LeaderActor {
  readonly role: 'leader';
  readonly id: number;
  readonly display_name: string;
  readonly unit_id: number;
}

/** The server itself: the command line, the demo seeding. It may do what the office may. */
export interface SystemActor {
  readonly role: 'system';
  readonly id: null;
  readonly unit_id: null;
}

export type Actor = UserRow | LeaderActor | AnonymousActor | SystemActor;

export const ANONYMOUS: AnonymousActor = Object.freeze({ role: 'anonymous', id: null, unit_id: null });
export const SYSTEM: SystemActor = Object.freeze({ role: 'system', id: null, unit_id: null });

/** Whom the audit log names for an actor's change (null: the system). */
export const auditUserId = (actor: Actor): number | null => (actor.role === 'anonymous' ? null : actor.id);

/** The actor as a logged-in user, or 401 (the services that write records need a user to log). */
export function userOf(actor: Actor): UserRow {
  if (actor.role === 'anonymous' || actor.role === 'system' || !('username' in actor))
    throw new NotLoggedIn();
  return actor;
}

/** A sheet is a site in a round; who it is assigned to decides who may open it. */
export interface SheetTarget {
  round: RoundRow;
  assignedInspectorId: number | null;
}

/** Each verb and the object it is asked about (`null`: the verb is about the whole district). */
export interface Objects {
  /** criteria, rounds, places, people, imports, assignments, the audit log */
  'office.manage': null;
  /** the loaded criteria versions' rules, as the help pages explain them */
  'criteria.read': null;
  'round.read': RoundRow;
  'sheet.read': SheetTarget;
  'sheet.edit': SheetTarget;
  'sheet.review': SheetTarget;
  'sheet.return': SheetTarget;
  'sheet.correct': SheetTarget;
  /** the tablet's offline mode (its service worker, its list of sites) */
  'offline.work': null;
  'results.read': RoundRow;
  /** weak spots and the rankings workbook (a 镇街's or 社区's trend is part of its page: results.read) */
  'results.analyse': RoundRow;
  'problem.list': null;
  'problem.read': ProblemRow;
  'problem.fix': ProblemRow;
  'problem.request': ProblemRow;
  'problem.reinspect': ProblemRow;
  'problem.decide': ProblemRow;
  /** the 整改清单 workbook and 整改通知单 (a unit's: its own problems) */
  'problem.export': null;
  /** record a problem found outside rounds (督查): the office and 包联 leaders */
  'problem.record': null;
  /** give a problem from outside rounds to an inspector for 复查, or take it back */
  'problem.assign': ProblemRow;
  /** who is keeping up: units ranked on their problems and tasks (a 包联 leader: their own units only) */
  'standing.read': null;
  /** a unit's contacts and group robot, read only (the office edits them under office.manage) */
  'unit.contacts': { id: number };
  /** 随手拍 reports: the list, triage (受理 / 重复 / 不受理), replies, links and posters; 12345 imports */
  'report.triage': null;
  'photo.read': PhotoRow;
  /** the 材料任务 pages: the office sees every round's, a unit its own, a 包联 leader their 社区' */
  'task.list': null;
  'task.read': TaskTarget;
  /** upload, replace and remove files, submit (the round still open and the deadline not passed: 409s) */
  'task.submit': TaskTarget;
  /** score, 退回补充, 延期, template files */
  'task.review': TaskTarget | null;
  /** a round's survey: targets, links and posters, interviewers, clearing and voiding answers */
  'survey.manage': RoundRow | null;
  /** answering for households (入户) of a 社区 in a round: the inspectors the office assigned to it */
  'survey.interview': SurveyTarget;
  /** a round's survey figures and workbooks */
  'survey.results': RoundRow;
}

/** A 社区's survey in a round. */
export interface SurveyTarget {
  round: RoundRow;
  communityId: number;
}

export type Verb = keyof Objects;
type Rule<V extends Verb> = (db: Db, actor: Actor, object: Objects[V]) => true | string;

/** The office, or the server acting for it (the command line, the demo). */
const isOffice = (a: Actor): boolean => a.role === 'office' || a.role === 'system';

const officeOnly =
  (reason: string) =>
  (_db: Db, a: Actor): true | string =>
    isOffice(a) || reason;

/** The unit ids a unit user acts for: its own and every unit below it. */
function unitsOf(db: Db, a: Actor): Set<number> {
  return a.role === 'unit' && a.unit_id !== null ? new Set(unitSubtreeIds(db, a.unit_id)) : new Set();
}

/** The 社区 a leader's 包联 unit covers. */
function leaderCommunities(
  db: Db,
  a: Pick<LeaderActor, 'unit_id'> | { unit_id: number | null },
): Set<number> {
  return new Set(a.unit_id === null ? [] : liaisonCommunityIds(db, [a.unit_id]));
}

function canSeeRound(db: Db, a: Actor, round: RoundRow): true | string {
  if (isOffice(a)) return true;
  if (a.role === 'inspector')
    return (round.status === 'open' && inspectorHasSites(db, round.id, a.id)) || '您无权查看该测评轮次';
  if (a.role === 'unit' || a.role === 'leader') return round.status === 'published' || '您无权查看该测评轮次';
  return '您无权查看该测评轮次';
}

function canSeeSheet(_db: Db, a: Actor, t: SheetTarget): true | string {
  if (isOffice(a)) return true;
  if (a.role === 'unit') return '责任单位不能查看测评表';
  if (a.role !== 'inspector') return '只有创城办和被分配的测评员可以查看测评表';
  if (t.assignedInspectorId !== a.id) return '该点位未分配给您';
  return t.round.status === 'open' || '本轮测评已结束，不能再查看或修改测评表';
}

function canSeeResults(_db: Db, a: Actor, round: RoundRow): true | string {
  if (isOffice(a)) return true;
  if ((a.role !== 'unit' || a.unit_id === null) && a.role !== 'leader')
    return '只有创城办和责任单位可以查看测评结果';
  return round.status === 'published' || '本轮结果尚未发布';
}

/** A unit acts for the problems sent to it or to a unit below it. */
function actsFor(db: Db, a: Actor, p: Pick<ProblemRow, 'unit_id'>): boolean {
  return p.unit_id !== null && unitsOf(db, a).has(p.unit_id);
}

/** The inspector assigned to the problem's site in its round (none for a problem without a site). */
const problemInspector = (db: Db, p: ProblemRow): number | null =>
  p.site_id === null || p.round_id === null ? null : assignedInspectorId(db, p.round_id, p.site_id);

/** The 社区 a problem is in: its site's, its document task's, or the one it was recorded in. */
function problemCommunity(db: Db, p: ProblemRow): number | null {
  if (p.site_id !== null) return findSiteById(db, p.site_id)?.community_id ?? null;
  if (p.task_id !== null) return findTaskById(db, p.task_id)?.community_id ?? null;
  return p.loc_community_id;
}

function canSeeProblem(db: Db, a: Actor, p: ProblemRow): true | string {
  const ok =
    isOffice(a) ||
    actsFor(db, a, p) ||
    (a.role === 'inspector' && (problemInspector(db, p) === a.id || p.reinspector_id === a.id)) ||
    (a.role === 'leader' &&
      (p.recorded_by === a.id || leaderCommunities(db, a).has(problemCommunity(db, p) ?? -1)));
  return ok || '您无权查看该问题';
}

/**
 * 复查: the office; for a round's problem the inspector of its site; for a problem from outside rounds
 * the inspector the office gave it to, or the 包联 leader who recorded it; never the one who reported
 * the fix.
 */
function canReinspect(db: Db, a: Actor, p: ProblemRow): true | string {
  const leaderMay = a.role === 'leader' && p.round_id === null && p.source !== 'document';
  if (!isOffice(a) && a.role !== 'inspector' && !leaderMay) return '只有创城办或测评员可以复查';
  if (!isOffice(a) && p.source === 'document') return '材料问题由创城办审核整改材料后销号';
  if (a.role === 'leader' && (p.recorded_by !== a.id || p.reinspector_id !== null))
    return '只有记录该问题的包联领导可以复查（已交给测评员复查的除外）';
  if (a.role === 'inspector' && p.round_id === null && p.reinspector_id !== a.id) return '该问题未交给您复查';
  if (a.role === 'inspector' && p.round_id !== null && problemInspector(db, p) !== a.id)
    return '您无权复查该问题';
  return p.fixed_by !== a.id || '复查人不能是报告整改的人';
}

/**
 * Photos are evidence in disputes. The office sees all; a problem's photos (before and after) its unit
 * and the inspector of its site; a sheet's photos its inspector, and — once the round is published —
 * the units that answer for the site or 包联 its 社区, and the leader of such a 包联 unit.
 */
function canSeePhoto(db: Db, a: Actor, photo: PhotoRow): true | string {
  const no = '您无权查看该照片';
  if (isOffice(a)) return true;
  if (a.role === 'anonymous') return no;
  const problems = photoProblems(db, photo);
  if (a.role === 'unit' && problems.some((p) => actsFor(db, a, p))) return true;
  if (a.role === 'inspector' && problems.some((p) => canSeeProblem(db, a, p) === true)) return true;
  if (a.role === 'leader' && problems.some((p) => canSeeProblem(db, a, p) === true)) return true;
  const place = photo.inspection_id === null ? undefined : photoPlace(db, photo.inspection_id);
  if (!place) return no;
  if (a.role === 'inspector') return assignedInspectorId(db, place.round_id, place.site_id) === a.id || no;
  if (place.round_status !== 'published') return no;
  if (a.role === 'leader')
    return (place.community_id !== null && leaderCommunities(db, a).has(place.community_id)) || no;
  const mine = unitsOf(db, a);
  if (
    [place.responsible_unit_id, place.community_unit_id, place.street_unit_id].some(
      (u) => u !== null && mine.has(u),
    )
  )
    return true;
  return (
    (place.community_id !== null && liaisonCommunityIds(db, [...mine]).includes(place.community_id)) || no
  );
}

/** A document task: the office; the unit answering it (or a unit above it); a 包联 leader, a 社区 task of theirs once published. */
function canSeeTask(db: Db, a: Actor, t: TaskTarget): true | string {
  if (isOffice(a)) return true;
  if (a.role === 'unit' && t.task.unit_id !== null && unitsOf(db, a).has(t.task.unit_id)) return true;
  if (
    a.role === 'leader' &&
    t.round.status === 'published' &&
    t.task.community_id !== null &&
    leaderCommunities(db, a).has(t.task.community_id)
  )
    return true;
  return '您无权查看该材料任务';
}

const RULES: { [V in Verb]: Rule<V> } = {
  'office.manage': officeOnly('没有权限访问此页面'),
  'criteria.read': (_db, a) => a.role !== 'anonymous' || '请先登录',
  'round.read': canSeeRound,
  'sheet.read': canSeeSheet,
  'sheet.edit': (_db, a, t) =>
    (a.role === 'inspector' && t.assignedInspectorId === a.id) || '只有被分配的测评员可以填写测评表',
  'sheet.review': officeOnly('只有创城办可以审核测评表'),
  'sheet.return': officeOnly('只有创城办可以退回测评表'),
  'sheet.correct': officeOnly('只有创城办可以更正测评表'),
  'offline.work': (_db, a) => a.role === 'inspector' || '只有测评员可以离线工作',
  'results.read': canSeeResults,
  'results.analyse': officeOnly('测评结果分析仅供创城办查看'),
  'problem.list': (_db, a) => a.role !== 'anonymous' || '请先登录',
  'problem.read': canSeeProblem,
  'problem.fix': (db, a, p) => actsFor(db, a, p) || '这不是本单位的问题',
  'problem.request': (db, a, p) => actsFor(db, a, p) || '这不是本单位的问题',
  'problem.reinspect': canReinspect,
  'problem.decide': officeOnly('只有创城办可以处理此申请'),
  'problem.export': (_db, a) => isOffice(a) || a.role === 'unit' || '没有权限访问此页面',
  'problem.record': (_db, a) =>
    isOffice(a) || (a.role === 'leader' && a.unit_id !== null) || '只有创城办和包联领导可以记录督查问题',
  'problem.assign': (_db, a, p) =>
    !isOffice(a) ? '只有创城办可以安排复查' : p.round_id === null || '测评问题由该点位的测评员复查',
  'standing.read': (_db, a) =>
    isOffice(a) || (a.role === 'leader' && a.unit_id !== null) || '只有创城办和包联领导可以查看单位整改排名',
  'unit.contacts': (db, a, u) =>
    isOffice(a) || unitsOf(db, a).has(u.id) || '只能查看本单位的联系人和群机器人',
  'report.triage': officeOnly('只有创城办可以受理群众反映和12345工单'),
  'photo.read': canSeePhoto,
  'task.list': (_db, a) =>
    isOffice(a) || (a.role === 'unit' && a.unit_id !== null) || a.role === 'leader' || '没有材料任务可以查看',
  'task.read': canSeeTask,
  'task.submit': (db, a, t) =>
    (a.role === 'unit' && t.task.unit_id !== null && unitsOf(db, a).has(t.task.unit_id)) ||
    '这不是本单位的材料任务',
  'task.review': officeOnly('只有创城办可以审核材料'),
  'survey.manage': officeOnly('只有创城办可以管理问卷调查'),
  'survey.interview': (db, a, t) =>
    (a.role === 'inspector' && isSurveyInterviewer(db, t.round.id, t.communityId, a.id)) ||
    '您没有被分配该社区的入户调查',
  'survey.results': officeOnly('问卷调查结果仅供创城办查看'),
};

/** Whether the actor may do this (for showing or hiding a button). */
export function can<V extends Verb>(db: Db, actor: Actor, verb: V, object: Objects[V]): boolean {
  return (RULES[verb] as Rule<V>)(db, actor, object) === true;
}

/**
 * Goes on when the actor may do this; otherwise 403 with the rule's reason (or `reason`, when the page
 * says it better — e.g. 排名表仅供创城办下载). An anonymous visitor asking for a member's page gets 401.
 */
export function canOrReject<V extends Verb>(
  db: Db,
  actor: Actor,
  verb: V,
  object: Objects[V],
  reason?: string,
): void {
  const answer = (RULES[verb] as Rule<V>)(db, actor, object);
  if (answer === true) return;
  if (actor.role === 'anonymous') throw new NotLoggedIn();
  throw new Forbidden(reason ?? answer);
}
