// 提醒 (/notifications), the office's page: the delivery log lists failures and unknowns first, then the
// newest, filtered by result, event, unit and channel and paged, a robot's webhook key never shown in full;
// 重发 queues a failed one again (a new row that names the old) and refuses one that went (409, nothing
// stored); the preview of a unit's next digest; a test message reaches a robot that answers ok and shows
// the error of one that answers 200 with an error code; the settings refuse hours outside 0–23 whole.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { dbFingerprint } from '../helpers/routes.ts';
import { unitIdOf } from '../helpers/ids.ts';
import { atomically } from '../../src/db/connection.ts';
import {
  insertDelivery,
  updateDelivery,
  type DeliveryChannel,
  type DeliveryEvent,
  type DeliveryRow,
  type DeliveryStatus,
} from '../../src/db/repos/reminders.ts';
import { reminderSettings } from '../../src/services/reminder-settings.ts';
import { digestPreview } from '../../src/services/reminder-events.ts';
import { escapeHtml } from '../../src/app.ts';
import { listUnits } from '../../src/db/repos/units.ts';
import { now } from '../../src/util/clock.ts';
import { startRobot, startSmtpReceiver, type SmtpReceiver } from '../helpers/receivers.ts';

let app: TestApp;
let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
  app = await startApp({ env: { SMTP_URL: smtp.url, REMINDERS: '1' } });
});
afterAll(async () => {
  await app.destroy();
  await smtp.close();
});
const as = loggedIn(() => app.url);
const db = () => app.booted.db;

