// As a person at the login page: good and bad passwords, logout, pages that need a session, a session
// that survives a restart, and the web basics every state-changing request relies on (CSRF, cookies, CSP).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { userIdOf } from '../helpers/ids.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

describe('login', () => {
  it('logs the office in and shows its home page', async () => {
    const c = new Client(app.url);
    const r = await c.login('office');
    expect(r.status).toBe(303);
    expect(r.location).toBe('/');
    const home = await c.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('创城办工作台');
    expect(home.text).toContain('王主任');
  });

  it('records each login in the audit log, and the demo install says where its passwords are', async () => {
    const db = app.booted.db;
    const id = userIdOf(db, 'inspector3');
    const logins = () =>
      scalar(db, "SELECT count(*) FROM audit_log WHERE action = 'user.login' AND user_id = ?", id);
    const before = logins() as number;
    const c = new Client(app.url);
    expect((await c.get('/login')).text).toContain('演示数据的账号');
    expect((await c.login('inspector3', 'not-the-password')).status).toBe(400);
    expect(logins()).toBe(before);
    expect((await c.login('inspector3')).status).toBe(303);
    expect(logins()).toBe(before + 1);
  });

  it('refuses a wrong password with the login page again and no hint which part was wrong', async () => {
    const c = new Client(app.url);
    const wrongPw = await c.login('office', 'not-the-password');
    expect(wrongPw.status).toBe(400);
    expect(wrongPw.text).toContain('用户名或密码不正确');
    expect(wrongPw.text).toContain('value="office"');
    const wrongUser = await c.login('nobody-here', 'not-the-password');
    expect(wrongUser.status).toBe(400);
    expect(wrongUser.text).toContain('用户名或密码不正确');
    expect((await c.get('/')).status).toBe(303);
  });

  it('locks a name out for a while after 5 failed logins, even with the right password then', async () => {
    const c = new Client(app.url);
    for (let i = 0; i < 5; i++) expect((await c.login('inspector4', `wrong-${i}-password`)).status).toBe(400);
    const locked = await c.login('inspector4');
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('登录失败次数过多，请 15 分钟后再试');
    expect((await new Client(app.url).login('inspector3')).status).toBe(303);
  });

  it('sends an anonymous page request to the login page and answers a script request with 401', async () => {
    const c = new Client(app.url);
    const page = await c.get('/rounds');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Frounds');
    const api = await c.get('/rounds', { accept: 'application/json', 'x-requested-with': 'fetch' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text).error).toMatch(/登录/);
  });

  it('returns to the page asked for after login, but never to another site', async () => {
    const c = new Client(app.url);
    await c.get('/login?next=/rounds');
    const r = await c.post('/login', { username: 'office', password: 'demo-pass-2026', next: '/rounds' });
    expect(r.location).toBe('/rounds');
    const d = new Client(app.url);
    await d.get('/login');
    const evil = await d.post('/login', {
      username: 'office',
      password: 'demo-pass-2026',
      next: '//evil.example',
    });
    expect(evil.location).toBe('/');
  });

  it('rotates the session id at login', async () => {
    const c = new Client(app.url);
    await c.get('/login');
    const before = c.cookies.get('cc.sid');
    expect(before).toBeTruthy();
    await c.login('inspector1');
    expect(c.cookies.get('cc.sid')).toBeTruthy();
    expect(c.cookies.get('cc.sid')).not.toBe(before);
  });

  it('lets the next person log in on a tablet whose expired session is still being checked in the background', async () => {
    // A shared tablet: inspector3's session was removed on the server; the old page's background check
    // (/api/session, 401) runs while inspector2 opens the login page. The check must not start a session
    // of its own, or its cookie replaces the login page's and the login fails its CSRF check.
    const c = new Client(app.url);
    await c.login('inspector3');
    app.booted.db.prepare('DELETE FROM sessions').run();
    const [page, check] = await Promise.all([
      c.get('/login'),
      c.get('/api/session', { 'x-requested-with': 'fetch' }),
    ]);
    expect(page.status).toBe(200);
    expect(check.status).toBe(401);
    expect(check.headers.getSetCookie()).toEqual([]);
    // whichever answered last, the cookie the tablet holds is the login page's
    const pageCookie = /^cc\.sid=([^;]+)/.exec(page.headers.getSetCookie()[0] ?? '')?.[1];
    expect(c.cookies.get('cc.sid')).toBe(pageCookie);
    const r = await c.post('/login', { username: 'inspector2', password: 'demo-pass-2026' });
    expect(r.status).toBe(303);
    expect(JSON.parse((await c.get('/api/session', { 'x-requested-with': 'fetch' })).text).role).toBe(
      'inspector',
    );
  });

  it('logs out: the session is gone and pages need a login again', async () => {
    const c = new Client(app.url);
    await c.login('office');
    const stolen = c.cookies.get('cc.sid')!;
    const out = await c.post('/logout');
    expect(out.status).toBe(303);
    expect(out.location).toBe('/login');
    expect((await c.get('/')).status).toBe(303);
    const replay = new Client(app.url);
    replay.cookies.set('cc.sid', stolen);
    expect((await replay.get('/')).status).toBe(303);
  });
});

