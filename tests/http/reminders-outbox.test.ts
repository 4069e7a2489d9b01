// The outbox inside the real app, sending to real receivers on the loopback (a 企业微信 robot, a 钉钉 robot
// checking its signature, an SMTP server): the scheduler's round (booted.reminders.tick, what the timer does
// each minute) with the app's clock moved across a backoff, a quiet-hours night and a robot's minute; a
// hang that is unknown and stays unsent across a restart; an answer of 200 with an error code is a failure.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.ts';
import { startRobot, startSmtpReceiver, type Robot, type SmtpReceiver } from '../helpers/receivers.ts';
import { insertUnit } from '../../src/db/repos/units.ts';
import { findDelivery, type DeliveryRow } from '../../src/db/repos/reminders.ts';
import { makeChannels } from '../../src/notify/channels.ts';
import { deliverDue, queueReminder } from '../../src/services/reminder-outbox.ts';
import { now, nowMs, setClock } from '../../src/util/clock.ts';

/** A moment given in Shanghai time. */
const at = (local: string) => new Date(`${local}+08:00`);

let app: TestApp;
let smtp: SmtpReceiver;
const robots: Robot[] = [];

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  app = await startApp({
    demo: false,
    env: { SMTP_URL: smtp.url, MAIL_FROM: '清河区创城办 <ccb@qh.gov.cn>', REMINDERS: '1' },
  });
});
afterAll(async () => {
  await app.destroy();
  await smtp.close();
  await Promise.all(robots.map((r) => r.close()));
});
afterEach(() => setClock(null));

const db = () => app.booted.db;
const tick = () => app.booted.reminders!.tick();
/** The clock moved to a moment in Shanghai time, and the scheduler's round there. */
const tickAt = (local: string) => {
  setClock(at(local));
  return tick();
};