const WECOM_KEY = '693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa';
const WECOM = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`;
const DING_TOKEN = 'c5a8f2e1d3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const DING = `https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}`;

let seq = 0;
/** A delivery as the outbox leaves it: queued at `at`, then moved to its status. */
function delivery(
  unitCode: string,
  event: DeliveryEvent,
  channel: DeliveryChannel,
  address: string,
  status: DeliveryStatus,
  at: string,
  error: string | null = null,
): number {
  const id = insertDelivery(db(), {
    eventKey: `t:${++seq}`,
    event,
    unitId: unitIdOf(db(), unitCode),
    channel,
    address,
    subject: '提醒',
    body: '正文',
    notBefore: at,
    createdAt: at,
  })!;
  if (status !== 'queued')
    updateDelivery(db(), id, {
      status,
      attempts: status === 'dead' ? 5 : 1,
      sent_at: at,
      last_error: error,
    });
  return id;
}

/** The ids of the log's rows, in the page's order. */
const rowIds = (html: string) =>
  [...html.matchAll(/<span class="muted small row-id">#(\d+)<\/span>/g)].map((m) => Number(m[1]));

const row = (id: number) => db().prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow;

describe('the delivery log', () => {
  const ids = { sentDigest: 0, failedOverdue: 0, queued: 0, unknown: 0, dead: 0, sentTest: 0 };
  beforeEach(() => {
    db().prepare('DELETE FROM deliveries').run();
    ids.sentDigest = delivery(
      'D-CGJ',
      'digest',
      'email',
      'zhao@cgj.example.gov.cn',
      'sent',
      '2026-10-09T00:00:00.000Z',
    );
    ids.failedOverdue = delivery(
      'D-CGJ',
      'overdue',
      'wecom',
      WECOM,
      'failed',
      '2026-10-09T01:00:00.000Z',
      `POST ${WECOM} 返回 errcode 93000：invalid webhook url`,
    );
    ids.queued = delivery('D-SCJG', 'due_soon', 'dingtalk', DING, 'queued', '2026-10-09T02:00:00.000Z');
    ids.unknown = delivery(
      'D-SCJG',
      'escalation',
      'email',
      'sun@scjg.example.gov.cn',
      'unknown',
      '2026-10-09T03:00:00.000Z',
      '对方无应答（15 秒），是否送达未知',
    );
    ids.dead = delivery(
      'D-CGJ',
      'fix_returned',
      'wecom',
      WECOM,
      'dead',
      '2026-10-09T04:00:00.000Z',
      'HTTP 502',
    );
    ids.sentTest = delivery(
      'D-SCJG',
      'test',
      'email',
      'sun@scjg.example.gov.cn',
      'sent',
      '2026-10-09T05:00:00.000Z',
    );
  });

  it('lists failures and unknowns first, then the newest, in words, the webhook key never in full', async () => {
    const page = await (await as('office')).get('/notifications');
    expect(page.status).toBe(200);
    expect(rowIds(page.text)).toEqual([
      ids.dead,
      ids.unknown,
      ids.failedOverdue,
      ids.sentTest,
      ids.queued,
      ids.sentDigest,
    ]);
    expect(page.text).toContain(
      '共 <b class="delivery-total">6</b> 条，其中失败或结果未知 <b class="flag">3</b> 条',
    );
    for (const word of [
      '每日汇总',
      '已逾期',
      '逾期抄送包联领导',
      '整改被退回',
      '测试消息',
      '企业微信群机器人',
      '钉钉群机器人',
      '电子邮件',
      '失败，将重试',
      '结果未知',
      '失败，已放弃',
      '已发送',
      '待发送',
      '区城管局',
      '区市场监管局',
    ])
      expect(page.text, word).toContain(word);
    // 2026-10-09 09:00 in Shanghai, its error, and the e-mail address in full
    expect(page.text).toContain('2026-10-09 09:00');
    expect(page.text).toContain('对方无应答（15 秒），是否送达未知');
    expect(page.text).toContain('sun@scjg.example.gov.cn');
    // the robots' keys: shortened in the address column and inside the error
    expect(page.text).not.toContain(WECOM_KEY);
    expect(page.text).not.toContain(DING_TOKEN);
    expect(page.text).toContain('qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa');
    expect(page.text).toContain('oapi.dingtalk.com/robot/send?access_token=…6b5c');
    expect(page.text).toContain('POST qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa 返回 errcode 93000');
    // 重发 on the failed, unknown and dead ones only
    const resend = [...page.text.matchAll(/action="\/notifications\/(\d+)\/resend"/g)].map((m) =>
      Number(m[1]),
    );
    expect(resend).toEqual([ids.dead, ids.unknown, ids.failedOverdue]);
  });

  it('filters by result, event, unit and channel; a filter not offered is a 400', async () => {
    const c = await as('office');
    expect(rowIds((await c.get('/notifications?status=failed')).text)).toEqual([ids.failedOverdue]);
    expect(rowIds((await c.get('/notifications?event=test')).text)).toEqual([ids.sentTest]);
    expect(rowIds((await c.get(`/notifications?unit=${unitIdOf(db(), 'D-SCJG')}`)).text)).toEqual([
      ids.unknown,
      ids.sentTest,
      ids.queued,
    ]);
    expect(rowIds((await c.get('/notifications?channel=email&unit=')).text)).toEqual([
      ids.unknown,
      ids.sentTest,
      ids.sentDigest,
    ]);
    const none = await c.get(`/notifications?channel=dingtalk&unit=${unitIdOf(db(), 'D-CGJ')}`);
    expect(none.text).toContain('没有符合条件的发送记录。');
    for (const bad of [
      'status=lost',
      'event=party',
      'channel=sms',
      'unit=999999',
      'unit=abc',
      'page=0',
      'page=x',
    ]) {
      const r = await c.get(`/notifications?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.text).toContain('筛选条件无效');
    }
  });

  it('pages through many rows, the failures of every page first on the first', async () => {
    atomically(db(), () => {
      for (let i = 0; i < 117; i++)
        delivery('D-CGJ', 'overdue', 'email', `u${i}@cgj.example.gov.cn`, 'sent', '2026-10-10T00:00:00.000Z');
    });
    const c = await as('office');
    const first = await c.get('/notifications');
    expect(first.text).toContain('共 <b class="delivery-total">123</b> 条');
    expect(first.text).toContain('第 1 / 3 页');
    const one = rowIds(first.text);
    expect(one).toHaveLength(50);
    expect(one.slice(0, 3)).toEqual([ids.dead, ids.unknown, ids.failedOverdue]);
    expect(first.text).toContain('href="/notifications?page=2">下一页</a>');
    const third = await c.get('/notifications?page=3');
    const three = rowIds(third.text);
    expect(three).toHaveLength(23);
    expect(three.slice(-3)).toEqual([ids.sentTest, ids.queued, ids.sentDigest]);
    expect(third.text).toContain('href="/notifications?page=2">上一页</a>');
    // with a filter the links keep it
    const email = await c.get('/notifications?channel=email&page=2');
    expect(email.text).toContain('href="/notifications?channel=email&amp;page=3">下一页</a>');
    // every row once across the pages
    const two = rowIds((await c.get('/notifications?page=2')).text);
    expect(new Set([...one, ...two, ...three]).size).toBe(123);
  });

  it('重发 queues a failed one again (a new row naming it) and refuses one that went, 409, nothing stored', async () => {
    const c = await as('office');
    const before = { page: (await c.get('/notifications')).text, db: dbFingerprint(db()) };
    const refused = await c.post(`/notifications/${ids.sentTest}/resend`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('只有发送失败或结果未知的消息可以重新发送');
    expect(rowIds(refused.text)[0]).toBe(ids.dead);
    expect(dbFingerprint(db())).toEqual(before.db);
    expect((await c.post('/notifications/999999/resend')).status).toBe(404);
    expect((await c.post('/notifications/abc/resend')).status).toBe(404);
    expect((await c.post(`/notifications/${ids.failedOverdue}/resend`, {}, { csrf: false })).status).toBe(
      403,
    );
    expect(dbFingerprint(db())).toEqual(before.db);

    // the office has corrected the unit's robot (now a 企业微信 one at another key): the resend goes there
    const fixed = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${'f'.repeat(8)}-1111-2222-3333-444444444444`;
    db()
      .prepare(
        "INSERT OR REPLACE INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, 'wecom', ?, NULL, ?)",
      )
      .run(unitIdOf(db(), 'D-CGJ'), fixed, '2026-10-09T06:00:00.000Z');
    const ok = await c.post(`/notifications/${ids.failedOverdue}/resend`);
    expect(ok.status).toBe(303);
    const newId = scalar(db(), 'SELECT id FROM deliveries WHERE resend_of = ?', ids.failedOverdue) as number;
    expect(row(newId)).toMatchObject({
      status: 'queued',
      channel: 'wecom',
      address: fixed,
      event: 'overdue',
    });
    expect(row(ids.failedOverdue).status).toBe('dead');
    const page = await c.get('/notifications');
    expect(page.text).toContain(`已重新排队发送（新记录 #${newId}，原记录 #${ids.failedOverdue}）`);
    expect(page.text).toContain(`重发 #${ids.failedOverdue}`);
    // the old row is settled: it says by which row, offers no 重发, and no longer counts as needing attention
    const attention = (html: string) =>
      Number(/其中失败或结果未知 <b class="flag">(\d+)<\/b>/.exec(html)?.[1] ?? 0);
    expect(attention(page.text)).toBe(attention(before.page) - 1);
    const oldRow = new RegExp(`row-id">#${ids.failedOverdue}</span>[^]*?</tr>`).exec(page.text)![0];
    expect(oldRow).toContain(`已重发 #${newId}`);
    expect(oldRow).not.toContain('/resend');
    // a second click on the old row (a stale page, or two offices at once): 409, nothing stored
    const stored = dbFingerprint(db());
    const twice = await c.post(`/notifications/${ids.failedOverdue}/resend`);
    expect(twice.status).toBe(409);
    expect(twice.text).toContain(`这条消息已经重发过（#${newId}），不再重发；请看重发的那一条`);
    expect(dbFingerprint(db())).toEqual(stored);
  });

  it('is linked from the office’s home', async () => {
    const home = await (await as('office')).get('/');
    expect(home.text).toContain('<a class="button" href="/notifications">提醒与发送记录</a>');
  });

  it('is the office’s alone', async () => {
    for (const who of ['inspector1', 'chengguan', 'leader-xcb']) {
      const c = await as(who);
      expect((await c.get('/notifications')).status, who).toBe(403);
      expect((await c.get('/notifications/settings')).status, who).toBe(403);
      expect((await c.get('/notifications/preview')).status, who).toBe(403);
      expect((await c.post(`/notifications/${ids.failedOverdue}/resend`)).status, who).toBe(403);
      expect(
        (await c.post('/notifications/test', { unit: String(unitIdOf(db(), 'D-CGJ')) })).status,
        who,
      ).toBe(403);
    }
    expect(row(ids.failedOverdue).status).toBe('failed');
  });
});

