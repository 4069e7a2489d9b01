// Residents' public survey pages /s/<token> on the demo's open 综合测评 round (district-2026-2, the shipped
// questionnaire: screening S1 age / S2 residence, Q1–Q5 required, Q3 multiple, Q6 optional text,
// minSeconds 40). Every refusal is counted in rows: nothing stored. Tokens with a chosen start time are
// signed with the test's own SESSION_SECRET (the way the server signs them) to test `fast` and expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { surveyLinkToken } from '../../src/db/repos/surveys.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { roundCommunityIds } from '../../src/services/surveys.ts';
import { deriveKey } from '../../src/web/public/keys.ts';
import { signFormToken } from '../../src/web/public/form-token.ts';
import { DEVICE_COOKIE } from '../../src/web/public/device-cookie.ts';

const SECRET = 'public-survey-test-secret-0123456789';
const formKey = deriveKey(SECRET, 'form-token');

let app: TestApp;
let roundId: number;
let communityId: number;
let link: string;

const rows = (): number =>
  scalar(
    app.booted.db,
    'SELECT count(*) FROM survey_responses WHERE community_id = ?',
    communityId,
  ) as number;
const sessions = (): number => scalar(app.booted.db, 'SELECT count(*) FROM sessions') as number;
const formOf = (html: string): string => /name="form" value="([^"]+)"/.exec(html)![1]!;
const deviceOf = (phone: Client): string => phone.cookies.get(DEVICE_COOKIE)!.split('.')[0]!;