let units = 0;
/** A unit of its own for each test, with a robot and, optionally, a 负责人 with an e-mail address. */
function unitWith(
  robot: Robot | null,
  kind: 'wecom' | 'dingtalk' = 'wecom',
  secret: string | null = null,
  email?: string,
) {
  const id = insertUnit(db(), { code: `T${++units}`, name: `测试单位${units}`, kind: 'department' });
  if (robot)
    db()
      .prepare('INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, kind, robot.url, secret, now().toISOString());
  if (email)
    db()
      .prepare(
        'INSERT INTO unit_contacts (unit_id, role, name, mobile, email, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, 'head', '张局长', null, email, now().toISOString());
  return id;
}
async function robot(kind: 'wecom' | 'dingtalk', secret?: string) {
  const r = await startRobot(kind, 'ok', secret);
  robots.push(r);
  return r;
}
const reminder = (eventKey: string, unitId: number) => ({
  eventKey,
  event: 'overdue' as const,
  unitId,
  subject: '【已逾期】幸福社区 垃圾桶破损',
  markdown: `### 问题已逾期\n幸福社区 垃圾桶破损（${eventKey}）\n[查看问题](http://cc.local/problems/12)`,
  text: `问题已逾期：幸福社区 垃圾桶破损（${eventKey}）\nhttp://cc.local/problems/12`,
});
/** The clock in whole seconds, as the scheduler reads it (reminder-scheduler.ts). */
const second = () => new Date(Math.floor(nowMs() / 1000) * 1000);
const row = (id: number) => findDelivery(db(), id) as DeliveryRow;
/** The markdown a robot received: 企业微信's markdown.content, 钉钉's markdown.text. */
const markdownOf = (r: Robot, i: number) => {
  const { markdown } = r.received[i]!.json as { markdown: { content?: string; text?: string } };
  return markdown.content ?? markdown.text ?? '';
};

/** A 企业微信 robot of its own for a unit of its own, and one reminder queued to it at 10:00. */
async function queuedAtTen(eventKey: string) {
  const r = await robot('wecom');
  const unit = unitWith(r);
  setClock(at('2026-10-12T10:00:00'));
  const [id] = queueReminder(db(), reminder(eventKey, unit), second(), { email: true });
  return { r, id: id! };
}

describe('the scheduler sends through the real channels', () => {
  it('a failed send (HTTP 503) is retried after a minute, not before, and then arrives once', async () => {
    const { r, id } = await queuedAtTen('overdue:r1');
    r.behave('busy503');
    await tick();
    expect(r.received).toHaveLength(1);
    expect(row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: '企业微信返回 HTTP 503' });
    r.behave('ok');
    await tickAt('2026-10-12T10:00:50');
    expect(r.received).toHaveLength(1);
    await tickAt('2026-10-12T10:01:00');
    expect(r.received).toHaveLength(2);
    expect(markdownOf(r, 1)).toContain('幸福社区 垃圾桶破损（overdue:r1）');
    expect(row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    await tickAt('2026-10-12T12:00:00');
    expect(r.received).toHaveLength(2);
  });

  it('an answer of 200 with an error code is a failure', async () => {
    const { r, id } = await queuedAtTen('overdue:r2');
    r.behave('errcode');
    await tick();
    expect(row(id).status).toBe('failed');
    expect(row(id).last_error).toContain('93000');
  });

  it('queued at 23:00: nothing in the night, the robot (signed 钉钉) and the e-mail at 07:00', async () => {
    const r = await robot('dingtalk', 'SECtest0001');
    const unit = unitWith(r, 'dingtalk', 'SECtest0001', 'zhang@qh.gov.cn');
    setClock(at('2026-10-12T23:00:00'));
    const ids = queueReminder(db(), reminder('overdue:r3', unit), second(), { email: true });
    expect(ids).toHaveLength(2);
    await tick();
    await tickAt('2026-10-13T06:59:00');
    expect(r.received).toHaveLength(0);
    expect(smtp.received.filter((m) => m.envelopeTo.includes('zhang@qh.gov.cn'))).toHaveLength(0);
    await tickAt('2026-10-13T07:00:00');
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.signatureOk).toBe(true);
    const mail = smtp.received.filter((m) => m.envelopeTo.includes('zhang@qh.gov.cn'));
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ subject: '【已逾期】幸福社区 垃圾桶破损' });
    expect(mail[0]!.text).toContain('问题已逾期：幸福社区 垃圾桶破损（overdue:r3）');
    expect(ids.map((id) => row(id).sent_at)).toEqual([
      at('2026-10-13T07:00:00').toISOString(),
      at('2026-10-13T07:00:00').toISOString(),
    ]);
  });

  it('25 reminders to one robot: 20 in the first minute, the other 5 after it; the same event again: nothing', async () => {
    const r = await robot('wecom');
    const unit = unitWith(r);
    setClock(at('2026-10-12T10:00:00'));
    for (let i = 1; i <= 25; i++)
      queueReminder(db(), reminder(`overdue:m${i}`, unit), second(), { email: true });
    await tick();
    expect(r.received).toHaveLength(20);
    await tickAt('2026-10-12T10:00:59');
    expect(r.received).toHaveLength(20);
    await tickAt('2026-10-12T10:01:00');
    expect(r.received).toHaveLength(25);
    // in the order they were queued
    expect(r.received.map((_, i) => /overdue:m\d+/.exec(markdownOf(r, i))![0])).toEqual(
      Array.from({ length: 25 }, (_, i) => `overdue:m${i + 1}`),
    );
    expect(queueReminder(db(), reminder('overdue:m7', unit), second(), { email: true })).toEqual([]);
    await tickAt('2026-10-12T10:05:00');
    expect(r.received).toHaveLength(25);
  });
});

describe('a receiver that hangs', () => {
  it('is unknown after the timeout and never sent again', async () => {
    const { r, id } = await queuedAtTen('overdue:h1');
    r.behave('hang');
    const channels = makeChannels({ mailFrom: 'x <x@localhost>' });
    expect(await deliverDue(db(), channels, now(), { timeoutMs: 300 })).toEqual({
      sent: 0,
      failed: 0,
      unknown: 1,
    });
    expect(row(id).status).toBe('unknown');
    r.behave('ok');
    await tickAt('2026-10-13T10:00:00');
    expect(r.received).toHaveLength(1);
  });

  it('the process stops while the robot holds the message: unknown after the restart, not repeated', async () => {
    const { r, id } = await queuedAtTen('overdue:h2');
    r.behave('hang');
    const sending = deliverDue(db(), makeChannels({ mailFrom: 'x <x@localhost>' }), now(), {
      timeoutMs: 5_000,
    }).catch(() => 'stopped');
    while (r.received.length === 0) await new Promise((res) => setTimeout(res, 10));
    expect(row(id)).toMatchObject({ status: 'sending', attempts: 1 });
    await app.stop();
    app = await startApp({ dir: app.dir, demo: false, env: { SMTP_URL: smtp.url, REMINDERS: '1' } });
    expect(row(id)).toMatchObject({ status: 'unknown', last_error: '发送中断（服务重启），是否送达未知' });
    r.behave('ok');
    await tickAt('2026-10-12T10:10:00');
    expect(r.received).toHaveLength(1);
    expect(row(id).status).toBe('unknown');
    await r.close();
    expect(await sending).toBe('stopped');
  });
});