describe('提醒设置', () => {
  it('shows the settings in force and refuses hours outside 0–23 whole, what was typed kept', async () => {
    const c = await as('office');
    const page = await c.get('/notifications/settings');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="digestHour" class="short" inputmode="numeric" value="8"');
    expect(page.text).toContain('name="quietStart" class="short" inputmode="numeric" value="22"');
    expect(page.text).toContain('name="quietEnd" class="short" inputmode="numeric" value="7"');
    expect(page.text).toContain('name="escalateDays" class="short" inputmode="numeric" value="3"');
    const before = dbFingerprint(db());
    const good = { digestHour: '9', quietStart: '21', quietEnd: '6', escalateDays: '5' };
    const cases: [Record<string, string>, string, string][] = [
      [{ digestHour: '24' }, '每日汇总时间应为 0 到 23 之间的整数', 'value="24"'],
      [
        { digestHour: '' },
        '每日汇总时间应为 0 到 23 之间的整数',
        'name="digestHour" class="short" inputmode="numeric" value=""',
      ],
      [{ quietStart: '-1' }, '免打扰开始时间应为 0 到 23 之间的整数', 'value="-1"'],
      [{ quietEnd: '7.5' }, '免打扰结束时间应为 0 到 23 之间的整数', 'value="7.5"'],
      [{ escalateDays: '0' }, '逾期抄送包联领导天数应为 1 到 30 之间的整数', 'value="0"'],
    ];
    for (const [over, message, typed] of cases) {
      const r = await c.post('/notifications/settings', { ...good, ...over });
      expect(r.status, message).toBe(400);
      expect(r.text).toContain(`<p class="alert error" role="alert">${message}</p>`);
      expect(r.text).toContain(`<span class="field-error">${message}</span>`);
      expect(r.text).toContain(typed);
      // the good fields beside the bad one are shown as typed, and not stored
      if (!('quietStart' in over))
        expect(r.text).toContain('name="quietStart" class="short" inputmode="numeric" value="21"');
    }
    const two = await c.post('/notifications/settings', { ...good, digestHour: '25', quietEnd: 'x' });
    expect(two.text).toContain('提醒设置有误，未保存');
    expect(dbFingerprint(db())).toEqual(before);

    const saved = await c.post('/notifications/settings', good);
    expect(saved.status).toBe(303);
    expect(reminderSettings(db())).toEqual({ digestHour: 9, quietStart: 21, quietEnd: 6, escalateDays: 5 });
    expect((await c.get('/notifications/settings')).text).toContain('提醒设置已保存。');
  });
});

