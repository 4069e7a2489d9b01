// The outbox on its own, with a channel that does what each test tells it: a reminder fans out to the
// unit's robot and its contacts' e-mail, once per event; quiet hours 22–7 Shanghai time hold it until 07:00;
// a robot gets 20 in a minute and the rest after; a clear failure retries after 1, 5, 15, 60 minutes and
// is given up after the 5th; an unknown outcome (a hang, a crash mid-send) is never repeated by itself;
// the office resends one; the settings are refused in Chinese with nothing saved.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { insertUnit } from '../../src/db/repos/units.ts';
import { findUserById, insertUser } from '../../src/db/repos/users.ts';
import { findDelivery, sendingToUnknown, type DeliveryRow } from '../../src/db/repos/reminders.ts';
import type { Channel, Channels, OutgoingMessage, SendOutcome } from '../../src/notify/types.ts';
import { deliverDue, queueReminder, resendDelivery } from '../../src/services/reminder-outbox.ts';
import {
  afterQuietHours,
  reminderSettings,
  saveReminderSettings,
} from '../../src/services/reminder-settings.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { startReminders } from '../../src/services/reminder-scheduler.ts';
import { setClock } from '../../src/util/clock.ts';
import { Conflict, Forbidden, InvalidInput } from '../../src/errors.ts';

/** A moment given in Shanghai time. */
const at = (local: string) => new Date(`${local}+08:00`);
const ROBOT = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc';

let db: Db;
let unitId: number;
/** every message handed to a channel, in order */
let handed: OutgoingMessage[];
/** what the channel answers next (default: sent) */
let answer: (m: OutgoingMessage) => Promise<SendOutcome>;

const channel: Channel = {
  send: (m) => {
    handed.push(m);
    return answer(m);
  },
};
const channels: Channels = { wecom: channel, dingtalk: channel, email: channel };

beforeEach(() => {
  db = openDatabase(':memory:');
  migrate(db);
  unitId = insertUnit(db, { code: 'U1', name: '城管局', kind: 'department' });
  handed = [];
  answer = () => Promise.resolve({ outcome: 'sent' });
});
afterEach(() => {
  db.close();
  setClock(null);
});

function addRobot(unit: number, webhook = ROBOT, kind = 'wecom', secret: string | null = null) {
  db.prepare(
    'INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, ?, ?)',
  ).run(unit, kind, webhook, secret, '2026-10-01T00:00:00Z');
}
function addContact(unit: number, role: 'head' | 'liaison', email: string | null) {
  db.prepare(
    'INSERT INTO unit_contacts (unit_id, role, name, mobile, email, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(unit, role, role === 'head' ? '张局长' : '李干事', '13800138000', email, '2026-10-01T00:00:00Z');
}
const reminder = (eventKey: string, unit = unitId) => ({
  eventKey,
  event: 'overdue' as const,
  unitId: unit,
  subject: '问题已逾期',
  markdown: `### 问题已逾期 ${eventKey}\n[查看](http://cc.local/problems/12)`,
  text: '问题已逾期：http://cc.local/problems/12',
});
const rows = (): DeliveryRow[] => db.prepare('SELECT * FROM deliveries ORDER BY id').all() as DeliveryRow[];
const row = (id: number) => findDelivery(db, id)!;

describe('queueReminder', () => {
  it('fans out: the markdown to the robot, the text to each contact e-mail once; the same event never twice', () => {
    addRobot(unitId);
    addContact(unitId, 'head', 'head@cg.gov.cn');
    addContact(unitId, 'liaison', ' HEAD@cg.gov.cn ');
    const ids = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    expect(ids).toHaveLength(2);
    const [robot, mail] = rows();
    expect(robot).toMatchObject({ channel: 'wecom', address: ROBOT, status: 'queued' });
    expect(robot!.body).toContain('### 问题已逾期');
    expect(mail).toMatchObject({ channel: 'email', address: 'head@cg.gov.cn' });
    expect(mail!.body).toBe('问题已逾期：http://cc.local/problems/12');
    expect(robot!.not_before).toBe('2026-10-12T02:00:00.000Z');

    expect(queueReminder(db, reminder('overdue:p12'), at('2026-10-12T11:00:00'), { email: true })).toEqual(
      [],
    );
    expect(rows()).toHaveLength(2);
  });

  it('queues no e-mail when the server has no mail server (SMTP_URL unset): the robot only', () => {
    addRobot(unitId);
    addContact(unitId, 'head', 'head@cg.gov.cn');
    const ids = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: false });
    expect(ids).toHaveLength(1);
    expect(rows().map((r) => r.channel)).toEqual(['wecom']);
  });

  it('queues nothing for a unit with no robot and no e-mail address', () => {
    addContact(unitId, 'head', null);
    expect(queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true })).toEqual(
      [],
    );
    expect(rows()).toHaveLength(0);
  });
});

