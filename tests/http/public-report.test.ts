// 随手拍 for residents (/r/<token>): a simulated phone keeps its cookie, opens the district's link (its
// address read from the office's 随手拍二维码 page), sends a report with a real camera photo and gets a
// tracking code, then reads its status. Every refusal — a forged, expired or replayed form, a file that is
// no photo, too many or too large files, missing fields, a phone without consent, the daily cap — leaves
// the database and the upload folder byte for byte as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { Client, loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { openReportForm, REPORT_PHOTO, reportThrough, sendReport } from '../helpers/reports.ts';
import { deriveKey } from '../../src/web/public/keys.ts';
import { signFormToken } from '../../src/web/public/form-token.ts';
import { DEVICE_COOKIE } from '../../src/web/public/device-cookie.ts';
import { forgetReportPrivacy } from '../../src/services/reports-public.ts';
import { setClock } from '../../src/util/clock.ts';

const SECRET = 'public-report-test-secret-0123456789';
const formKey = deriveKey(SECRET, 'form-token');
const PHOTO = REPORT_PHOTO;
const CSS = readFileSync(new URL('../../public/css/public.css', import.meta.url));
const CODE = /^[2-9A-HJ-NP-Z]{10}$/;

let app: TestApp;
let as: (u: string) => Promise<Client>;
let district: string;
let community: string;
let communityId: number;

const reports = () => scalar(app.booted.db, 'SELECT count(*) FROM citizen_reports') as number;
/** The database and upload folder, once the display versions of earlier uploads are made. */
const still = async () => {
  await app.booted.versions.settled();
  return snapshot(app.booted.db, join(app.dir, 'uploads'));
};
const deviceOf = (phone: Client): string => phone.cookies.get(DEVICE_COOKIE)!.split('.')[0]!;

const send = sendReport;
const opened = (token: string, phone?: Client) => openReportForm(app.url, token, phone);

/** A post that declares a body of `length` bytes and sends almost none: refused before it is read. */
function declaredOnly(
  path: string,
  length: number,
  base = app.url,
  phone?: Client,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const cookie = phone ? [...phone.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
    const req = request(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(length),
        ...(cookie ? { cookie } : {}),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    req.on('error', reject);
    req.write('--x\r\n');
  });
}

const GOOD = { description: '垃圾桶满溢，无人清理', address: '幸福路12号小区东门' };

beforeAll(async () => {
  app = await startApp({ env: { SESSION_SECRET: SECRET } });
  as = loggedIn(() => app.url);
  const links = await (await as('office')).get('/reports/links');
  const urls = [...links.text.matchAll(/<code>[^<]*\/r\/([A-Za-z0-9_-]+)<\/code>/g)].map((m) => m[1]!);
  district = urls[0]!;
  community = urls[1]!;
  communityId = scalar(
    app.booted.db,
    'SELECT community_id FROM report_links WHERE token = ?',
    community,
  ) as number;
});
afterAll(() => app.destroy());

