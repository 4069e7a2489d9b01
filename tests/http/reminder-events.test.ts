// Which reminders are due, day by day on the real app's database (the scheduler off: composeDue is called
// as its tick would, the clock moved by hand). The week, worked out by hand (digest hour 8, quiet hours
// 22–7, escalation after 3 days — the defaults; March 2027 has no holiday):
// - Wed 2027-03-03 10:00 a 督查 problem is raised for 幸福社区居委会, 3 个工作日 → due Mon 2027-03-08.
//   It is in Thursday's 08:00 digest, not before (07:59 nothing), and the preview says the same words.
// - The working day before Monday 03-08 is Friday 03-05: reminded then, not on Thursday.
// - Overdue on Tuesday 03-09 (not on Monday); 3 days overdue on Thursday 03-11: copied to 区委宣传部,
//   the 包联 unit of 幸福社区 (not on Wednesday).
// - A 退回 and an approved 延期 are each queued once, however often composeDue runs.
// - A survey round ending Sunday 03-14: on Thursday 03-11 (3 days before) 幸福社区 (0 of the questionnaire's 50) is
//   reported to its 居委会 and to 东湖街道; 湖滨社区 (1 of 1) is not.
// - A deadline in hours is overdue the minute after it passes.
// - 和平社区居委会 has no contact and no robot: its problem, raised beside ours, produces nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scalar, startApp, type TestApp } from '../helpers/app.ts';
import { communityIdOf, unitIdOf, userIdOf } from '../helpers/ids.ts';
import { ROOT } from '../helpers/run.ts';
import { now, setClock } from '../../src/util/clock.ts';
import { atomically } from '../../src/db/connection.ts';
import { findUserByUsername, type UserRow } from '../../src/db/repos/users.ts';
import { insertSurveyResponse, setSurveyTarget } from '../../src/db/repos/surveys.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { computeDeadline, type DeadlineRule } from '../../src/services/deadlines.ts';
import { raiseOutsideProblem } from '../../src/services/outside-problems.ts';
import { reinspect, reportFix } from '../../src/services/problems.ts';
import { decideRequest, requestChange } from '../../src/services/problem-requests.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { composeDue, digestPreview } from '../../src/services/reminder-events.ts';

const BASE = 'https://cc.example.gov.cn/';
const LINK = 'https://cc.example.gov.cn';
const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/Canon_40D.jpg'));
const WEBHOOK = 'http://127.0.0.1:9/cgi-bin/webhook/send?key=xingfu';

let app: TestApp;
const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const user = (name: string) => findUserByUsername(db(), name) as UserRow;
const ctx = () => ({ db: db(), uploadDir: join(app.dir, 'uploads') });

/** The clock at a Shanghai time; returns that moment. */
const at = (local: string): Date => {
  setClock(`${local}+08:00`);
  return now();
};
const compose = (local: string) => composeDue(db(), at(local), BASE, { email: true });

interface Row {
  channel: string;
  address: string;
  unit_id: number;
  subject: string;
  body: string;
  not_before: string;
}
const deliveries = (key: string) =>
  db()
    .prepare(
      'SELECT channel, address, unit_id, subject, body, not_before FROM deliveries WHERE event_key = ? ORDER BY channel, address',
    )
    .all(key) as Row[];
const email = (key: string) => deliveries(key).find((d) => d.channel === 'email');

let xingfu: number; // 幸福社区居委会: a 企业微信 robot and its 联络员's e-mail
let heping: number; // 和平社区居委会: no channel at all
let xcb: number; // 区委宣传部, 包联 of 幸福社区: its 负责人's e-mail
let donghu: number; // 东湖街道办事处: its 联络员's e-mail
let officeId: number;
let surveyRound: number;
const problems: Record<string, number> = {};

function raise(unitId: number, community: string, address: string, description: string, rule: DeadlineRule) {
  return atomically(db(), () =>
    raiseOutsideProblem(
      db(),
      {
        source: 'inspection',
        communityId: communityIdOf(db(), community),
        address,
        description,
        unitId,
        deadline: computeDeadline(db(), rule),
        recordedBy: officeId,
      },
      officeId,
    ),
  );
}

/** A round of district-2026-2 over every place, counting one method, opened now. */
function openedRound(name: string, startsOn: string, endsOn: string, method: 'survey' | 'document') {
  const { criteria } = app.booted;
  const id = createRound({ db: db(), criteria }, SYSTEM, {
    name,
    criteriaVersionId: criteria.getByCode('district-2026-2').id,
    startsOn,
    endsOn,
    selection: { mode: 'all' },
    methods: [method],
  });
  openRound(db(), SYSTEM, id);
  return id;
}

