// A week of one problem's reminders, end to end: the app's own scheduler (booted.reminders.tick, what its
// timer does each minute) composing and sending to a real 企业微信 robot and a real SMTP server on the
// loopback, the app's clock moved across the digest hour, a deadline, a quiet-hours night and the days.
// Worked out by hand (digest hour 8, quiet hours 22–7, escalation after 3 days; March 2027 has no holiday):
// - Wed 2027-03-03 10:00 a 督查 problem p1 for 幸福社区居委会, 3 个工作日 → due Mon 03-08.
// - Thu 03-04 07:59 nothing; 08:00 the digest listing p1 reaches the group and the 联络员's mailbox.
// - Fri 03-05 08:00 整改时限将至 (the working day before Monday); nothing on Mon 03-08 (due that day).
// - Mon 03-08 21:00 p2, 25 小时 → due Tue 03-09 22:00. Tue 08:00: p1 overdue and the digest listing p2.
// - Tue 22:01 p2 is overdue inside the quiet hours: nothing that night (06:59 neither), it arrives 07:00.
// - Thu 03-11 08:00 p1 is 3 days overdue: copied to 区委宣传部 (包联 of 幸福社区) by e-mail; Fri 03-12 p2 is
//   (due Tuesday). The group gets nothing more. However often the scheduler runs, each message arrives once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.ts';
import { startRobot, startSmtpReceiver, type Robot, type SmtpReceiver } from '../helpers/receivers.ts';
import { communityIdOf, unitIdOf, userIdOf } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { atomically } from '../../src/db/connection.ts';
import { computeDeadline, type DeadlineRule } from '../../src/services/deadlines.ts';
import { raiseOutsideProblem } from '../../src/services/outside-problems.ts';

let app: TestApp;
let smtp: SmtpReceiver;
let robot: Robot;
const db = () => app.booted.db;
let xingfu: number;
let xcb: number;

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  robot = await startRobot('wecom', 'ok');
  app = await startApp({ env: { SMTP_URL: smtp.url, REMINDERS: '1' } });
  xingfu = unitIdOf(db(), 'C-DH-1');
  xcb = unitIdOf(db(), 'L-XCB');
  // only the units of this story have channels, and nothing of the demo's waits to go
  db().exec('DELETE FROM unit_contacts; DELETE FROM unit_robots; DELETE FROM deliveries');
  const created = '2027-03-01T00:00:00.000Z';
  const contact = db().prepare(
    'INSERT INTO unit_contacts (unit_id, role, name, mobile, email, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  contact.run(xingfu, 'liaison', '李敏', '13800000001', 'limin@xingfu.example.cn', created);
  contact.run(xcb, 'head', '王强', '13800000002', 'wangqiang@xcb.example.cn', created);
  db()
    .prepare('INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, NULL, ?)')
    .run(xingfu, 'wecom', robot.url, created);
}, 60_000);

afterAll(async () => {
  setClock(null);
  await app?.destroy();
  await smtp?.close();
  await robot?.close();
});

/** The clock at a Shanghai time. */
const at = (local: string) => setClock(`${local}+08:00`);
/** The scheduler's round at a Shanghai time. */
const tickAt = (local: string) => {
  at(local);
  return app.booted.reminders!.tick();
};
/** What the group has seen so far, message by message. */
const group = () => robot.received.map((m) => (m.json as { markdown: { content: string } }).markdown.content);
const mails = (to: string) => smtp.received.filter((m) => m.envelopeTo.includes(to)).map((m) => m.subject);

function raise(address: string, description: string, rule: DeadlineRule): number {
  return atomically(db(), () =>
    raiseOutsideProblem(
      db(),
      {
        source: 'inspection',
        communityId: communityIdOf(db(), '幸福社区'),
        address,
        description,
        unitId: xingfu,
        deadline: computeDeadline(db(), rule),
        recordedBy: userIdOf(db(), 'office'),
      },
      userIdOf(db(), 'office'),
    ),
  );
}