describe('quiet hours (22–7 by default)', () => {
  it('a reminder queued at 23:00 goes at 07:00 the next morning, not before', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T23:00:00'), { email: true });
    expect(row(id!).not_before).toBe(at('2026-10-13T07:00:00').toISOString());
    expect(await deliverDue(db, channels, at('2026-10-13T06:59:00'))).toEqual({
      sent: 0,
      failed: 0,
      unknown: 0,
    });
    expect(handed).toHaveLength(0);
    expect(await deliverDue(db, channels, at('2026-10-13T07:00:00'))).toMatchObject({ sent: 1 });
    expect(row(id!)).toMatchObject({ status: 'sent', sent_at: at('2026-10-13T07:00:00').toISOString() });
  });

  it('one that fell due before the night but is looked at inside it waits for the morning too', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T21:30:00'), { email: true });
    expect(await deliverDue(db, channels, at('2026-10-13T01:30:00'))).toMatchObject({ sent: 0 });
    expect(row(id!)).toMatchObject({ status: 'queued', not_before: at('2026-10-13T07:00:00').toISOString() });
  });

  it('windows that cross midnight, that do not, and none at all', () => {
    const night = { quietStart: 22, quietEnd: 7 };
    expect(afterQuietHours(night, at('2026-10-13T01:30:00'))).toEqual(at('2026-10-13T07:00:00'));
    expect(afterQuietHours(night, at('2026-10-12T21:59:00'))).toEqual(at('2026-10-12T21:59:00'));
    expect(afterQuietHours(night, at('2026-10-12T07:00:00'))).toEqual(at('2026-10-12T07:00:00'));
    const noon = { quietStart: 12, quietEnd: 14 };
    expect(afterQuietHours(noon, at('2026-10-12T13:10:00'))).toEqual(at('2026-10-12T14:00:00'));
    expect(afterQuietHours(noon, at('2026-10-12T23:10:00'))).toEqual(at('2026-10-12T23:10:00'));
    expect(afterQuietHours({ quietStart: 8, quietEnd: 8 }, at('2026-10-12T08:30:00'))).toEqual(
      at('2026-10-12T08:30:00'),
    );
  });

  it('an office test message is not a reminder: it goes at night', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, { ...reminder('test:1'), event: 'test' }, at('2026-10-12T23:00:00'), {
      email: true,
    });
    expect(await deliverDue(db, channels, at('2026-10-12T23:00:00'))).toMatchObject({ sent: 1 });
    expect(row(id!).status).toBe('sent');
  });
});