/** A form post the way a phone's browser sends it: repeated fields for a multiple choice, the phone's cookies. */
async function post(phone: Client, path: string, fields: [string, string][]) {
  const res = await fetch(app.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...phone.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

const PASS: [string, string][] = [
  ['S1', '41-60'],
  ['S2', 'gt3y'],
];
const FULL: [string, string][] = [
  ['Q1', 'know'],
  ['Q2', 'some'],
  ['Q3', 'volunteer'],
  ['Q3', 'cleanup'],
  ['Q4', 'satisfied'],
  ['Q5', 'fair'],
];

/** A new phone through the screening: its questions form's token. */
async function screened(phone = new Client(app.url)): Promise<{ phone: Client; form: string }> {
  const page = await phone.get(`/s/${link}`);
  expect(page.status).toBe(200);
  const step2 = await post(phone, `/s/${link}/screen`, [['form', formOf(page.text)], ...PASS]);
  expect(step2.status).toBe(200);
  return { phone, form: formOf(step2.text) };
}

/** A questions-form token for a phone, started `secondsAgo` (as if the screening had been shown then). */
const answerToken = (phone: Client, secondsAgo: number, issuedAgo = 0): string =>
  signFormToken(
    formKey,
    {
      step: 'answer',
      round: roundId,
      community: communityId,
      who: deviceOf(phone),
      started: Date.now() - secondsAgo * 1000,
      screening: { S1: '41-60', S2: 'gt3y' },
    },
    Date.now() - issuedAgo * 1000,
  );

beforeAll(async () => {
  app = await startApp({ env: { SESSION_SECRET: SECRET } });
  const db = app.booted.db;
  roundId = scalar(
    db,
    "SELECT id FROM rounds WHERE status = 'open' AND questionnaire_id IS NOT NULL ORDER BY id LIMIT 1",
  ) as number;
  communityId = [...roundCommunityIds(db, findRoundById(db, roundId)!)][0]!;
  link = surveyLinkToken(db, communityId);
});
afterAll(() => app.destroy());

describe('public survey flow', () => {
  it('shows the screening with the intro and privacy notice, no script, ≤ 100 KB with its CSS, no session', async () => {
    const before = sessions();
    const phone = new Client(app.url);
    const page = await phone.get(`/s/${link}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('请问您的年龄是？');
    expect(page.text).toContain('本问卷匿名填写');
    expect(page.text).toContain('30天');
    expect(page.text).not.toMatch(/<script/i);
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Max-Age=34560000/);
    const css = readFileSync(new URL('../../public/css/public.css', import.meta.url));
    const { form } = await screened(phone);
    const questions = await post(phone, `/s/${link}/answer`, [['form', form]]);
    for (const html of [page.text, questions.text])
      expect(Buffer.byteLength(html) + css.length).toBeLessThanOrEqual(100 * 1024);
    expect(sessions()).toBe(before);
  });

  it('stores a full answer once per device, flagged fast when done in under 40 seconds', async () => {
    const before = sessions();
    const n = rows();
    const { phone, form } = await screened();
    const done = await post(phone, `/s/${link}/answer`, [['form', form], ...FULL, ['Q6', '希望多种树']]);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/s/${link}/done`);
    expect((await phone.get(`/s/${link}/done`)).text).toContain('感谢');
    expect(rows()).toBe(n + 1);
    const row = app.booted.db
      .prepare('SELECT channel, flags, answers, addr_hash FROM survey_responses ORDER BY id DESC LIMIT 1')
      .get() as { channel: string; flags: string; answers: string; addr_hash: string };
    expect(row.channel).toBe('public');
    expect(row.flags).toBe('fast');
    expect(JSON.parse(row.answers)).toEqual({
      S1: '41-60',
      S2: 'gt3y',
      Q1: 'know',
      Q2: 'some',
      Q3: ['cleanup', 'volunteer'],
      Q4: 'satisfied',
      Q5: 'fair',
      Q6: '希望多种树',
    });
    expect(row.addr_hash).not.toContain('127.0.0.1');

    // the same device again: the link says done, and a replayed form is refused kindly
    expect((await phone.get(`/s/${link}`)).text).toContain('您已经参加过');
    const replay = await post(phone, `/s/${link}/answer`, [['form', form], ...FULL]);
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('您已经参加过本社区本轮的问卷调查，感谢支持');
    expect(rows()).toBe(n + 1);
    // a second device (a new cookie) may answer
    const other = await screened();
    expect((await post(other.phone, `/s/${link}/answer`, [['form', other.form], ...FULL])).status).toBe(303);
    expect(rows()).toBe(n + 2);
    expect(sessions()).toBe(before);
  });

  it('counts seconds from the start the token carries: 60 s ago is not fast', async () => {
    const { phone } = await screened();
    const r = await post(phone, `/s/${link}/answer`, [
      ['form', answerToken(phone, 60)],
      ...FULL,
      ['Q6', '六十秒前开始'],
    ]);
    expect(r.status).toBe(303);
    const row = app.booted.db
      .prepare('SELECT seconds, flags FROM survey_responses ORDER BY id DESC LIMIT 1')
      .get() as { seconds: number; flags: string };
    expect(row.seconds).toBeGreaterThanOrEqual(60);
    expect(row.flags).toBe('');
  });

  it('flags the third identical answer within 10 minutes as a burst', async () => {
    const same: [string, string][] = [...FULL, ['Q6', 'burst 测试 1 号']];
    const flags: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { phone } = await screened();
      expect(
        (await post(phone, `/s/${link}/answer`, [['form', answerToken(phone, 90)], ...same])).status,
      ).toBe(303);
      flags.push(
        scalar(app.booted.db, 'SELECT flags FROM survey_responses ORDER BY id DESC LIMIT 1') as string,
      );
    }
    expect(flags).toEqual(['', '', 'burst']);
  });

  it('thanks a person who fails the screening, stores a screened-out row, and the device is done', async () => {
    const n = rows();
    const phone = new Client(app.url);
    const page = await phone.get(`/s/${link}`);
    const r = await post(phone, `/s/${link}/screen`, [
      ['form', formOf(page.text)],
      ['S1', 'under18'],
      ['S2', 'gt3y'],
    ]);
    expect(r.status).toBe(200);
    expect(r.text).toContain('感谢您的支持');
    expect(rows()).toBe(n + 1);
    expect(scalar(app.booted.db, 'SELECT screened_out FROM survey_responses ORDER BY id DESC LIMIT 1')).toBe(
      1,
    );
    expect((await phone.get(`/s/${link}`)).text).toContain('您已经参加过');
  });
});

describe('bad answers store nothing', () => {
  it('a missing screening answer and an option not offered', async () => {
    const n = rows();
    const phone = new Client(app.url);
    const page = await phone.get(`/s/${link}`);
    const r = await post(phone, `/s/${link}/screen`, [
      ['form', formOf(page.text)],
      ['S1', '18-40'],
      ['S2', 'forever'],
    ]);
    expect(r.status).toBe(400);
    expect(r.text).toContain('所选的选项不在本题的选项中');
    expect(r.text).toMatch(/value="18-40" checked/);
    expect(rows()).toBe(n);
  });

  it('a missing required answer, an option not offered, a repeated option, 10,000 characters of text', async () => {
    const n = rows();
    const { phone, form } = await screened();
    const r = await post(phone, `/s/${link}/answer`, [
      ['form', form],
      ['Q1', 'perhaps'],
      ['Q3', 'volunteer'],
      ['Q3', 'volunteer'],
      ['Q4', 'satisfied'],
      ['Q5', 'fair'],
      ['Q6', '长'.repeat(10_000)],
    ]);
    expect(r.status).toBe(400);
    expect(r.text).toContain('有题目没有答好');
    expect(r.text).toContain('所选的选项不在本题的选项中'); // Q1
    expect(r.text).toContain('此题必须回答'); // Q2
    expect(r.text).toContain('同一选项只能选择一次'); // Q3
    expect(r.text).toContain('内容太长：最多 500 个字'); // Q6
    expect(r.text).toMatch(/value="satisfied" checked/);
    expect(rows()).toBe(n);
    // the same form, fixed, goes through
    expect((await post(phone, `/s/${link}/answer`, [['form', form], ...FULL])).status).toBe(303);
    expect(rows()).toBe(n + 1);
  });

  it('a forged, an expired and another device’s form token', async () => {
    const n = rows();
    const { phone, form } = await screened();
    const forged = form.slice(0, -3) + (form.endsWith('AAA') ? 'BBB' : 'AAA');
    const expired = answerToken(phone, 3 * 3600, 3 * 3600);
    const other = await screened();
    for (const token of [forged, expired, other.form]) {
      const r = await post(phone, `/s/${link}/answer`, [['form', token], ...FULL]);
      expect(r.status).toBe(403);
      expect(r.text).toContain('页面已过期，请重新扫码打开问卷');
    }
    // a forged device cookie is a new device: its token does not match
    const forgedCookie = new Client(app.url);
    forgedCookie.cookies.set(DEVICE_COOKIE, `${deviceOf(phone)}.forged`);
    const r = await post(forgedCookie, `/s/${link}/answer`, [['form', form], ...FULL]);
    expect(r.status).toBe(403);
    const page = await forgedCookie.get(`/s/${link}`);
    expect(deviceOf(forgedCookie)).not.toBe(deviceOf(phone));
    expect(page.text).toContain('请问您的年龄是？');
    expect(rows()).toBe(n);
  });

  it('a body of 1 MB is 413 with a message', async () => {
    const n = rows();
    const { phone, form } = await screened();
    const r = await post(phone, `/s/${link}/answer`, [
      ['form', form],
      ...FULL,
      ['Q6', 'x'.repeat(1024 * 1024)],
    ]);
    expect(r.status).toBe(413);
    expect(r.text).toContain('提交的内容太大');
    expect(rows()).toBe(n);
  });
});

describe('links without a survey', () => {
  it('an unknown token is 404 with a Chinese page', async () => {
    const r = await new Client(app.url).get('/s/not-a-real-link-token');
    expect(r.status).toBe(404);
    expect(r.text).toContain('找不到该问卷');
  });

  it('a 社区 outside every survey round: none in progress; after the round closes: ended', async () => {
    const db = app.booted.db;
    const streetId = scalar(db, 'SELECT id FROM streets ORDER BY id LIMIT 1') as number;
    const retired = Number(
      db
        .prepare(
          "INSERT INTO communities (street_id, name, created_at, retired_at) VALUES (?, '测试撤销社区', '2026-01-01', '2026-01-01')",
        )
        .run(streetId).lastInsertRowid,
    );
    const r = await new Client(app.url).get(`/s/${surveyLinkToken(db, retired)}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('本社区当前没有进行中的问卷调查');

    const { phone, form } = await screened();
    db.prepare("UPDATE rounds SET status = 'closed' WHERE id = ?").run(roundId);
    const n = rows();
    const late = await post(phone, `/s/${link}/answer`, [['form', form], ...FULL]);
    expect(late.status).toBe(409);
    expect(late.text).toContain('本轮调查已结束');
    expect(rows()).toBe(n);
    const closed = await new Client(app.url).get(`/s/${link}`);
    expect(closed.status).toBe(200);
    expect(closed.text).toContain('本轮调查已结束，感谢关注');
  });
});

describe('throttling', () => {
  it('answers 429 with Retry-After past PUBLIC_RATE_LIMIT a minute per address', async () => {
    const low = await startApp({ env: { PUBLIC_RATE_LIMIT: '5' } });
    try {
      const phone = new Client(low.url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await phone.get('/s/some-token')).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
      const r = await phone.get('/s/some-token');
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(r.text).toContain('访问太频繁');
      // the staff's pages are not throttled
      expect((await phone.get('/login')).status).toBe(200);
    } finally {
      await low.destroy();
    }
  });
});
