// As people logging in through one office's NAT address while someone guesses passwords: a name is
// locked after 5 failures however it is typed, and failures for other names from the same address slow
// that address down but never keep a colleague with the right password out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { refusalMessage } from '../helpers/routes.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

describe('the per-name lockout', () => {
  it('accepts a name typed with spaces or capitals, as the same account', async () => {
    const c = new Client(app.url);
    expect((await c.login(' Inspector3\t')).status).toBe(303);
    expect((await c.get('/')).text).toContain('刘洋');
  });

  it('locks "inspector1 " and "inspector1\\t" with inspector1 after 5 failures in any spelling', async () => {
    const c = new Client(app.url);
    for (const typed of ['inspector1', 'inspector1 ', 'inspector1\t', 'INSPECTOR1', ' inspector1'])
      expect((await c.login(typed, 'wrong-password-1')).status).toBe(400);
    for (const typed of ['inspector1 ', 'inspector1\t', 'inspector1', 'Inspector1']) {
      const r = await c.login(typed); // the right password
      expect(r.status, JSON.stringify(typed)).toBe(429);
      expect(refusalMessage(r.text)).toBe('登录失败次数过多，请 15 分钟后再试');
    }
    expect((await c.get('/')).status).toBe(303); // still not logged in
  });
});

describe('many failures from one address', () => {
  let fresh: TestApp;
  beforeAll(async () => {
    fresh = await startApp();
  });
  afterAll(async () => {
    await fresh.destroy();
  });

  it(
    'still lets inspector2 in with the right password after 25 failures for other names',
    { timeout: 60_000 },
    async () => {
      const guesser = new Client(fresh.url);
      for (let i = 0; i < 25; i++) {
        const r = await guesser.login(
          ['office', 'inspector1', 'chengguan', 'nobody', 'inspector4'][i % 5]!,
          `guess-${i}`,
        );
        expect(r.status).toBe(400);
        expect(refusalMessage(r.text)).toBe('用户名或密码不正确');
      }
      // the guessed names are locked (5 failures each) …
      const locked = await guesser.login('office');
      expect(locked.status).toBe(429);
      // … but a colleague behind the same address logs in
      const colleague = new Client(fresh.url);
      const r = await colleague.login('inspector2');
      expect(r.status).toBe(303);
      const home = await colleague.get('/');
      expect(home.status).toBe(200);
      expect(home.text).toContain('李娜');
    },
  );
});