describe('汇总预览', () => {
  it('shows a unit’s next digest as robots and e-mail carry it, and 暂无新内容 when there is nothing new', async () => {
    const c = await as('office');
    const base = app.url;
    const units = listUnits(db()).filter((u) => !u.retired_at);
    const withNews = units.find((u) => digestPreview(db(), u.id, now(), base));
    const without = units.find((u) => !digestPreview(db(), u.id, now(), base));
    expect(withNews, 'a demo unit with new problems or tasks').toBeDefined();
    const expected = digestPreview(db(), withNews!.id, now(), base)!;
    const page = await c.get(`/notifications/preview?unit=${withNews!.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<h2>${escapeHtml(expected.subject)}</h2>`);
    expect(page.text).toContain(`<pre class="message-text">${escapeHtml(expected.markdown)}</pre>`);
    expect(page.text).toContain(`<pre class="message-text">${escapeHtml(expected.text)}</pre>`);
    const empty = await c.get(`/notifications/preview?unit=${without!.id}`);
    expect(empty.text).toContain(`暂无新内容：${escapeHtml(without!.name)}下一次汇总没有要发送的内容。`);
    expect((await c.get('/notifications/preview')).text).not.toContain('暂无新内容');
    for (const bad of ['999999', 'x']) {
      const r = await c.get(`/notifications/preview?unit=${bad}`);
      expect(r.status).toBe(400);
      expect(r.text).toContain('请选择单位');
    }
  });
});

