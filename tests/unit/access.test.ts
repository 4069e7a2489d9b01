// The access rules asked directly, without HTTP: every verb of services/access.ts tried by every kind of
// actor — the office, the system, the inspector assigned to the site and one who is not, the unit that
// answers for the thing, the unit above it and an unrelated one, a unit that 包联s the 社区, a 包联 leader of
// that 社区 and one of another, an anonymous visitor — on a copy of the demo district's database. Each
// answer is checked twice: `can` (true or false) and `canOrReject` (nothing, or the exact status and
// message). A verb added to access.ts without cases here fails the first test. What an actor may list is
// in access-scopes.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../src/db/connection.ts';
import type { UserRow } from '../../src/db/repos/users.ts';
import type { RoundRow } from '../../src/db/repos/rounds.ts';
import { findProblem, type ProblemRow } from '../../src/db/repos/problems.ts';
import { findPhoto, type PhotoRow } from '../../src/db/repos/photos.ts';
import {
  ANONYMOUS,
  SYSTEM,
  auditUserId,
  can,
  canOrReject,
  userOf,
  type Actor,
  type Objects,
  type SheetTarget,
  type Verb,
} from '../../src/services/access.ts';
import { LOGIN, OK, answerOf, idOf, no, useDemoWorld, type Expected } from '../helpers/demo-world.ts';
import { communityIdOf, streetIdOf, unitIdOf, userIdOf } from '../helpers/ids.ts';
import type { DocumentTaskRow } from '../../src/db/repos/document-tasks.ts';
import type { TaskTarget } from '../../src/services/document-tasks.ts';
import { ROOT } from '../helpers/run.ts';
import { addSurveyInterviewer } from '../../src/db/repos/surveys.ts';

const world = useDemoWorld();
const { user, leader, inspectorOf, published, open } = world;
let db: Db;
beforeAll(() => {
  db = world.db;
});

/** Every actor a case names. `inspector` is the one assigned to the object's site; `otherInspector` not. */
const ACTORS = [
  'office',
  'system',
  'inspector',
  'otherInspector',
  'xingfu',
  'donghu',
  'chengguan',
  'xuanchuan',
  'leader',
  'otherLeader',
  'anonymous',
] as const;
type ActorName = (typeof ACTORS)[number];

function actorsFor(assigned: UserRow): Record<ActorName, Actor> {
  return {
    office: user('office'),
    system: SYSTEM,
    inspector: assigned,
    otherInspector: world.otherInspector(assigned),
    xingfu: user('xingfu'), // 幸福社区居委会 (C-DH-1), under 东湖街道办事处
    donghu: user('donghu'), // 东湖街道办事处 (S-DH)
    chengguan: user('chengguan'), // 区城管局 (D-CGJ): the main roads
    xuanchuan: user('xuanchuan'), // 区委宣传部 (L-XCB): 包联s 幸福, 朝阳, 桃园, 永安
    leader: leader('宣传部领导', 'L-XCB'),
    otherLeader: leader('财政局领导', 'L-CZJ'), // 包联s 和平, 文昌, 青石
    anonymous: ANONYMOUS,
  };
}

interface Case<V extends Verb> {
  what: string;
  object: () => Objects[V];
  /** the inspector assigned to the object's site (inspector1 when the object has no site) */
  assigned?: () => UserRow;
  answers: Record<ActorName, Expected>;
}

/** The same answer for every actor, but the visitor: asked to log in. */
const everyone = (answer: Expected) => ({
  ...(Object.fromEntries(ACTORS.map((a) => [a, answer])) as Record<ActorName, Expected>),
  anonymous: LOGIN,
});
const allRefused = (message: string) => everyone(no(message));
const LOGGED_IN = everyone(OK);
const officeOnly = (message: string) => ({ ...allRefused(message), office: OK, system: OK });
/** The office and the system may; the units and leaders get `units`, the inspectors `inspectors`. */
const readers = (message: string, units: Expected, inspectors: Expected = no(message)) => ({
  ...officeOnly(message),
  xingfu: units,
  donghu: units,
  chengguan: units,
  xuanchuan: units,
  leader: units,
  otherLeader: units,
  inspector: inspectors,
  otherInspector: inspectors,
});

// ---------- the objects: rounds, sheets, problems and photos of the demo district ----------

/** The open round as it is once closed (the demo has no closed round; the rules read only its status). */
const closed = (): RoundRow => ({ ...open(), status: 'closed' });