describe('a resident reports a problem', () => {
  it('shows the form with a privacy notice and the retention in words, no script, ≤ 100 KB with its CSS', async () => {
    const { phone, page } = await opened(district);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('隐私说明');
    expect(page.text).toContain('90天后自动删除');
    expect(page.text).toContain('所在社区');
    expect(page.text).not.toMatch(/<script/i);
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`))!;
    expect(cookie).toMatch(/Path=\/r\//);
    expect(Buffer.byteLength(page.text) + CSS.length).toBeLessThanOrEqual(100 * 1024);
    expect(phone.cookies.has('cc.sid')).toBe(false);
    // a 社区's link knows its 社区: no select
    const own = await opened(community);
    expect(own.page.text).not.toContain('所在社区（不清楚可不选）');
  });

  it('stores the report with its photo and phone, gives a code, and shows the status without the phone', async () => {
    const { phone, form } = await opened(district);
    const sent = await send(phone, district, {
      form,
      ...GOOD,
      description: '<script>alert(1)</script>井盖破损',
      community: String(communityId),
      phone: '138 1234 5678',
      consent: '1',
    });
    expect(sent.status).toBe(303);
    const code = /\/status\/([^?]+)\?sent=1$/.exec(sent.location!)![1]!;
    expect(code).toMatch(CODE);
    const done = await phone.get(sent.location!);
    expect(done.status).toBe(200);
    expect(done.text).toContain('提交成功');
    expect(Buffer.byteLength(done.text) + CSS.length).toBeLessThanOrEqual(100 * 1024);
    expect(done.text).not.toMatch(/<script/i);
    expect(done.text).toContain(code);
    expect(done.text).toContain('待受理');
    expect(done.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;井盖破损');
    expect(done.text).not.toContain('<script>');
    expect(done.text).not.toContain('13812345678');
    const row = app.booted.db
      .prepare(
        'SELECT id, phone, phone_until, created_at, community_id, description FROM citizen_reports WHERE code = ?',
      )
      .get(code) as {
      id: number;
      phone: string;
      phone_until: string;
      created_at: string;
      community_id: number;
      description: string;
    };
    expect(row.phone).toBe('13812345678');
    expect(row.community_id).toBe(communityId);
    expect(row.description).toBe('<script>alert(1)</script>井盖破损');
    expect(Date.parse(row.phone_until) - Date.parse(row.created_at)).toBe(90 * 86_400_000);
    const photo = app.booted.db
      .prepare('SELECT kind, uploaded_by, bytes FROM photos WHERE report_id = ?')
      .get(row.id) as { kind: string; uploaded_by: number | null; bytes: number };
    expect(photo).toEqual({ kind: 'report', uploaded_by: null, bytes: PHOTO.length });
    // the typed code, in lower case with a dash, finds the same report
    const typed = await phone.get(`/r/status?code=${code.slice(0, 5).toLowerCase()}-${code.slice(5)}`);
    expect(typed.status).toBe(200);
    expect(typed.text).toContain('待受理');
    // a photo is not public
    const id = scalar(app.booted.db, 'SELECT id FROM photos WHERE report_id = ?', row.id) as number;
    expect((await phone.get(`/photos/${id}/thumb`)).status).not.toBe(200);
  });

  it('refuses a replayed, forged, expired or other-link form with nothing stored', async () => {
    const { phone, form } = await opened(community);
    expect((await send(phone, community, { form, ...GOOD })).status).toBe(303);
    const before = await still();
    const replay = await send(phone, community, { form, ...GOOD });
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('请勿重复提交');
    const forged = await send(phone, community, { form: form.slice(0, -3) + 'abc', ...GOOD });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('页面已过期，请重新扫码');
    const link = scalar(app.booted.db, 'SELECT id FROM report_links WHERE token = ?', community) as number;
    const claim = { step: 'report' as const, round: 0, community: link, who: deviceOf(phone) };
    const old = signFormToken(
      formKey,
      { ...claim, started: Date.now() - 3 * 3600_000 },
      Date.now() - 3 * 3600_000,
    );
    expect((await send(phone, community, { form: old, ...GOOD })).status).toBe(403);
    const elsewhere = (await opened(district, phone)).form;
    expect((await send(phone, community, { form: elsewhere, ...GOOD })).status).toBe(403);
    const otherPhone = new Client(app.url);
    await otherPhone.get(`/r/${community}`);
    const theirs = signFormToken(formKey, { ...claim, started: Date.now() });
    expect((await send(otherPhone, community, { form: theirs, ...GOOD })).status).toBe(403);
    expect(await still()).toEqual(before);
  });

  it('refuses files that are not photos, too many or too large, and missing fields, with the form again', async () => {
    const { phone } = await opened(district);
    const before = await still();
    const fresh = async () => (await opened(district, phone)).form;
    const notPhoto = await send(phone, district, { form: await fresh(), ...GOOD }, [
      [Buffer.from('%PDF-1.4 hello'), 'a.jpg'],
    ]);
    expect(notPhoto.status).toBe(400);
    expect(notPhoto.text).toContain('不支持 PDF 格式');
    expect(notPhoto.text).toContain('幸福路12号小区东门'); // typed text shown again
    const truncated = await send(phone, district, { form: await fresh(), ...GOOD }, [
      PHOTO.subarray(0, 4000),
    ]);
    expect(truncated.status).toBe(400);
    const four = await send(phone, district, { form: await fresh(), ...GOOD }, [PHOTO, PHOTO, PHOTO, PHOTO]);
    expect(four.status).toBe(400);
    expect(four.text).toContain('最多上传3张照片');
    const big = await send(phone, district, { form: await fresh(), ...GOOD }, [
      Buffer.alloc(10 * 1024 * 1024 + 1, 1),
    ]);
    expect(big.status).toBe(413);
    const none = await send(phone, district, { form: await fresh(), ...GOOD }, []);
    expect(none.status).toBe(400);
    expect(none.text).toContain('请至少拍摄或选择一张照片');
    const empty = await send(phone, district, { form: await fresh(), description: '  ', address: '' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('请描述您发现的问题');
    expect(empty.text).toContain('请填写问题所在的位置');
    const long = await send(phone, district, { form: await fresh(), ...GOOD, description: '脏'.repeat(501) });
    expect(long.text).toContain('问题描述不能超过500字');
    const noConsent = await send(phone, district, { form: await fresh(), ...GOOD, phone: '13812345678' });
    expect(noConsent.status).toBe(400);
    expect(noConsent.text).toContain('请勾选同意保存电话号码');
    const badPhone = await send(phone, district, {
      form: await fresh(),
      ...GOOD,
      phone: '12345',
      consent: '1',
    });
    expect(badPhone.status).toBe(400);
    expect(badPhone.text).toContain('请填写正确的手机号码或固定电话');
    const badCommunity = await send(phone, district, { form: await fresh(), ...GOOD, community: '999999' });
    expect(badCommunity.text).toContain('请从列表中选择社区');
    // the whole body declared over the limit: refused before it is read
    const huge = await declaredOnly(`/r/${district}`, 40 * 1024 * 1024, app.url, phone);
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('提交的内容太大');
    expect(await still()).toEqual(before);
  });

  it('answers an unknown link or code with 404, and a full day with a kind message', async () => {
    const phone = new Client(app.url);
    expect((await phone.get('/r/no-such-link-token')).status).toBe(404);
    const before = await still();
    expect((await send(phone, 'no-such-link-token', { ...GOOD })).status).toBe(404);
    const unknown = await phone.get('/r/status?code=ABCDEFGHJK');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('查询码不正确');
    expect((await phone.get(`/r/${district}/status/ABCDEFGHJK`)).status).toBe(404);
    const { form } = await opened(district, phone);
    const db = app.booted.db;
    const link = scalar(db, 'SELECT id FROM report_links WHERE token = ?', district);
    const insert = db.prepare(
      "INSERT INTO citizen_reports (code, link_id, description, device, created_at) VALUES (?, ?, '测试', ?, ?)",
    );
    for (let i = 0; i < 10; i++) insert.run(`CAPTEST00${i}`, link, deviceOf(phone), new Date().toISOString());
    const capped = await still();
    const eleventh = await send(phone, district, { form, ...GOOD });
    expect(eleventh.status).toBe(429);
    expect(eleventh.text).toContain('每天最多提交10条');
    expect(await still()).toEqual(capped);
    db.prepare("DELETE FROM citizen_reports WHERE code LIKE 'CAPTEST%'").run();
    expect(await still()).toEqual(before);
  });

  it('forgets a phone number after the period, and senders’ address hashes after the abuse window', async () => {
    const { phone, form } = await opened(community);
    const sent = await send(phone, community, { form, ...GOOD, phone: '0571-87654321', consent: '1' });
    const code = /\/status\/([^?]+)/.exec(sent.location!)![1]!;
    const row = () =>
      app.booted.db.prepare('SELECT phone, addr_hash FROM citizen_reports WHERE code = ?').get(code) as {
        phone: string | null;
        addr_hash: string | null;
      };
    expect(row().phone).toBe('0571-87654321');
    expect(row().addr_hash).not.toBeNull();
    try {
      setClock(new Date(Date.now() + 89 * 86_400_000));
      forgetReportPrivacy(app.booted.db, 365);
      expect(row().phone).toBe('0571-87654321');
      setClock(new Date(Date.now() + 91 * 86_400_000));
      forgetReportPrivacy(app.booted.db, 365);
      expect(row().phone).toBeNull();
      expect(row().addr_hash).not.toBeNull();
      forgetReportPrivacy(app.booted.db, 30);
      expect(row().addr_hash).toBeNull();
    } finally {
      setClock(null);
    }
    expect(reports()).toBeGreaterThan(0);
  });
});

describe('what a stranger cannot do with new device ids', () => {
  it('refuses a post without the device cookie before reading its body', async () => {
    const before = await still();
    // declares 30 MB and sends four bytes: answered at once, nothing read or stored
    const r = await declaredOnly(`/r/${district}`, 30 * 1024 * 1024);
    expect(r.status).toBe(403);
    expect(r.text).toContain('无法识别本设备');
    expect(await still()).toEqual(before);
  });

  it('caps a network address at 50 reports a day, whatever device ids it makes up', async () => {
    const db = app.booted.db;
    const code = await reportThrough(app.url, district, { ...GOOD });
    const mine = db.prepare('SELECT link_id, addr_hash FROM citizen_reports WHERE code = ?').get(code) as {
      link_id: number;
      addr_hash: string;
    };
    expect(mine.addr_hash).toMatch(/^[0-9a-f]+|^[A-Za-z0-9_-]+$/);
    // already today from this address: this one, any other test's, and made-up ones up to 50
    const today = scalar(
      db,
      'SELECT count(*) FROM citizen_reports WHERE addr_hash = ?',
      mine.addr_hash,
    ) as number;
    const insert = db.prepare(
      "INSERT INTO citizen_reports (code, link_id, description, device, addr_hash, created_at) VALUES (?, ?, '测试', ?, ?, ?)",
    );
    for (let i = today; i < 50; i++)
      insert.run(
        `ADDRCAP${String(i).padStart(3, '0')}`,
        mine.link_id,
        `made-up-${i}`,
        mine.addr_hash,
        new Date().toISOString(),
      );
    // a brand-new phone (a new device id) on the same address
    const { phone, form } = await opened(district);
    const before = await still();
    const r = await send(phone, district, { form, ...GOOD });
    expect(r.status).toBe(429);
    expect(r.text).toContain('您所在的网络今天提交的反映已达上限');
    expect(await still()).toEqual(before);
    db.prepare("DELETE FROM citizen_reports WHERE code LIKE 'ADDRCAP%'").run();
  });

  it('reads at most four uploads at once: a fifth is asked to wait, and the slots free when uploads end', async () => {
    const { phone } = await opened(district);
    const cookie = [...phone.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    // four phones on a slow network: each has sent the start of a 1 MB upload and is still sending
    const slow = Array.from({ length: 4 }, () => {
      const req = request(`${app.url}/r/${district}`, {
        method: 'POST',
        headers: {
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(1024 * 1024),
          cookie,
        },
      });
      req.on('error', () => {});
      req.write('--x\r\n');
      return req;
    });
    await new Promise((r) => setTimeout(r, 300));
    const before = await still();
    const fifth = await declaredOnly(`/r/${district}`, 1024 * 1024, app.url, phone);
    expect(fifth.status).toBe(503);
    expect(fifth.text).toContain('提交的人较多，请稍等片刻后重新提交');
    for (const req of slow) req.destroy();
    await new Promise((r) => setTimeout(r, 300));
    // the slots are free again: the next upload is read (and refused for its missing form token, not for the load)
    const next = await send(phone, district, { ...GOOD });
    expect(next.status).toBe(403);
    expect(await still()).toEqual(before);
  });

  it('caps the whole district at 2,000 reports a day', async () => {
    const db = app.booted.db;
    const link = scalar(db, 'SELECT id FROM report_links WHERE token = ?', district) as number;
    const today = scalar(
      db,
      'SELECT count(*) FROM citizen_reports WHERE created_at >= ?',
      new Date(Date.now() - 3600_000).toISOString(),
    ) as number;
    const insert = db.prepare(
      "INSERT INTO citizen_reports (code, link_id, description, device, addr_hash, created_at) VALUES (?, ?, '测试', ?, ?, ?)",
    );
    db.transaction(() => {
      for (let i = today; i < 2000; i++)
        insert.run(`DAYCAP${String(i).padStart(4, '0')}`, link, `d-${i}`, `a-${i}`, new Date().toISOString());
    })();
    const { phone, form } = await opened(district);
    const before = await still();
    const r = await send(phone, district, { form, ...GOOD });
    expect(r.status).toBe(429);
    expect(r.text).toContain('今天收到的反映已达上限');
    expect(await still()).toEqual(before);
    db.prepare("DELETE FROM citizen_reports WHERE code LIKE 'DAYCAP%'").run();
  });
});

describe('throttling', () => {
  it('answers 429 past PUBLIC_RATE_LIMIT a minute per address, before a body is read', async () => {
    const low = await startApp({ env: { PUBLIC_RATE_LIMIT: '3' } });
    try {
      const phone = new Client(low.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await phone.get('/r/status')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      // a post declaring a huge body is answered by the throttle, not by the body's size
      const r = await declaredOnly(`/r/some-token`, 40 * 1024 * 1024, low.url);
      expect(r.status).toBe(429);
      expect(r.text).toContain('访问太频繁');
      expect((await phone.get('/reports')).status).not.toBe(429);
    } finally {
      await low.destroy();
    }
  });
});