describe('测试消息', () => {
  it('goes to each of the unit’s channels at once; the page shows what each answered', async () => {
    // the demo's units have robots and contacts at its sink: these tests give their own
    db().exec('DELETE FROM deliveries; DELETE FROM unit_robots; DELETE FROM unit_contacts');
    const ok = await startRobot('wecom', 'ok');
    const refusing = await startRobot('dingtalk', 'errcode');
    try {
      const cgj = unitIdOf(db(), 'D-CGJ');
      const scjg = unitIdOf(db(), 'D-SCJG');
      const at = '2026-10-09T00:00:00.000Z';
      db()
        .prepare(
          'INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, NULL, ?)',
        )
        .run(cgj, 'wecom', ok.url, at);
      db()
        .prepare(
          'INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, NULL, ?)',
        )
        .run(scjg, 'dingtalk', refusing.url, at);
      db()
        .prepare(
          "INSERT INTO unit_contacts (unit_id, role, name, email, created_at) VALUES (?, 'liaison', '赵科长', ?, ?)",
        )
        .run(cgj, 'zhao@cgj.example.gov.cn', at);
      // a reminder of the backlog, due, to the same robot: the test message does not take it along
      const backlog = delivery('D-CGJ', 'overdue', 'wecom', ok.url, 'queued', '2026-10-09T00:00:00.000Z');
      const c = await as('office');
      const form = await c.get('/notifications/test');
      expect(form.text).toContain('区城管局（企业微信群机器人、1 个邮箱）');
      expect(form.text).toContain('区市场监管局（钉钉群机器人）');

      const sent = await c.post('/notifications/test', { unit: String(cgj) });
      expect(sent.status).toBe(303);
      const page = await c.get(sent.location!);
      expect(page.text).toMatch(/<li data-status="sent"><b>企业微信群机器人<\/b>[^]*?已送达/);
      expect(page.text).toMatch(
        /<li data-status="sent"><b>电子邮件<\/b> <span class="muted">zhao@cgj.example.gov.cn<\/span>[^]*?已送达/,
      );
      expect(ok.received).toHaveLength(1);
      expect(row(backlog).status).toBe('queued');
      expect(JSON.stringify(ok.received[0]!.json)).toContain('这是创城测评系统发给 区城管局 的测试消息');
      expect(smtp.received.map((m) => [m.envelopeTo, m.subject])).toEqual([
        [['zhao@cgj.example.gov.cn'], '测试消息：区城管局'],
      ]);
      // a second click is a second message
      await c.post('/notifications/test', { unit: String(cgj) });
      expect(ok.received).toHaveLength(2);

      const failed = await c.get((await c.post('/notifications/test', { unit: String(scjg) })).location!);
      expect(failed.text).toMatch(
        /<li data-status="failed"><b>钉钉群机器人<\/b>[^]*?失败，将重试[^]*?300001[^]*?token is not exist/,
      );
      expect(refusing.received).toHaveLength(1);
      expect(failed.text).not.toContain('test-token-0001');
      // in the log, with the error
      const log = await c.get('/notifications?event=test');
      expect(log.text).toContain(
        '共 <b class="delivery-total">5</b> 条，其中失败或结果未知 <b class="flag">1</b> 条',
      );
      const audits = scalar(db(), "SELECT count(*) FROM audit_log WHERE action = 'unit.test_message'");
      expect(audits).toBe(3);
    } finally {
      await ok.close();
      await refusing.close();
    }
  });

  it('a unit without channels, or none chosen: a clear message, nothing stored', async () => {
    const c = await as('office');
    await c.get('/notifications/test');
    const before = dbFingerprint(db());
    const none = await c.post('/notifications/test', { unit: String(unitIdOf(db(), 'S-DH')) });
    expect(none.status).toBe(400);
    expect(none.text).toContain(
      '东湖街道办事处还没有接收提醒的渠道：请先在单位页面填写群机器人或联系人的电子邮箱',
    );
    for (const unit of ['', '999999', 'abc']) {
      const r = await c.post('/notifications/test', { unit });
      expect(r.status, unit).toBe(400);
      expect(r.text).toContain('<p class="alert error" role="alert">请选择单位</p>');
    }
    expect(dbFingerprint(db())).toEqual(before);
  });
});