describe('pacing a robot', () => {
  it('25 reminders to one robot: 20 in the first minute, the other 5 when it has passed', async () => {
    addRobot(unitId);
    addContact(unitId, 'head', 'head@cg.gov.cn');
    const t = at('2026-10-12T10:00:00');
    for (let i = 1; i <= 25; i++) queueReminder(db, reminder(`overdue:p${i}`), t, { email: true });
    const robotRows = () => rows().filter((r) => r.channel === 'wecom');
    const order = (address: string) =>
      handed.filter((m) => m.address === address).map((m) => /overdue:\w+/.exec(m.body)![0]);
    // the 25 e-mails are not paced
    expect(await deliverDue(db, channels, t)).toMatchObject({ sent: 45 });
    expect(robotRows().filter((r) => r.status === 'sent')).toHaveLength(20);
    const waiting = robotRows().filter((r) => r.status === 'queued');
    expect(waiting.map((r) => r.event_key)).toEqual([
      'overdue:p21',
      'overdue:p22',
      'overdue:p23',
      'overdue:p24',
      'overdue:p25',
    ]);
    expect(new Set(waiting.map((r) => r.not_before))).toEqual(
      new Set([at('2026-10-12T10:01:00').toISOString()]),
    );

    expect(await deliverDue(db, channels, at('2026-10-12T10:00:59'))).toMatchObject({ sent: 0 });
    expect(await deliverDue(db, channels, at('2026-10-12T10:01:00'))).toMatchObject({ sent: 5 });
    // each robot's messages in the order they were queued
    expect(order(ROBOT)).toEqual(Array.from({ length: 25 }, (_, i) => `overdue:p${i + 1}`));
    expect(robotRows().map((r) => r.status)).toEqual(Array(25).fill('sent'));
  });

  it('addresses go side by side, each in its own order', async () => {
    const other = insertUnit(db, { code: 'U2', name: '住建局', kind: 'department' });
    addRobot(unitId);
    addRobot(other, 'https://oapi.dingtalk.com/robot/send?access_token=x', 'dingtalk', 'SEC0123');
    for (let i = 1; i <= 3; i++) {
      queueReminder(db, reminder(`overdue:a${i}`), at('2026-10-12T10:00:00'), { email: true });
      queueReminder(db, reminder(`overdue:b${i}`, other), at('2026-10-12T10:00:00'), { email: true });
    }
    let inFlight = 0;
    let most = 0;
    answer = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { outcome: 'sent' };
    };
    await deliverDue(db, channels, at('2026-10-12T10:00:00'));
    expect(most).toBe(2);
    const order = (address: string) =>
      handed.filter((m) => m.address === address).map((m) => /overdue:\w+/.exec(m.body)![0]);
    expect(order(ROBOT)).toEqual(['overdue:a1', 'overdue:a2', 'overdue:a3']);
    expect(order('https://oapi.dingtalk.com/robot/send?access_token=x')).toEqual([
      'overdue:b1',
      'overdue:b2',
      'overdue:b3',
    ]);
    // 钉钉's secret travels with its messages, and only with them
    expect(handed.filter((m) => m.channel === 'dingtalk').every((m) => m.secret === 'SEC0123')).toBe(true);
    expect(handed.filter((m) => m.channel === 'wecom').every((m) => !m.secret)).toBe(true);
  });
});

describe('only some', () => {
  it("a test message the office waits for goes alone, the backlog stays for the scheduler's round", async () => {
    addRobot(unitId);
    const backlog = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    const [test] = queueReminder(db, { ...reminder('test:1'), event: 'test' }, at('2026-10-12T10:00:00'), {
      email: true,
    });
    expect(await deliverDue(db, channels, at('2026-10-12T10:00:00'), { only: [test!] })).toMatchObject({
      sent: 1,
    });
    expect(row(test!).status).toBe('sent');
    expect(row(backlog[0]!).status).toBe('queued');
  });

  it('a test message behind 250 due reminders still goes at once, and only it', async () => {
    addRobot(unitId);
    for (let i = 0; i < 250; i++)
      queueReminder(db, reminder(`overdue:p${i}`), at('2026-10-12T09:00:00'), { email: true });
    const [test] = queueReminder(db, { ...reminder('test:1'), event: 'test' }, at('2026-10-12T10:00:00'), {
      email: true,
    });
    expect(await deliverDue(db, channels, at('2026-10-12T10:00:00'), { only: [test!] })).toEqual({
      sent: 1,
      failed: 0,
      unknown: 0,
    });
    expect(row(test!).status).toBe('sent');
    expect(handed).toHaveLength(1);
    expect(handed[0]!.subject).toBe('问题已逾期');
    expect(rows().filter((r) => r.status === 'queued')).toHaveLength(250);
  });
});