describe('web basics', () => {
  it('refuses a state-changing request without the CSRF token', async () => {
    const c = new Client(app.url);
    await c.get('/login');
    const r = await c.post('/login', { username: 'office', password: 'demo-pass-2026' }, { csrf: false });
    expect(r.status).toBe(403);
    expect(r.text).toContain('页面已过期或请求来源无效');
    const withWrong = await c.post('/logout', { _csrf: 'forged' }, { csrf: false });
    expect(withWrong.status).toBe(403);
  });

  it('sets an httpOnly, SameSite=Lax session cookie that is not Secure on plain HTTP', async () => {
    const res = await fetch(`${app.url}/login`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cc.sid='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('sends a CSP that allows no inline script, and no upgrade to HTTPS', async () => {
    const res = await fetch(`${app.url}/login`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers /healthz without a session', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown page with a Chinese 404 and a nonsense id with 404, not a crash', async () => {
    const c = new Client(app.url);
    await c.login('office');
    const a = await c.get('/no-such-page');
    expect(a.status).toBe(404);
    expect(a.text).toContain('找不到该页面');
    for (const bad of ['abc', '-1', '0', '99999999999999999999', '1e3'])
      expect((await c.get(`/rounds/${bad}`)).status).toBe(404);
    expect((await c.get('/rounds/424242')).status).toBe(404);
  });

  it('answers a malformed JSON body with 400, not 500', async () => {
    const c = new Client(app.url);
    await c.login('office');
    const res = await fetch(`${app.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `cc.sid=${c.cookies.get('cc.sid')}` },
      body: '{"broken',
    });
    expect(res.status).toBe(400);
  });
});

describe('Secure cookies behind a TLS proxy', () => {
  it('marks the cookie Secure when TRUST_PROXY is set', async () => {
    const tls = await startApp({ demo: false, env: { TRUST_PROXY: '1' } });
    try {
      const res = await fetch(`${tls.url}/login`, { headers: { 'x-forwarded-proto': 'https' } });
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cc.sid='))!;
      expect(cookie).toMatch(/Secure/);
    } finally {
      await tls.destroy();
    }
  });
});

describe('sessions survive a restart', () => {
  it('keeps a logged-in user logged in after the server restarts on the same data folder', async () => {
    const first = await startApp();
    const c = new Client(first.url);
    await c.login('inspector2');
    await first.stop();
    const second = await startApp({ dir: first.dir });
    try {
      const again = new Client(second.url);
      again.cookies.set('cc.sid', c.cookies.get('cc.sid')!);
      const home = await again.get('/');
      expect(home.status).toBe(200);
      expect(home.text).toContain('李娜');
    } finally {
      await second.destroy();
    }
  });
});