beforeAll(async () => {
  app = await startApp({ env: { REMINDERS: '0' } });
  xingfu = unitIdOf(db(), 'C-DH-1');
  heping = unitIdOf(db(), 'C-DH-2');
  xcb = unitIdOf(db(), 'L-XCB');
  donghu = unitIdOf(db(), 'S-DH');
  officeId = userIdOf(db(), 'office');
  // only the units of this story have channels (whatever the demo gave others)
  db().exec('DELETE FROM unit_contacts; DELETE FROM unit_robots');
  const contact = db().prepare(
    'INSERT INTO unit_contacts (unit_id, role, name, mobile, email, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const created = '2027-03-01T00:00:00.000Z';
  contact.run(xingfu, 'liaison', '李敏', '13800000001', 'limin@xingfu.example.cn', created);
  contact.run(xcb, 'head', '王强', '13800000002', 'wangqiang@xcb.example.cn', created);
  contact.run(donghu, 'liaison', '赵丽', null, 'zhaoli@donghu.example.cn', created);
  db()
    .prepare('INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, NULL, ?)')
    .run(xingfu, 'wecom', WEBHOOK, created);

  // a survey round ending Sunday 2027-03-14: 湖滨社区 has reached its target of 1, the others (the questionnaire's 50) not
  at('2027-03-01T09:00:00');
  surveyRound = openedRound('2027年3月问卷调查', '2027-03-01', '2027-03-14', 'survey');
  const hubin = communityIdOf(db(), '湖滨社区');
  setSurveyTarget(db(), surveyRound, hubin, 1);
  insertSurveyResponse(db(), {
    roundId: surveyRound,
    communityId: hubin,
    questionnaireId: findRoundById(db(), surveyRound)!.questionnaire_id!,
    channel: 'interviewer',
    deviceId: null,
    userId: userIdOf(db(), 'inspector1'),
    startedAt: '2027-03-01T01:00:00.000Z',
    submittedAt: '2027-03-01T01:10:00.000Z',
    seconds: 600,
    screenedOut: false,
    answers: {},
    fingerprint: 'hubin-1',
    flags: [],
    addrHash: null,
  });
}, 60_000);

afterAll(async () => {
  setClock(null);
  await app?.destroy();
});

describe('the daily digest', () => {
  it('lists a problem raised after the morning’s digest in the next morning’s, not before', () => {
    expect(compose('2027-03-03T08:00:00')).toBe(0); // today's digest: nothing new for anyone with a channel
    at('2027-03-03T10:00:00');
    problems.p1 = raise(xingfu, '幸福社区', '幸福路 12 号', '绿化带内堆放建筑垃圾', {
      unit: 'workdays',
      amount: 3,
    });
    problems.p2 = raise(heping, '和平社区', '和平街 3 号', '人行道砖松动', { unit: 'workdays', amount: 3 });
    expect(one('SELECT deadline FROM problems WHERE id = ?', problems.p1)).toBe('2027-03-08');
    expect(compose('2027-03-03T10:00:00')).toBe(0);
    expect(compose('2027-03-04T07:59:00')).toBe(0);
    expect(deliveries(`digest:2027-03-04:u${xingfu}`)).toEqual([]);

    const preview = digestPreview(db(), xingfu, at('2027-03-04T08:00:00'), BASE);
    expect(compose('2027-03-04T08:00:00')).toBe(2); // the robot and the 联络员's e-mail
    const digest = deliveries(`digest:2027-03-04:u${xingfu}`);
    const robot = digest.find((d) => d.channel === 'wecom')!;
    const mail = digest.find((d) => d.channel === 'email')!;
    expect(mail.address).toBe('limin@xingfu.example.cn');
    expect(robot.address).toBe(WEBHOOK);
    expect(mail.not_before).toBe('2027-03-04T00:00:00.000Z'); // 08:00 in Shanghai, outside quiet hours
    expect(mail.subject).toBe('【创城测评】幸福社区居委会：新交办问题 1 条');
    expect(mail.body).toContain('幸福社区居委会 2027-03-04 每日提醒');
    expect(mail.body).toContain(
      `问题 #${problems.p1}【督查】幸福路 12 号（东湖街道 / 幸福社区）：绿化带内堆放建筑垃圾；时限 2027-03-08（3 个工作日）`,
    );
    expect(mail.body).toContain(`${LINK}/problems/${problems.p1}`);
    expect(mail.body).not.toContain('人行道砖松动'); // 和平社区's problem is not theirs
    expect(robot.body).toContain(`[问题 #${problems.p1}](${LINK}/problems/${problems.p1})`);
    expect(robot.body).toContain(`[查看本单位的问题](${LINK}/problems)`);
    // the preview the office saw a moment before is what went
    expect(preview).toEqual({ subject: mail.subject, markdown: robot.body, text: mail.body });

    expect(compose('2027-03-04T08:05:00')).toBe(0);
    expect(digestPreview(db(), xingfu, now(), BASE)).toBeNull(); // nothing new since
  });
});

describe('deadlines', () => {
  it('reminds one working day before: the Friday before a Monday deadline, not the Thursday', () => {
    const key = `due:p${problems.p1}:2027-03-08`;
    expect(deliveries(key)).toEqual([]); // Thursday's compose left it
    expect(compose('2027-03-05T08:00:00')).toBe(2);
    expect(deliveries(key).map((d) => d.channel)).toEqual(['email', 'wecom']);
    expect(email(key)!.subject).toBe(
      `【创城测评】问题 #${problems.p1} 整改时限将至：2027-03-08（3 个工作日）`,
    );
    expect(email(key)!.body).toContain('幸福社区居委会：问题');
    expect(email(key)!.body).toContain('请在此前完成整改并报告');
  });

  it('is overdue the day after the deadline, and copied to the 包联 unit after 3 days', () => {
    const overdue = `overdue:p${problems.p1}:2027-03-08`;
    const escalated = `esc:p${problems.p1}:2027-03-08`;
    compose('2027-03-08T08:00:00');
    expect(deliveries(overdue)).toEqual([]); // due today: not yet
    compose('2027-03-09T08:00:00');
    expect(deliveries(overdue).map((d) => d.address)).toEqual(['limin@xingfu.example.cn', WEBHOOK]);
    expect(email(overdue)!.body).toContain('整改时限 2027-03-08（3 个工作日）已过');
    compose('2027-03-10T08:00:00');
    expect(deliveries(escalated)).toEqual([]); // 2 days overdue
    compose('2027-03-11T08:00:00');
    const copy = deliveries(escalated);
    expect(copy.map((d) => [d.unit_id, d.address])).toEqual([[xcb, 'wangqiang@xcb.example.cn']]);
    expect(copy[0]!.body).toContain(
      `区委宣传部：您包联社区的 问题 #${problems.p1}（责任单位 幸福社区居委会）已逾期 3 天仍未整改`,
    );
  });

  it('counts a deadline in hours to the minute', () => {
    at('2027-03-10T10:00:00');
    const p = raise(xingfu, '幸福社区', '幸福路 8 号', '井盖缺失', { unit: 'hours', amount: 24 });
    const key = `overdue:p${p}:2027-03-11`;
    compose('2027-03-11T10:00:00');
    expect(deliveries(key)).toEqual([]);
    compose('2027-03-11T10:01:00');
    expect(email(key)!.body).toContain('整改时限 2027-03-11 10:00（24 小时）已过');
  });
});

describe('steps of a problem', () => {
  it('queues a 退回 and a decided 延期 once each, however often it runs', async () => {
    compose('2027-03-12T08:00:00'); // Friday's digest gone before
    at('2027-03-12T09:00:00');
    const p = raise(xingfu, '幸福社区', '幸福路 20 号', '垃圾桶破损', { unit: 'workdays', amount: 5 });
    await reportFix(ctx(), user('xingfu'), p, '已更换垃圾桶', [{ buffer: PHOTO, originalName: 'fix.jpg' }]);
    at('2027-03-12T10:00:00');
    await reinspect(ctx(), user('office'), p, 'reject', '新桶未贴分类标识', [
      { buffer: PHOTO, originalName: 'check.jpg' },
    ]);
    const reject = one("SELECT max(id) FROM problem_events WHERE problem_id = ? AND action = 'reject'", p);
    expect(compose('2027-03-12T10:00:00')).toBe(2);
    for (const m of ['10:01', '10:02', '10:03']) expect(compose(`2027-03-12T${m}:00`)).toBe(0);
    const returned = deliveries(`returned:e${reject}`);
    expect(returned).toHaveLength(2);
    expect(email(`returned:e${reject}`)!.body).toContain(
      `幸福社区居委会：问题 #${p} 复查不通过，退回，意见：新桶未贴分类标识。`,
    );

    at('2027-03-12T11:00:00');
    await requestChange(
      ctx(),
      user('xingfu'),
      p,
      { kind: 'extension', note: '分类标识需统一印制', deadline: '2027-03-26' },
      [],
    );
    decideRequest(ctx(), user('office'), p, { approve: '1', note: '同意，按期完成' });
    const extend = one("SELECT max(id) FROM problem_events WHERE problem_id = ? AND action = 'extend'", p);
    expect(compose('2027-03-12T11:00:00')).toBe(2);
    expect(compose('2027-03-12T11:30:00')).toBe(0);
    const decided = email(`decided:e${extend}`)!;
    expect(decided.subject).toBe(`【创城测评】问题 #${p} 延期申请：同意延期，新时限 2027-03-26`);
    expect(decided.body).toContain('意见：同意，按期完成');
  });
});

describe('surveys', () => {
  it('reports a 社区 behind its target 3 days before the round ends, to the 社区 and its 镇街', () => {
    const key = (community: string) => `survey:r${surveyRound}:c${communityIdOf(db(), community)}`;
    // the round ends Sunday 03-14: on Wednesday 03-10 (4 days before) nothing, on Thursday 03-11 the report
    const before = "SELECT count(*) FROM deliveries WHERE event = 'survey_behind' AND created_at < ?";
    expect(one(before, '2027-03-10T16:00:00.000Z')).toBe(0);
    const to = (community: string) => deliveries(key(community)).map((d) => `${d.unit_id} ${d.address}`);
    expect(to('幸福社区').sort()).toEqual(
      [
        `${xingfu} limin@xingfu.example.cn`,
        `${xingfu} ${WEBHOOK}`,
        `${donghu} zhaoli@donghu.example.cn`,
      ].sort(),
    );
    const mail = deliveries(key('幸福社区')).find((d) => d.unit_id === donghu)!;
    expect(mail.body).toContain('幸福社区 有效问卷 0 份，目标 50 份，还差 50 份');
    expect(mail.body).toContain(`${LINK}/s/`);
    expect(deliveries(key('和平社区')).map((d) => d.unit_id)).toEqual([donghu]); // its 居委会 has no channel
    expect(deliveries(key('湖滨社区'))).toEqual([]); // 1 of 1
    compose('2027-03-12T12:00:00');
    expect(deliveries(key('幸福社区'))).toHaveLength(3);
  });
});

describe('document tasks', () => {
  it('are in the digest after their round opens, and reminded the working day before they are due', () => {
    compose('2027-03-15T08:00:00');
    at('2027-03-15T10:00:00');
    const round = openedRound('2027年3月材料审核', '2027-03-15', '2027-04-15', 'document');
    const tasks = db()
      .prepare(
        'SELECT task_id FROM document_task_units tu JOIN document_tasks t ON t.id = tu.task_id WHERE t.round_id = ? AND tu.unit_id = ? ORDER BY task_id',
      )
      .pluck()
      .all(round, xingfu) as number[];
    expect(tasks.length).toBeGreaterThan(0);
    compose('2027-03-16T08:00:00');
    const digest = email(`digest:2027-03-16:u${xingfu}`)!;
    expect(digest.body).toContain(`新材料任务 ${tasks.length} 项`);
    expect(digest.body).toContain(`材料任务 #${tasks[0]}【材料审核】东湖街道 / 幸福社区：`);
    expect(digest.body).toContain(`${LINK}/tasks/${tasks[0]}`);

    // the office gave the first task until Monday 03-22: reminded on Friday 03-19
    db().prepare('UPDATE document_tasks SET extended_to = ? WHERE id = ?').run('2027-03-22', tasks[0]);
    const key = `due:t${tasks[0]}:2027-03-22`;
    compose('2027-03-18T08:00:00');
    expect(deliveries(key)).toEqual([]);
    compose('2027-03-19T08:00:00');
    expect(email(key)!.body).toContain(`时限为 2027-03-22，请在此前提交材料。`);
  });
});

describe('a unit without channels', () => {
  it('gets nothing, though its problem went through the same days', () => {
    expect(one('SELECT count(*) FROM deliveries WHERE unit_id = ?', heping)).toBe(0);
    // and 和平社区's 包联 unit (区财政局) has no channel either
    expect(one('SELECT count(*) FROM deliveries WHERE event_key = ?', `esc:p${problems.p2}:2027-03-08`)).toBe(
      0,
    );
  });
});