describe('failures, unknowns and retries', () => {
  it('a clear failure is retried after a minute, and then goes', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    answer = () =>
      Promise.resolve({ outcome: 'failed', error: '企业微信返回错误 93000：invalid webhook url' });
    expect(await deliverDue(db, channels, at('2026-10-12T10:00:00'))).toEqual({
      sent: 0,
      failed: 1,
      unknown: 0,
    });
    expect(row(id!)).toMatchObject({
      status: 'failed',
      attempts: 1,
      not_before: at('2026-10-12T10:01:00').toISOString(),
      last_error: '企业微信返回错误 93000：invalid webhook url',
    });
    answer = () => Promise.resolve({ outcome: 'sent' });
    expect(await deliverDue(db, channels, at('2026-10-12T10:00:59'))).toMatchObject({ sent: 0 });
    expect(await deliverDue(db, channels, at('2026-10-12T10:01:00'))).toMatchObject({ sent: 1 });
    expect(row(id!)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(handed).toHaveLength(2);
  });

  it('backs off 1, 5, 15, 60 minutes and gives up after the 5th failure', async () => {
    addContact(unitId, 'head', 'head@cg.gov.cn');
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    answer = () => Promise.resolve({ outcome: 'failed', error: '连接被拒绝' });
    let t = at('2026-10-12T10:00:00').getTime();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await deliverDue(db, channels, new Date(t));
      const r = row(id!);
      if (r.status === 'failed') {
        waits.push((Date.parse(r.not_before) - t) / 60_000);
        t = Date.parse(r.not_before);
      }
    }
    expect(waits).toEqual([1, 5, 15, 60]);
    expect(row(id!)).toMatchObject({ status: 'dead', attempts: 5, last_error: '连接被拒绝' });
    await deliverDue(db, channels, new Date(t + 86_400_000));
    expect(handed).toHaveLength(5);
  });

  it("a retry's backoff that ends in the night waits for 07:00", async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T21:59:30'), { email: true });
    answer = () => Promise.resolve({ outcome: 'failed', error: 'HTTP 502' });
    await deliverDue(db, channels, at('2026-10-12T21:59:30'));
    expect(row(id!).not_before).toBe(at('2026-10-13T07:00:00').toISOString());
  });

  it('an unknown outcome is logged and never sent again by itself', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    answer = () => Promise.resolve({ outcome: 'unknown', error: '对方无应答（超时），是否送达未知' });
    expect(await deliverDue(db, channels, at('2026-10-12T10:00:00'))).toEqual({
      sent: 0,
      failed: 0,
      unknown: 1,
    });
    await deliverDue(db, channels, at('2026-10-13T10:00:00'));
    expect(handed).toHaveLength(1);
    expect(row(id!)).toMatchObject({ status: 'unknown', attempts: 1 });
  });

  it('a channel that hangs past its timeout (or throws) is unknown, and the outbox moves on', async () => {
    addRobot(unitId);
    addContact(unitId, 'head', 'head@cg.gov.cn');
    const [robotId, mailId] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), {
      email: true,
    });
    answer = (m) =>
      m.channel === 'wecom' ? new Promise(() => {}) : Promise.reject(new Error('socket closed'));
    expect(await deliverDue(db, channels, at('2026-10-12T10:00:00'), { timeoutMs: 30 })).toEqual({
      sent: 0,
      failed: 0,
      unknown: 2,
    });
    expect(row(robotId!)).toMatchObject({ status: 'unknown', last_error: '发送超时，是否送达未知' });
    expect(row(mailId!).last_error).toBe('发送出错，是否送达未知：socket closed');
  });

  it('a send the process died in the middle of is unknown after a restart, and not repeated', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    // the process dies while the robot has the message: the row was committed as 'sending'
    answer = () => new Promise(() => {});
    void deliverDue(db, channels, at('2026-10-12T10:00:00'));
    await new Promise((r) => setTimeout(r, 10));
    expect(row(id!)).toMatchObject({ status: 'sending', attempts: 1 });
    // start-up
    expect(sendingToUnknown(db)).toBe(1);
    answer = () => Promise.resolve({ outcome: 'sent' });
    await deliverDue(db, channels, at('2026-10-12T10:05:00'));
    expect(handed).toHaveLength(1);
    expect(row(id!)).toMatchObject({ status: 'unknown', last_error: '发送中断（服务重启），是否送达未知' });
  });
});