describe('a week of reminders through the scheduler', () => {
  let p1 = 0;
  let p2 = 0;

  it('the digest goes at the digest hour, not before, and once', async () => {
    await tickAt('2027-03-03T08:00:00');
    at('2027-03-03T10:00:00');
    p1 = raise('幸福路 12 号', '绿化带内堆放建筑垃圾', { unit: 'workdays', amount: 3 });
    await tickAt('2027-03-03T10:01:00');
    await tickAt('2027-03-04T07:59:00');
    expect(group()).toEqual([]);
    await tickAt('2027-03-04T08:00:00');
    expect(group()).toHaveLength(1);
    expect(group()[0]).toContain(`问题 #${p1}`);
    expect(group()[0]).toContain('绿化带内堆放建筑垃圾');
    expect(mails('limin@xingfu.example.cn')).toEqual(['【创城测评】幸福社区居委会：新交办问题 1 条']);
    await tickAt('2027-03-04T08:01:00');
    await tickAt('2027-03-04T15:00:00');
    expect(group()).toHaveLength(1);
  });

  it('the working day before the deadline, not the day itself', async () => {
    await tickAt('2027-03-05T08:00:00');
    expect(group()).toHaveLength(2);
    expect(group()[1]).toContain('整改时限将至');
    expect(group()[1]).toContain('2027-03-08');
    await tickAt('2027-03-06T08:00:00');
    await tickAt('2027-03-08T08:00:00');
    expect(group()).toHaveLength(2);
  });

  it('overdue the day after; a deadline passing at night waits for the morning', async () => {
    at('2027-03-08T21:00:00');
    p2 = raise('幸福路 30 号', '井盖缺失', { unit: 'hours', amount: 25 });
    await tickAt('2027-03-09T08:00:00');
    expect(group()).toHaveLength(4);
    const tuesday = group().slice(2);
    expect(tuesday.filter((t) => t.includes(`问题 #${p1}`) && t.includes('已逾期'))).toHaveLength(1);
    expect(tuesday.filter((t) => t.includes(`问题 #${p2}`) && t.includes('井盖缺失'))).toHaveLength(1);

    await tickAt('2027-03-09T21:59:00');
    await tickAt('2027-03-09T22:01:00');
    await tickAt('2027-03-10T06:59:00');
    expect(group()).toHaveLength(4);
    await tickAt('2027-03-10T07:00:00');
    expect(group()).toHaveLength(5);
    expect(group()[4]).toContain(`问题 #${p2}`);
    expect(group()[4]).toContain('已逾期');
    expect(group()[4]).toContain('2027-03-09 22:00（25 小时）');
  });

  it('3 days overdue: copied to the 包联 unit; the group gets nothing twice', async () => {
    await tickAt('2027-03-10T08:00:00');
    expect(mails('wangqiang@xcb.example.cn')).toEqual([]);
    await tickAt('2027-03-11T08:00:00');
    expect(mails('wangqiang@xcb.example.cn')).toHaveLength(1);
    const copy = smtp.received.find((m) => m.envelopeTo.includes('wangqiang@xcb.example.cn'))!;
    expect(copy.text).toContain(
      `区委宣传部：您包联社区的 问题 #${p1}（责任单位 幸福社区居委会）已逾期 3 天仍未整改`,
    );
    await tickAt('2027-03-11T09:00:00');
    // p2, due Tuesday 22:00, is 3 days overdue on Friday: its copy then, p1's not again
    await tickAt('2027-03-12T08:00:00');
    await tickAt('2027-03-12T08:01:00');
    expect(group()).toHaveLength(5);
    expect(new Set(group()).size).toBe(5);
    const copies = smtp.received.filter((m) => m.envelopeTo.includes('wangqiang@xcb.example.cn'));
    expect(copies.map((m) => /问题 #(\d+)/.exec(m.text)?.[1])).toEqual([String(p1), String(p2)]);
    // the 联络员 got by e-mail what the group got
    expect(mails('limin@xingfu.example.cn')).toHaveLength(5);
    // every delivery the log holds went, once
    const statuses = db().prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status').all();
    expect(statuses).toEqual([{ status: 'sent', n: 5 + 5 + 2 }]);
  });
});
