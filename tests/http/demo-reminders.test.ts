/**
 * The demo's reminders (#21): its units have contacts and robots pointing at this server's own sink
 * (/demo-sink), the delivery log starts with yesterday's round — a 钉钉 group refusing a pasted wrong
 * secret until given up, resent after the office corrected it, and one robot that never answered — and the
 * sink answers as the robots do. The demo is seeded here with the port the app then listens on, so the
 * reminders this app sends really reach its sink.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { boot, type Booted } from '../../src/boot.ts';
import { signDingtalk } from '../../src/notify/robots.ts';
import { setClock } from '../../src/util/clock.ts';
import { DEMO_PASSWORD, loggedIn, scalar, startApp, tempDir } from '../helpers/app.ts';

let server: Server;
let booted: Booted;
let url = '';
const dir = tempDir();
const as = loggedIn(() => url);
const one = (sql: string, ...args: unknown[]) => scalar(booted.db, sql, ...args);

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  booted = await boot(
    loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: join(dir, 'data'),
      UPLOAD_DIR: join(dir, 'uploads'),
      DEMO: '1',
      DEMO_PASSWORD,
      LOG_LEVEL: 'silent',
      PORT: String(port),
      REMINDERS: '1',
    }),
    () => {},
  );
  server.on('request', booted.app);
}, 60_000);

afterAll(async () => {
  setClock(null);
  // a freshly seeded demo's photo versions are still being made: let them finish before the folder goes
  await booted.versions.settled();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  booted.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}, 120_000);

const robotOf = (code: string) =>
  booted.db
    .prepare(
      'SELECT r.kind, r.webhook, r.secret FROM unit_robots r JOIN units u ON u.id = r.unit_id WHERE u.code = ?',
    )
    .get(code) as { kind: string; webhook: string; secret: string | null };

const post = (path: string, body: string) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
    async (r) => ({ status: r.status, json: (await r.json()) as { errcode: number; errmsg: string } }),
  );

const markdown = (text: string) => JSON.stringify({ msgtype: 'markdown', markdown: { content: text } });

describe('the demo units’ contacts and robots', () => {
  it('gives every unit a 负责人, a 联络员 and a robot at this server’s sink, a few of them 钉钉 with a secret', () => {
    const units = one('SELECT count(*) FROM units WHERE retired_at IS NULL') as number;
    expect(one("SELECT count(*) FROM unit_contacts WHERE role = 'head'")).toBe(units);
    expect(one("SELECT count(*) FROM unit_contacts WHERE role = 'liaison'")).toBe(units);
    expect(one('SELECT count(*) FROM unit_robots WHERE webhook LIKE ?', `${url}/demo-sink/%`)).toBe(units);
    const signed = one(
      "SELECT count(*) FROM unit_robots WHERE kind = 'dingtalk' AND secret LIKE 'SEC%'",
    ) as number;
    expect(signed).toBeGreaterThan(0);
    expect(signed).toBeLessThan(units / 2);
    expect(one("SELECT count(*) FROM unit_contacts WHERE mobile NOT LIKE '138________'")).toBe(0);
    expect(one("SELECT count(*) FROM unit_contacts WHERE email NOT LIKE '%@qinghe.example'")).toBe(0);
  });

  it('shows a unit’s contacts and robot on its contacts page', async () => {
    const xingfu = one("SELECT id FROM units WHERE code = 'C-DH-1'") as number;
    const head = booted.db
      .prepare("SELECT name, mobile, email FROM unit_contacts WHERE unit_id = ? AND role = 'head'")
      .get(xingfu) as { name: string; mobile: string; email: string };
    const office = await (await as('office')).get(`/units/${xingfu}/contacts`);
    expect(office.status).toBe(200);
    for (const v of [head.name, head.mobile, head.email, '企业微信', '/demo-sink/wecom/send'])
      expect(office.text).toContain(v);
    const own = await (await as('xingfu')).get(`/units/${xingfu}/contacts`);
    expect(own.status).toBe(200);
    expect(own.text).toContain(head.name);
  });
});

describe('the delivery log the demo starts with', () => {
  it('lists the refused 钉钉 messages given up after 5 attempts, and their resends as sent', async () => {
    const dead = booted.db
      .prepare("SELECT id, attempts, last_error FROM deliveries WHERE status = 'dead' ORDER BY id")
      .all() as { id: number; attempts: number; last_error: string }[];
    expect(dead.length).toBeGreaterThan(0);
    const page = await (await as('office')).get('/notifications?status=dead');
    expect(page.status).toBe(200);
    for (const d of dead) {
      expect(d.attempts).toBe(5);
      expect(d.last_error).toBe('钉钉返回错误 310000：sign not match, more: [demo-sink]');
      const resend = booted.db
        .prepare('SELECT id, status, channel, address FROM deliveries WHERE resend_of = ?')
        .get(d.id) as { id: number; status: string };
      expect(resend.status).toBe('sent');
      expect(page.text).toContain(`<span class="muted small row-id">#${d.id}</span>`);
      expect(page.text).toContain(`已重发 #${resend.id}`);
    }
    expect(page.text).toContain('已尝试 5 次');
    expect(page.text).toContain('sign not match');
    const all = await (await as('office')).get('/notifications');
    const total = one('SELECT count(*) FROM deliveries') as number;
    expect(all.text).toContain(`共 <b class="delivery-total">${total}</b> 条`);
  });

  it('holds one message whose robot never answered, not sent again', () => {
    const unknown = booted.db.prepare("SELECT last_error FROM deliveries WHERE status = 'unknown'").all();
    expect(unknown).toEqual([
      { last_error: expect.stringMatching(/：等待回答超时（15 秒），不确定是否已送达$/) },
    ]);
  });
});

describe('the sink', () => {
  it('answers a 企业微信 message to a demo group errcode 0 and shows it to the office, newest first', async () => {
    const robot = robotOf('D-SCJG');
    const path = robot.webhook.slice(url.length);
    expect(await post(path, markdown('**第一条**\n\n测试'))).toEqual({
      status: 200,
      json: { errcode: 0, errmsg: 'ok' },
    });
    expect((await post(path, markdown('**第二条**'))).json.errcode).toBe(0);
    const page = await (await as('office')).get('/demo-sink');
    expect(page.status).toBe(200);
    expect(page.text).toContain('区市场监管局</b>的企业微信群');
    expect(page.text.indexOf('第二条')).toBeLessThan(page.text.indexOf('第一条'));
  });

  it('refuses a 钉钉 message with a wrong signature (310000), a key no group has and a body that is not JSON', async () => {
    const robot = robotOf('S-DH');
    const path = robot.webhook.slice(url.length);
    const ts = Date.now();
    const wrong = signDingtalk(`SEC${'0'.repeat(64)}`, ts);
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { title: '标题', text: '内容' } });
    const bad = await post(`${path}&timestamp=${ts}&sign=${encodeURIComponent(wrong)}`, body);
    expect(bad.json.errcode).toBe(310000);
    const right = signDingtalk(robot.secret!, ts);
    expect((await post(`${path}&timestamp=${ts}&sign=${encodeURIComponent(right)}`, body)).json).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect(
      (await post('/demo-sink/wecom/send?key=00000000-0000-0000-0000-000000000000', markdown('x'))).json
        .errcode,
    ).toBe(93000);
    const notJson = await post(robotOf('D-SCJG').webhook.slice(url.length), '{"msgtype": "markdown", ');
    expect(notJson).toEqual({
      status: 200,
      json: { errcode: 40035, errmsg: expect.stringContaining('json') },
    });
  });

  it('keeps only what reached a demo group, shows it escaped, and reads no more than 64 KB', async () => {
    const path = robotOf('D-SCJG').webhook.slice(url.length);
    expect(
      (await post(path, markdown('<script>alert(1)</script><img src=x onerror=alert(2)>'))).json,
    ).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    // 200 strangers' posts to made-up keys: answered as the robots answer them, none kept
    for (let i = 0; i < 200; i++)
      expect(
        (await post('/demo-sink/dingtalk/send?access_token=zz', markdown(`陌生人 ${i}`))).json.errcode,
      ).toBe(300001);
    const page = await (await as('office')).get('/demo-sink');
    expect(page.text).not.toContain('陌生人');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<img src=x');
    // a body past 64 KB, said or not said in advance: 413 at once, the connection closed behind it
    const big = markdown('长'.repeat(30_000));
    const said = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(said.status).toBe(413);
    expect(said.headers.get('connection')).toBe('close');
    const chunked = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('is the office’s: a unit user is refused (403)', async () => {
    const page = await (await as('xingfu')).get('/demo-sink');
    expect(page.status).toBe(403);
    expect(page.text).toContain('没有权限');
  });

  it('receives a test message sent from /notifications to a demo unit', async () => {
    const office = await as('office');
    const unit = one("SELECT id FROM units WHERE code = 'L-XCB'") as number;
    await office.get('/notifications/test');
    const sent = await office.post('/notifications/test', { unit: String(unit) });
    expect(sent.status).toBe(303);
    const result = await office.get(sent.location!);
    expect(result.text).toContain('已送达');
    const page = await office.get('/demo-sink');
    expect(page.text).toContain('区委宣传部</b>的企业微信群');
    expect(page.text).toContain('这是创城测评系统发给 区委宣传部 的测试消息');
  });

  it('gets today’s reminders when the scheduler runs (tomorrow 09:00, out of quiet hours)', async () => {
    const office = await as('office');
    const taken = (text: string) => text.split('data-errcode="0"').length - 1;
    const before = taken((await office.get('/demo-sink')).text);
    const sent = () => one("SELECT count(*) FROM deliveries WHERE status = 'sent'") as number;
    const sentBefore = sent();
    const tomorrow = new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
    setClock(`${tomorrow}T09:00:00+08:00`);
    await booted.reminders!.tick();
    // a group with more than 20 messages that day gets the rest a minute later (the robots' pace)
    setClock(`${tomorrow}T09:01:00+08:00`);
    await booted.reminders!.tick();
    setClock(null);
    expect(
      one(
        "SELECT count(*) FROM deliveries WHERE status IN ('queued', 'failed', 'unknown') AND created_at > ?",
        `${tomorrow}`,
      ),
    ).toBe(0);
    const digests = one(
      "SELECT count(*) FROM deliveries WHERE event = 'digest' AND status = 'sent'",
    ) as number;
    expect(digests).toBeGreaterThan(0);
    const page = (await office.get('/demo-sink')).text;
    expect(taken(page)).toBe(Math.min(before + sent() - sentBefore, 200));
    expect(page).toContain(`${tomorrow} 每日提醒`);
  });
});

describe('without the demo', () => {
  it('has no sink: /demo-sink is 404 and a robot POST is not answered as a robot', async () => {
    const app = await startApp({ demo: false });
    try {
      const { createUser } = await import('../../src/services/accounts.ts');
      const { SYSTEM } = await import('../../src/services/access.ts');
      await createUser(app.booted.db, SYSTEM, {
        username: 'boss',
        password: DEMO_PASSWORD,
        role: 'office',
        displayName: '主任',
      });
      const client = await loggedIn(() => app.url)('boss');
      expect((await client.get('/demo-sink')).status).toBe(404);
      const res = await fetch(`${app.url}/demo-sink/wecom/send?key=x`, { method: 'POST', body: '{}' });
      expect(res.status).not.toBe(200);
    } finally {
      await app.destroy();
    }
  });
});