describe('the office resends one', () => {
  const office = () => {
    const id = insertUser(db, {
      username: 'office',
      displayName: '创城办',
      role: 'office',
      unitId: null,
      homeStreetId: null,
      passwordHash: 'x',
    });
    return findUserById(db, id)!;
  };

  it('an unknown one: a new row under #resend1, then #resend2, each audited', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    answer = () => Promise.resolve({ outcome: 'unknown', error: '超时' });
    await deliverDue(db, channels, at('2026-10-12T10:00:00'));
    setClock(at('2026-10-12T10:30:00'));
    const again = resendDelivery(db, office(), id!, at('2026-10-12T10:30:00'), { email: true });
    expect(row(again)).toMatchObject({
      event_key: 'overdue:p12#resend1',
      resend_of: id,
      status: 'queued',
      address: ROBOT,
      not_before: at('2026-10-12T10:30:00').toISOString(),
    });
    expect(row(id!).status).toBe('unknown');
    answer = () => Promise.resolve({ outcome: 'unknown', error: '超时' });
    await deliverDue(db, channels, at('2026-10-12T10:30:00'));
    const third = resendDelivery(db, SYSTEM, again, at('2026-10-12T10:40:00'), { email: true });
    expect(row(third).event_key).toBe('overdue:p12#resend2');
    const audit = db
      .prepare("SELECT entity_id, detail FROM audit_log WHERE action = 'delivery.resend'")
      .all();
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ entity_id: again });
  });

  it("a failed one's own retries stop: the message cannot go twice by itself", async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    answer = () => Promise.resolve({ outcome: 'failed', error: 'HTTP 500' });
    await deliverDue(db, channels, at('2026-10-12T10:00:00'));
    resendDelivery(db, SYSTEM, id!, at('2026-10-12T10:00:30'), { email: true });
    answer = () => Promise.resolve({ outcome: 'sent' });
    expect(await deliverDue(db, channels, at('2026-10-12T10:02:00'))).toMatchObject({ sent: 1 });
    expect(row(id!).status).toBe('dead');
  });

  it('goes to the robot as the office corrected it, and refuses a channel the unit no longer has', async () => {
    addRobot(unitId, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wrong-key-0000-0000-0000');
    addContact(unitId, 'head', 'head@cg.gov.cn');
    const [robotRow, mailRow] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), {
      email: true,
    });
    answer = () => Promise.resolve({ outcome: 'unknown', error: '超时' });
    await deliverDue(db, channels, at('2026-10-12T10:00:00'));
    // the office puts the right address in: the resend goes there, not to the wrong one
    const right = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa';
    db.prepare('UPDATE unit_robots SET webhook = ? WHERE unit_id = ?').run(right, unitId);
    const again = resendDelivery(db, SYSTEM, robotRow!, at('2026-10-12T10:30:00'), { email: true });
    expect(row(again)).toMatchObject({ channel: 'wecom', address: right });
    const detail = db
      .prepare("SELECT detail FROM audit_log WHERE action = 'delivery.resend' AND entity_id = ?")
      .pluck()
      .get(again) as string;
    expect(detail).toContain('qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa');
    expect(detail).not.toContain('693a91f6');
    // the e-mail address taken off the contacts, the robot removed: nothing to resend to
    // a server without a mail server sends no e-mail, a resend neither
    expect(() => resendDelivery(db, SYSTEM, mailRow!, at('2026-10-12T10:31:00'), { email: false })).toThrow(
      '本系统未配置邮件服务器（SMTP_URL），邮件不重发',
    );
    db.prepare('UPDATE unit_contacts SET email = ? WHERE unit_id = ?').run('new@cg.gov.cn', unitId);
    expect(() => resendDelivery(db, SYSTEM, mailRow!, at('2026-10-12T10:31:00'), { email: true })).toThrow(
      'head@cg.gov.cn 已不在该单位的联系人中，不再重发；可给该单位发测试消息核对新的邮箱',
    );
    db.prepare('DELETE FROM deliveries WHERE id = ?').run(again);
    db.prepare('DELETE FROM unit_robots').run();
    expect(() => resendDelivery(db, SYSTEM, robotRow!, at('2026-10-12T10:31:00'), { email: true })).toThrow(
      '该单位已没有群机器人，不再重发；可在单位的联系人页面重新设置',
    );
    expect(rows()).toHaveLength(2);
  });

  it('one already resent is not resent again (409, nothing written): a second click cannot send it twice', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    answer = () => Promise.resolve({ outcome: 'unknown', error: '超时' });
    await deliverDue(db, channels, at('2026-10-12T10:00:00'));
    const again = resendDelivery(db, SYSTEM, id!, at('2026-10-12T10:30:00'), { email: true });
    expect(() => resendDelivery(db, SYSTEM, id!, at('2026-10-12T10:31:00'), { email: true })).toThrow(
      `这条消息已经重发过（#${again}），不再重发；请看重发的那一条`,
    );
    expect(rows()).toHaveLength(2);
    answer = () => Promise.resolve({ outcome: 'sent' });
    await deliverDue(db, channels, at('2026-10-12T10:31:00'));
    expect(handed).toHaveLength(2);
  });

  it('refused for one that went or waits (409), for anyone but the office (403), nothing written', async () => {
    addRobot(unitId);
    const [id] = queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    expect(() => resendDelivery(db, SYSTEM, id!, at('2026-10-12T10:00:00'), { email: true })).toThrow(
      Conflict,
    );
    await deliverDue(db, channels, at('2026-10-12T10:00:00'));
    expect(() => resendDelivery(db, SYSTEM, id!, at('2026-10-12T10:00:00'), { email: true })).toThrow(
      '只有发送失败或结果未知的消息可以重新发送',
    );
    const unitUser = findUserById(
      db,
      insertUser(db, {
        username: 'u1',
        displayName: '城管局',
        role: 'unit',
        unitId,
        homeStreetId: null,
        passwordHash: 'x',
      }),
    )!;
    db.prepare("UPDATE deliveries SET status = 'unknown'").run();
    expect(() => resendDelivery(db, unitUser, id!, at('2026-10-12T10:00:00'), { email: true })).toThrow(
      Forbidden,
    );
    expect(() => resendDelivery(db, SYSTEM, 999, at('2026-10-12T10:00:00'), { email: true })).toThrow(
      '找不到该发送记录',
    );
    expect(rows()).toHaveLength(1);
  });
});