const XINGFU_SITE = '幸福社区党群服务中心';
const ROAD = '东湖大道';
const WEST_ROAD = '西城大道';
const sheetOf = (round: RoundRow, site: string): SheetTarget => ({
  round,
  assignedInspectorId: inspectorOf(round, site).id,
});

const problem = (what: string, sql: string, ...args: unknown[]): ProblemRow =>
  findProblem(
    db,
    idOf(db, what, `SELECT p.id FROM problems p JOIN sites s ON s.id = p.site_id ${sql}`, ...args),
  )!;
/** A problem of the published round at 幸福社区党群服务中心, sent to 幸福社区居委会. */
const xingfuProblem = () =>
  problem(
    'problem of 幸福社区居委会 at its service centre',
    'WHERE p.round_id = ? AND s.name = ? AND p.unit_id = ? ORDER BY p.id',
    published().id,
    XINGFU_SITE,
    unitIdOf(db, 'C-DH-1'),
  );
/** A problem sent to 东湖街道办事处 itself: the unit above 幸福社区居委会. */
const streetOfficeProblem = () =>
  problem('problem of 东湖街道办事处', 'WHERE p.unit_id = ? ORDER BY p.id', unitIdOf(db, 'S-DH'));
/** The demo's problem reported fixed by 区城管局 (chengguan) on 东湖大道, waiting for 复查. */
const fixedProblem = () =>
  problem(
    'problem reported fixed',
    "WHERE p.status = 'fixed' AND s.name = ? AND p.fixed_by = ?",
    ROAD,
    userIdOf(db, 'chengguan'),
  );

/**
 * An evidence photo of a sheet of `round` at `site` whose problems (if any) all went to `unitCode`, so
 * that no other unit sees it through a problem.
 */
const evidencePhoto = (round: RoundRow, site: string, unitCode: string): PhotoRow =>
  findPhoto(
    db,
    idOf(
      db,
      `evidence photo of ${site} in round ${round.id}`,
      `SELECT ph.id FROM photos ph JOIN inspections i ON i.id = ph.inspection_id JOIN sites s ON s.id = i.site_id
       WHERE ph.kind = 'evidence' AND i.round_id = ? AND s.name = ? AND NOT EXISTS (
         SELECT 1 FROM problems p WHERE p.inspection_id = ph.inspection_id
           AND p.standard_code = ph.standard_code AND p.unit_id IS NOT ?)
       ORDER BY ph.id`,
      round.id,
      site,
      unitIdOf(db, unitCode),
    ),
  )!;
const fixPhoto = (): PhotoRow =>
  findPhoto(
    db,
    idOf(db, 'fix photo', "SELECT id FROM photos WHERE kind = 'fix' AND problem_id = ?", fixedProblem().id),
  )!;

/** A document task of `round` as the rules see it: answered by the unit `unitCode` (null: 无责任单位). */
function taskOf(round: RoundRow, level: DocumentTaskRow['level'], unitCode: string | null): TaskTarget {
  const community = level === 'community' ? communityIdOf(db, '幸福社区') : null;
  return {
    round,
    task: {
      id: 1,
      round_id: round.id,
      standard_code: 'X',
      level,
      community_id: community,
      street_id: level === 'community' || level === 'street' ? streetIdOf(db, '东湖街道') : null,
      department: level === 'department' ? '城管局' : null,
      due_on: '2026-12-20',
      extended_to: null,
      status: 'pending',
      note: '',
      submitted_at: null,
      submitted_by: null,
      result: null,
      cases: 0,
      review_note: '',
      reviewed_at: null,
      reviewed_by: null,
      return_reason: null,
      revision: 0,
      created_at: '2026-12-01T00:00:00.000Z',
      unit_id: unitCode === null ? null : unitIdOf(db, unitCode),
    },
  };
}

// ---------- every verb, every actor ----------

const ROUND = '您无权查看该测评轮次';
const NOT_YOURS = '这不是本单位的问题';
const PROBLEM = '您无权查看该问题';
const PHOTO = '您无权查看该照片';
const SHEET_UNIT = '责任单位不能查看测评表';
/** a 包联 leader is not a unit: told who may */
const SHEET_LEADER = no('只有创城办和被分配的测评员可以查看测评表');
const RESULTS = '只有创城办和责任单位可以查看测评结果';
const REINSPECT = '只有创城办或测评员可以复查';
const TASK = '您无权查看该材料任务';
const NOT_OUR_TASK = '这不是本单位的材料任务';
/** Only the units named may; everyone else is told the task is not theirs. */
const taskUnitsOnly = (...mine: ActorName[]) => ({
  ...allRefused(NOT_OUR_TASK),
  ...Object.fromEntries(mine.map((a) => [a, OK])),
});
/** The office, the system, the inspector assigned to the site, and the actors named. */
const seenBy = (message: string, ...also: ActorName[]) => ({
  ...officeOnly(message),
  inspector: OK,
  ...Object.fromEntries(also.map((a) => [a, OK])),
});
/** Only the units named may act; everyone else is told it is not their problem. */
const unitsOnly = (...mine: ActorName[]) => ({
  ...allRefused(NOT_YOURS),
  ...Object.fromEntries(mine.map((a) => [a, OK])),
});