describe('a server that sends nothing (REMINDERS=0), and one without a mail server', () => {
  it('REMINDERS=0: the pages say so and a test message is refused, 409, nothing stored', async () => {
    const off = await startApp({ env: { REMINDERS: '0' } });
    try {
      const c = await loggedIn(() => off.url)('office');
      const log = await c.get('/notifications');
      expect(log.text).toContain('提醒发送已关闭（REMINDERS=0）：不生成也不发出提醒，测试消息也不会发出。');
      const form = await c.get('/notifications/test');
      expect(form.text).toContain('提醒发送已关闭（REMINDERS=0），测试消息不会发出。');
      const cgj = unitIdOf(off.booted.db, 'D-CGJ');
      off.booted.db
        .prepare(
          "INSERT OR REPLACE INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, 'wecom', ?, NULL, '2026-10-09T00:00:00Z')",
        )
        .run(cgj, WECOM);
      const before = dbFingerprint(off.booted.db);
      const r = await c.post('/notifications/test', { unit: String(cgj) });
      expect(r.status).toBe(409);
      expect(r.text).toContain('提醒发送已关闭（REMINDERS=0），测试消息不会发出');
      expect(dbFingerprint(off.booted.db)).toEqual(before);
      expect(scalar(off.booted.db, "SELECT count(*) FROM deliveries WHERE event = 'test'")).toBe(0);
    } finally {
      await off.destroy();
    }
  });

  it('no SMTP_URL: a unit reached only by e-mail gets no test message, and is told why', async () => {
    const noMail = await startApp({ env: { REMINDERS: '1' } });
    try {
      const c = await loggedIn(() => noMail.url)('office');
      const cgj = unitIdOf(noMail.booted.db, 'D-CGJ');
      // reached by e-mail only: no robot, one contact with an address
      noMail.booted.db.prepare('DELETE FROM unit_robots WHERE unit_id = ?').run(cgj);
      noMail.booted.db.prepare('DELETE FROM unit_contacts WHERE unit_id = ?').run(cgj);
      noMail.booted.db
        .prepare(
          "INSERT INTO unit_contacts (unit_id, role, name, email, created_at) VALUES (?, 'liaison', '赵科长', 'zhao@cgj.example.gov.cn', '2026-10-09T00:00:00Z')",
        )
        .run(cgj);
      await c.get('/notifications/test');
      const before = dbFingerprint(noMail.booted.db);
      const r = await c.post('/notifications/test', { unit: String(cgj) });
      expect(r.status).toBe(400);
      expect(r.text).toContain(
        '区城管局只有联系人邮箱，没有群机器人；本系统未配置邮件服务器（SMTP_URL），不发邮件',
      );
      expect(dbFingerprint(noMail.booted.db)).toEqual(before);
    } finally {
      await noMail.destroy();
    }
  });
});