describe('reminder settings', () => {
  it('defaults 8 h, quiet 22–7, copied after 3 days; saved and audited', () => {
    expect(reminderSettings(db)).toEqual({ digestHour: 8, quietStart: 22, quietEnd: 7, escalateDays: 3 });
    saveReminderSettings(db, SYSTEM, { digestHour: '9', quietStart: '21', quietEnd: '7', escalateDays: '5' });
    expect(reminderSettings(db)).toEqual({ digestHour: 9, quietStart: 21, quietEnd: 7, escalateDays: 5 });
    const detail = db
      .prepare("SELECT detail FROM audit_log WHERE action = 'settings.reminders'")
      .pluck()
      .all();
    expect(detail.map((d) => JSON.parse(d as string))).toEqual([
      { digestHour: { old: 8, new: 9 }, quietStart: { old: 22, new: 21 }, escalateDays: { old: 3, new: 5 } },
    ]);
  });

  it('refuses a digest hour outside 0–23 in Chinese, and saves nothing of the form', () => {
    const bad = (form: Record<string, unknown>) => {
      try {
        saveReminderSettings(db, SYSTEM, form);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInput);
        return err as InvalidInput;
      }
      throw new Error('not refused');
    };
    const ok = { digestHour: '9', quietStart: '22', quietEnd: '7', escalateDays: '3' };
    expect(bad({ ...ok, digestHour: '24' }).message).toBe('每日汇总时间应为 0 到 23 之间的整数');
    expect(bad({ ...ok, digestHour: '8.5' }).message).toBe('每日汇总时间应为 0 到 23 之间的整数');
    expect(bad({ ...ok, digestHour: ['8', '9'] }).message).toBe('每日汇总时间应为 0 到 23 之间的整数');
    expect(bad({ ...ok, escalateDays: '0' }).message).toBe('逾期抄送包联领导天数应为 1 到 30 之间的整数');
    const two = bad({ ...ok, quietStart: '-1', quietEnd: '' });
    expect(two.message).toBe('提醒设置有误，未保存');
    expect(two.fields).toEqual({
      quietStart: '免打扰开始时间应为 0 到 23 之间的整数',
      quietEnd: '免打扰结束时间应为 0 到 23 之间的整数',
    });
    expect(reminderSettings(db).digestHour).toBe(8);
    expect(db.prepare("SELECT count(*) FROM settings WHERE key LIKE 'reminder%'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(0);
  });
});

describe('the scheduler', () => {
  it('never runs two rounds at once, and logs a failing round instead of throwing', async () => {
    addRobot(unitId);
    setClock(at('2026-10-12T10:00:00'));
    queueReminder(db, reminder('overdue:p12'), at('2026-10-12T10:00:00'), { email: true });
    let release = () => {};
    let sending = () => {};
    const started = new Promise<void>((r) => (sending = r));
    answer = () =>
      new Promise((r) => {
        release = () => r({ outcome: 'sent' });
        sending();
      });
    const errors: string[] = [];
    const scheduler = startReminders({
      db,
      channels,
      baseUrl: 'http://cc.local',
      email: true,
      logError: (m) => errors.push(m),
    });
    const first = scheduler.tick();
    const second = scheduler.tick();
    expect(second).toBe(first);
    await started; // the round composed (step by step) and is sending: a tick now is still the same round
    expect(scheduler.tick()).toBe(first);
    release();
    await first;
    expect(handed.filter((m) => m.address === ROBOT)).toHaveLength(1);
    expect(errors).toEqual([]);

    db.close();
    await scheduler.tick();
    expect(errors.map((e) => e.split('：')[0])).toEqual(['提醒生成失败', '提醒发送失败']);
    scheduler.stop();
    db = openDatabase(':memory:');
  });
});