/** The sheet of 幸福社区党群服务中心 in `round`, with the inspector assigned to it there. */
const sheetCase = (what: string, round: () => RoundRow, answers: Record<ActorName, Expected>) => ({
  what: `${what}’s sheet`,
  object: () => sheetOf(round(), XINGFU_SITE),
  assigned: () => inspectorOf(round(), XINGFU_SITE),
  answers,
});
const SHEET_ENDED = {
  ...readers(SHEET_UNIT, no(SHEET_UNIT), no('本轮测评已结束，不能再查看或修改测评表')),
  otherInspector: no('该点位未分配给您'),
  leader: SHEET_LEADER,
  otherLeader: SHEET_LEADER,
};
const SHEET_FILLER = { ...allRefused('只有被分配的测评员可以填写测评表'), inspector: OK };
/** The office's verbs on a sheet: theirs (and the system's) alone. */
const officeVerbOnSheet = (message: string) => [sheetCase('an open round', open, officeOnly(message))];

const CASES: { [V in Verb]: Case<V>[] } = {
  'office.manage': [{ what: 'the district', object: () => null, answers: officeOnly('没有权限访问此页面') }],
  'criteria.read': [{ what: 'the loaded versions’ rules', object: () => null, answers: LOGGED_IN }],
  'round.read': [
    { what: 'the published round', object: published, answers: readers(ROUND, OK) },
    // every demo inspector has sites in the open round
    { what: 'the open round', object: open, answers: readers(ROUND, no(ROUND), OK) },
    { what: 'a closed round', object: closed, answers: readers(ROUND, no(ROUND)) },
  ],
  'sheet.read': [
    sheetCase('an open round', open, {
      ...readers(SHEET_UNIT, no(SHEET_UNIT), OK),
      otherInspector: no('该点位未分配给您'),
      leader: SHEET_LEADER,
      otherLeader: SHEET_LEADER,
    }),
    sheetCase('the published round', published, SHEET_ENDED),
    sheetCase('a closed round', closed, SHEET_ENDED),
  ],
  // whether the round and the sheet still take changes is the sheet service's 409 (sheet-access.ts),
  // not an access rule: the assigned inspector is still the one who may fill in a published round's sheet
  'sheet.edit': [
    sheetCase('an open round', open, SHEET_FILLER),
    sheetCase('the published round', published, SHEET_FILLER),
  ],
  'sheet.review': officeVerbOnSheet('只有创城办可以审核测评表'),
  'sheet.return': officeVerbOnSheet('只有创城办可以退回测评表'),
  'sheet.correct': officeVerbOnSheet('只有创城办可以更正测评表'),
  'offline.work': [
    {
      what: 'the tablet',
      object: () => null,
      answers: {
        ...allRefused('只有测评员可以离线工作'),
        inspector: OK,
        otherInspector: OK,
      },
    },
  ],
  'results.read': [
    { what: 'the published round', object: published, answers: readers(RESULTS, OK) },
    { what: 'the open round', object: open, answers: readers(RESULTS, no('本轮结果尚未发布'), no(RESULTS)) },
  ],
  'results.analyse': [
    { what: 'the published round', object: published, answers: officeOnly('测评结果分析仅供创城办查看') },
  ],
  'problem.list': [{ what: 'the board', object: () => null, answers: LOGGED_IN }],
  'problem.read': [
    {
      what: '幸福社区居委会’s problem',
      object: xingfuProblem,
      assigned: () => inspectorOf(published(), XINGFU_SITE),
      answers: seenBy(PROBLEM, 'xingfu', 'donghu', 'leader'),
    },
    {
      what: '区城管局’s problem on a main road (no 社区)',
      object: fixedProblem,
      assigned: () => inspectorOf(published(), ROAD),
      answers: seenBy(PROBLEM, 'chengguan'),
    },
  ],
  'problem.fix': [
    { what: '幸福社区居委会’s problem', object: xingfuProblem, answers: unitsOnly('xingfu', 'donghu') },
    // a unit does not act for the unit above it
    { what: '东湖街道办事处’s own problem', object: streetOfficeProblem, answers: unitsOnly('donghu') },
    { what: '区城管局’s problem', object: fixedProblem, answers: unitsOnly('chengguan') },
  ],
  'problem.request': [
    { what: '幸福社区居委会’s problem', object: xingfuProblem, answers: unitsOnly('xingfu', 'donghu') },
    { what: '东湖街道办事处’s own problem', object: streetOfficeProblem, answers: unitsOnly('donghu') },
    { what: '区城管局’s problem', object: fixedProblem, answers: unitsOnly('chengguan') },
  ],
  'problem.reinspect': [
    {
      what: 'a fix 区城管局 reported',
      object: fixedProblem,
      assigned: () => inspectorOf(published(), ROAD),
      answers: { ...readers(REINSPECT, no(REINSPECT), OK), otherInspector: no('您无权复查该问题') },
    },
    {
      // the row as it would be had the office reported the fix itself
      what: 'a fix the office reported',
      object: () => ({ ...fixedProblem(), fixed_by: userIdOf(db, 'office') }),
      assigned: () => inspectorOf(published(), ROAD),
      answers: {
        ...readers(REINSPECT, no(REINSPECT), OK),
        office: no('复查人不能是报告整改的人'),
        otherInspector: no('您无权复查该问题'),
      },
    },
  ],
  'problem.decide': [
    { what: 'a request', object: xingfuProblem, answers: officeOnly('只有创城办可以处理此申请') },
  ],
  'problem.record': [
    {
      what: 'a 督查 problem',
      object: () => null,
      answers: {
        ...officeOnly('只有创城办和包联领导可以记录督查问题'),
        leader: OK,
        otherLeader: OK,
      },
    },
  ],
  'problem.assign': [
    {
      what: 'a round’s problem',
      object: xingfuProblem,
      answers: {
        ...allRefused('只有创城办可以安排复查'),
        office: no('测评问题由该点位的测评员复查'),
        system: no('测评问题由该点位的测评员复查'),
      },
    },
  ],
  'standing.read': [
    {
      what: 'units ranked on their problems',
      object: () => null,
      answers: {
        ...officeOnly('只有创城办和包联领导可以查看单位整改排名'),
        leader: OK,
        otherLeader: OK,
      },
    },
  ],
  'unit.contacts': [
    {
      what: '幸福社区居委会’s contacts and group robot',
      object: () => ({ id: unitIdOf(db, 'C-DH-1') }),
      answers: {
        ...officeOnly('只能查看本单位的联系人和群机器人'),
        xingfu: OK,
        donghu: OK,
      },
    },
  ],
  'report.triage': [
    {
      what: '随手拍 and 12345',
      object: () => null,
      answers: officeOnly('只有创城办可以受理群众反映和12345工单'),
    },
  ],
  'problem.export': [
    {
      what: '整改清单',
      object: () => null,
      answers: {
        ...readers('没有权限访问此页面', OK),
        leader: no('没有权限访问此页面'),
        otherLeader: no('没有权限访问此页面'),
      },
    },
  ],
  'photo.read': [
    {
      what: 'a published sheet’s photo in 幸福社区',
      object: () => evidencePhoto(published(), XINGFU_SITE, 'C-DH-1'),
      assigned: () => inspectorOf(published(), XINGFU_SITE),
      answers: seenBy(PHOTO, 'xingfu', 'donghu', 'xuanchuan', 'leader'),
    },
    {
      what: 'a published sheet’s photo on 西城大道',
      object: () => evidencePhoto(published(), WEST_ROAD, 'D-CGJ'),
      assigned: () => inspectorOf(published(), WEST_ROAD),
      answers: seenBy(PHOTO, 'chengguan'),
    },
    {
      what: 'an open round’s photo on 西城大道 (not published)',
      object: () => evidencePhoto(open(), WEST_ROAD, 'D-CGJ'),
      assigned: () => inspectorOf(open(), WEST_ROAD),
      answers: seenBy(PHOTO),
    },
    {
      what: '区城管局’s fix photo',
      object: fixPhoto,
      assigned: () => inspectorOf(published(), ROAD),
      answers: seenBy(PHOTO, 'chengguan'),
    },
  ],
  'task.list': [
    {
      what: 'the 材料任务 pages',
      object: () => null,
      answers: {
        ...readers('没有材料任务可以查看', OK),
      },
    },
  ],
  'task.read': [
    {
      what: '幸福社区’s task in the open round',
      object: () => taskOf(open(), 'community', 'C-DH-1'),
      answers: { ...officeOnly(TASK), xingfu: OK, donghu: OK },
    },
    {
      // a 包联 leader follows their 社区' tasks once the round is published
      what: '幸福社区’s task in the published round',
      object: () => taskOf(published(), 'community', 'C-DH-1'),
      answers: { ...officeOnly(TASK), xingfu: OK, donghu: OK, leader: OK },
    },
    {
      what: '城管局’s task',
      object: () => taskOf(open(), 'department', 'D-CGJ'),
      answers: { ...officeOnly(TASK), chengguan: OK },
    },
    {
      what: 'a task of a 社区 without a unit (无责任单位)',
      object: () => taskOf(open(), 'community', null),
      answers: officeOnly(TASK),
    },
  ],
  'task.submit': [
    {
      what: '幸福社区’s task',
      object: () => taskOf(open(), 'community', 'C-DH-1'),
      answers: taskUnitsOnly('xingfu', 'donghu'),
    },
    {
      what: '东湖街道’s own task',
      object: () => taskOf(open(), 'street', 'S-DH'),
      answers: taskUnitsOnly('donghu'),
    },
    {
      what: 'a task of a 社区 without a unit',
      object: () => taskOf(open(), 'community', null),
      answers: taskUnitsOnly(),
    },
  ],
  'task.review': [
    {
      what: '幸福社区’s task',
      object: () => taskOf(open(), 'community', 'C-DH-1'),
      answers: officeOnly('只有创城办可以审核材料'),
    },
  ],
  'survey.manage': [
    {
      what: 'the open round’s survey',
      object: () => open(),
      answers: officeOnly('只有创城办可以管理问卷调查'),
    },
  ],
  'survey.interview': [
    {
      // inspector1 is assigned to 幸福社区's households in the open round; inspector2 is not
      what: '幸福社区’s households in the open round',
      object: () => {
        addSurveyInterviewer(db, open().id, communityIdOf(db, '幸福社区'), user('inspector1').id);
        return { round: open(), communityId: communityIdOf(db, '幸福社区') };
      },
      answers: { ...allRefused('您没有被分配该社区的入户调查'), inspector: OK },
    },
  ],
  'survey.results': [
    {
      what: 'the open round’s survey figures',
      object: () => open(),
      answers: officeOnly('问卷调查结果仅供创城办查看'),
    },
  ],
};

