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

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.destroy());
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
const rowIds = (html: string) => [...html.matchAll(/<td class="num">#(\d+)<\/td>/g)].map((m) => Number(m[1]));

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
    await c.get('/notifications');
    const before = dbFingerprint(db());
    const refused = await c.post(`/notifications/${ids.sentTest}/resend`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('只有发送失败或结果未知的消息可以重新发送');
    expect(rowIds(refused.text)[0]).toBe(ids.dead);
    expect(dbFingerprint(db())).toEqual(before);
    expect((await c.post('/notifications/999999/resend')).status).toBe(404);
    expect((await c.post('/notifications/abc/resend')).status).toBe(404);
    expect((await c.post(`/notifications/${ids.failedOverdue}/resend`, {}, { csrf: false })).status).toBe(
      403,
    );
    expect(dbFingerprint(db())).toEqual(before);

    const ok = await c.post(`/notifications/${ids.failedOverdue}/resend`);
    expect(ok.status).toBe(303);
    const newId = scalar(db(), 'SELECT id FROM deliveries WHERE resend_of = ?', ids.failedOverdue) as number;
    expect(row(newId)).toMatchObject({
      status: 'queued',
      channel: 'wecom',
      address: WECOM,
      event: 'overdue',
    });
    expect(row(ids.failedOverdue).status).toBe('dead');
    const page = await c.get('/notifications');
    expect(page.text).toContain(`已重新排队发送（新记录 #${newId}，原记录 #${ids.failedOverdue}）`);
    expect(page.text).toContain(`重发 #${ids.failedOverdue}`);
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