describe('every verb, every actor', () => {
  it('covers every verb access.ts declares', () => {
    const source = readFileSync(join(ROOT, 'src', 'services', 'access.ts'), 'utf8');
    const objects = /export interface Objects \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
    const declared = [...objects.matchAll(/^\s*'([a-z]+\.[a-z]+)':/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(15);
    expect(Object.keys(CASES).sort()).toEqual(declared.sort());
  });

  for (const verb of Object.keys(CASES) as Verb[]) {
    for (const c of CASES[verb] as Case<Verb>[]) {
      it(`${verb}: ${c.what}`, () => {
        const object = c.object();
        const actors = actorsFor(c.assigned?.() ?? user('inspector1'));
        for (const name of ACTORS) {
          const expected = c.answers[name];
          expect(
            answerOf(() => canOrReject(db, actors[name], verb, object)),
            `${name} → ${verb} ${c.what}`,
          ).toEqual(expected);
          expect(can(db, actors[name], verb, object), `can(${name}, ${verb})`).toBe(expected === OK);
        }
      });
    }
  }
});

describe('the actor behind a change', () => {
  it('names the user in the audit log, nobody for the system; only a logged-in user is a user', () => {
    const office = user('office');
    expect(auditUserId(office)).toBe(office.id);
    expect(auditUserId(SYSTEM)).toBeNull();
    expect(auditUserId(ANONYMOUS)).toBeNull();
    expect(userOf(office)).toBe(office);
    for (const a of [ANONYMOUS, SYSTEM, leader('宣传部领导', 'L-XCB')])
      expect(() => userOf(a)).toThrow(expect.objectContaining({ status: 401, message: '请先登录' }));
  });

  it('says the page’s own reason when one is given, and still 401 to a visitor', () => {
    const reason = '排名表仅供创城办下载';
    expect(() => canOrReject(db, user('xingfu'), 'results.analyse', published(), reason)).toThrow(
      expect.objectContaining({ status: 403, message: reason }),
    );
    expect(() => canOrReject(db, ANONYMOUS, 'results.analyse', published(), reason)).toThrow(
      expect.objectContaining({ status: 401, message: '请先登录' }),
    );
  });
});
