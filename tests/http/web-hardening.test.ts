// The foundation's web defences, checked on the real app: a CSRF token on every state-changing route
// (uploads and the autosave endpoint included; a refused upload leaves no file), the Content-Security-
// Policy, the session cookie's flags, a new session id at login and a dead one after logout, and no
// stack trace or SQL on any page, whatever goes wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, DEMO_PASSWORD, startApp, type Reply, type TestApp, loggedIn } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { latestVersionId, roundWithStatus } from '../helpers/ids.ts';
import {
  dbFingerprint,
  demoIds,
  isStateChanging,
  listFiles,
  listRoutes,
  refusalMessage,
  routeTable,
  send,
  type DemoIds,
  type Role,
} from '../helpers/routes.ts';

const PHOTO = readFileSync(join(ROOT, 'tests', 'fixtures', 'photos', 'Canon_40D.jpg'));
const TABLE = routeTable(PHOTO);
const CSRF_MESSAGE = '页面已过期或请求来源无效，请刷新页面后重试';
const USER_OF: Record<Role, string | null> = {
  anon: null,
  inspector: 'inspector1',
  unit: 'chengguan',
  office: 'office',
};

let app: TestApp;
let ids: DemoIds;
const as = loggedIn(() => app.url);

beforeAll(async () => {
  app = await startApp();
  const office = await as('office');
  const version = latestVersionId(app.booted.db);
  await office.post('/rounds', {
    name: '安全测试草稿轮次',
    criteriaVersionId: String(version),
    startsOn: '2026-12-01',
    endsOn: '2026-12-07',
    mode: 'all',
  });
  ids = demoIds(app.booted.db, (roundId, siteType) => {
    const round = app.booted.db
      .prepare('SELECT criteria_version_id FROM rounds WHERE id = ?')
      .pluck()
      .get(roundId);
    return app.booted.criteria.get(round as number).forSiteType(siteType)[0]!.code;
  });
});
afterAll(async () => {
  await app?.destroy();
});

/** No stack trace, SQL, error class or file path in what the client got. */
function expectNoLeak(r: Reply, what: string) {
  const body = r.text;
  expect(body, what).not.toMatch(/^\s+at .+[:(]/m);
  expect(body, what).not.toMatch(/SQLITE|SqliteError|no such (table|column)/i);
  expect(body, what).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET|WHERE)\b/);
  expect(body, what).not.toMatch(/\b[A-Z][a-zA-Z]*Error\b/);
  expect(body, what).not.toMatch(/node_modules|\/work\/|\/src\/|\.ts:\d+|\/tmp\//);
}

describe('CSRF', () => {
  // the residents' public survey and 随手拍 forms (POST /s/…, POST /r/…) have no session to hold a CSRF
  // token: they carry their own signed form token instead, refused in public-survey.test.ts and
  // public-report.test.ts; the demo's robot sink (POST /demo-sink/…) is called by the server's own
  // reminder channels, no browser: it checks the robots' keys and 钉钉 signatures (demo-reminders.test.ts)
  // and stores nothing
  const publicForm = (route: string) =>
    route.startsWith('POST /s/') || route.startsWith('POST /r/') || route.startsWith('POST /demo-sink/');
  const changing = TABLE.filter((s) => isStateChanging(s.route) && !publicForm(s.route));

  it('knows every state-changing route the app has', () => {
    const actual = listRoutes(app.booted.app).filter((r) => isStateChanging(r) && !publicForm(r));
    expect(actual.length).toBeGreaterThan(40);
    expect(actual.filter((r) => !changing.some((s) => s.route === r))).toEqual([]);
  });

  // tried by a user who may use the route, with a request that would change something: only the token is off
  const cases = changing.flatMap((spec) =>
    (['missing', 'wrong'] as const).map((token) => ({
      spec,
      token,
      role: (spec.allow.find((r) => r !== 'anon') ?? 'anon') as Role,
    })),
  );
  it.each(cases.map((c) => [c.spec.route, c.token, c] as const))(
    '%s refuses a %s token, changing nothing',
    async (_r, _t, { spec, token, role }) => {
      const username =
        role === 'inspector' ? (spec.users?.(ids).inspector ?? USER_OF.inspector) : USER_OF[role];
      let c: Client;
      if (username) c = await as(username);
      else {
        c = new Client(app.url);
        await c.get('/login');
      }
      const p = spec.probe(ids, role);
      await app.booted.versions.settled(); // no photo version still being written in the background
      const before = dbFingerprint(app.booted.db);
      const files = listFiles(join(app.dir, 'uploads'));
      const r = await send(c, p, token === 'missing' ? false : 'wrong');
      expect(r.status, `${spec.route}: ${r.text.slice(0, 200)}`).toBe(403);
      expect(refusalMessage(r.text)).toBe(CSRF_MESSAGE);
      expect(dbFingerprint(app.booted.db)).toEqual(before);
      expect(listFiles(join(app.dir, 'uploads'))).toEqual(files);
      expectNoLeak(r, spec.route);
      // and the session is still there: logout without a token did not log out
      if (username) expect((await c.get('/')).status).toBe(200);
    },
  );

  it('accepts the same autosave and photo upload with the page token (the probes are real)', async () => {
    const c = await as('inspector1');
    await c.get(`/rounds/${ids.open}/sites/${ids.i1Fresh}`);
    const files = listFiles(join(app.dir, 'uploads'));
    const photo = TABLE.find((s) => s.route === 'POST /api/rounds/:rid/sites/:sid/photos')!.probe(
      ids,
      'inspector',
    );
    const up = await send(c, photo);
    expect(up.status, up.text).toBe(201);
    expect(listFiles(join(app.dir, 'uploads')).length).toBeGreaterThan(files.length);
    const changes = TABLE.find((s) => s.route === 'POST /api/rounds/:rid/sites/:sid/changes')!.probe(
      ids,
      'inspector',
    );
    const saved = await send(c, changes);
    expect(saved.status, saved.text).toBe(200);
    const stored = app.booted.db
      .prepare(
        `SELECT a.result FROM answers a JOIN inspections i ON i.id = a.inspection_id
         WHERE i.round_id = ? AND i.site_id = ? AND a.standard_code = ?`,
      )
      .pluck()
      .get(ids.open, ids.i1Fresh, ids.standard);
    expect(stored).toBe('fail');
  });

  it('leaves no file behind when an upload is refused for its content', async () => {
    const c = await as('inspector1');
    await c.get(`/rounds/${ids.open}/sites/${ids.i1Fresh2}`);
    // the earlier test's upload has its versions made in the background: wait, or their temp files show up
    await app.booted.versions.settled();
    const files = listFiles(join(app.dir, 'uploads'));
    const r = await send(c, {
      path: `/api/rounds/${ids.open}/sites/${ids.i1Fresh2}/photos`,
      kind: 'api-multipart',
      fields: { clientId: '00000000-0000-4000-8000-0000000000d1', standard: ids.standard },
      files: [{ field: 'photo', name: 'evil.jpg', bytes: Buffer.from('<?php echo 1; ?>') }],
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(refusalMessage(r.text)).toMatch(/[\u4e00-\u9fff]/);
    expect(listFiles(join(app.dir, 'uploads'))).toEqual(files);
  });
});

describe('Content-Security-Policy', () => {
  it('is sent with every page, allows scripts only from the app itself and has no inline scripts', async () => {
    const anon = new Client(app.url);
    const pages: [Client, string][] = [
      [anon, '/login'],
      [await as('inspector1'), '/'],
      [await as('inspector1'), `/rounds/${ids.open}/sites/${ids.i1Fresh}`],
      [await as('chengguan'), `/problems/${ids.problemOpen}`],
      [await as('office'), `/rounds/${ids.pub}/results`],
      [await as('office'), '/no/such/page'],
    ];
    for (const [c, path] of pages) {
      const r = await c.get(path);
      const csp = r.headers.get('content-security-policy') ?? '';
      const directives = new Map(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...values]) => [name ?? '', values] as const),
      );
      expect(directives.get('default-src'), path).toEqual(["'self'"]);
      expect(directives.get('script-src'), path).toEqual(["'self'"]);
      expect(directives.get('script-src-attr'), path).toEqual(["'none'"]);
      expect(directives.get('object-src'), path).toEqual(["'none'"]);
      expect(directives.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      // the page must work under that policy: no inline script, no inline event handler
      const inline = [...r.text.matchAll(/<script\b([^>]*)>/g)].filter(
        (m) => !/\bsrc=/.test(m[1] ?? '') && !/type="application\/json"/.test(m[1] ?? ''),
      );
      expect(inline, path).toEqual([]);
      expect(r.text, path).not.toMatch(/<[^>]+\son[a-z]+=/i);
    }
  });
});

describe('the session cookie', () => {
  const sidCookie = (r: Reply) => r.headers.getSetCookie().find((c) => c.startsWith('cc.sid='));

  it('is HttpOnly and SameSite=Lax, and not Secure on plain HTTP', async () => {
    const c = new Client(app.url);
    await c.get('/login');
    const r = await c.post('/login', { username: 'office', password: DEMO_PASSWORD });
    expect(r.status).toBe(303);
    const cookie = sidCookie(r) ?? '';
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).not.toMatch(/;\s*Secure/i);
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });

  it('gets a new id at login; the id from before login and the one after logout are worthless', async () => {
    const c = new Client(app.url);
    await c.get('/login');
    const anonymous = c.cookies.get('cc.sid');
    expect(anonymous).toBeTruthy();
    await c.login('inspector1');
    const loggedIn = c.cookies.get('cc.sid');
    expect(loggedIn).toBeTruthy();
    expect(loggedIn).not.toBe(anonymous);

    const replay = (sid: string | undefined) =>
      fetch(`${app.url}/`, { headers: { cookie: `cc.sid=${sid}` }, redirect: 'manual' });
    const before = await replay(anonymous);
    expect(before.status).toBe(303);
    expect(before.headers.get('location')).toMatch(/^\/login/);
    expect((await replay(loggedIn)).status).toBe(200);

    const out = await c.post('/logout');
    expect(out.status).toBe(303);
    expect(sidCookie(out) ?? '').toMatch(/Expires=Thu, 01 Jan 1970/i);
    const after = await replay(loggedIn);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/login/);
    const api = await fetch(`${app.url}/api/rounds/${ids.open}/sites/${ids.i1Fresh}`, {
      headers: { cookie: `cc.sid=${loggedIn}`, 'x-requested-with': 'fetch' },
    });
    expect(api.status).toBe(401);
  });

  it('is Secure behind a TLS proxy (TRUST_PROXY=1) when the request came in over https', async () => {
    const proxied = await startApp({ env: { TRUST_PROXY: '1' } });
    try {
      const get = await fetch(`${proxied.url}/login`, { headers: { 'x-forwarded-proto': 'https' } });
      const cookie = get.headers.getSetCookie().find((c) => c.startsWith('cc.sid=')) ?? '';
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(get.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      // over plain http to the proxy-facing port, a Secure cookie is never handed out
      const plain = await fetch(`${proxied.url}/login`);
      expect(
        plain.headers.getSetCookie().some((c) => c.startsWith('cc.sid=') && !/;\s*Secure/i.test(c)),
      ).toBe(false);
    } finally {
      await proxied.destroy();
    }
  });
});

describe('no stack trace or SQL on a page', () => {
  it('answers absurd addresses and bodies with a Chinese message and nothing else', async () => {
    const office = await as('office');
    const inspector = await as('inspector1');
    const attempts: [Client, () => Promise<Reply>][] = [
      [office, () => office.get('/no/such/page')],
      [office, () => office.get('/rounds/99999999999999999999999')],
      [office, () => office.get('/rounds/1e400')],
      [office, () => office.get('/problems/%E0%A4%A')],
      [office, () => office.get(`/rounds/${ids.pub}/results/sites/-1`)],
      [office, () => office.get('/photos/abc/original')],
      [office, () => office.get("/audit?user=1'%20OR%201=1--")],
      [office, () => office.get('/problems?round[]=1&status=open')],
      [office, () => office.get('/imports/nosuchkind/template.xlsx')],
      [office, () => office.get('/criteria/999999')],
      [
        office,
        () =>
          office.post(`/rounds/${ids.open}/sites/${ids.i1Submitted}/correct`, {
            standard: "x'; DROP TABLE answers;--",
            result: 'boom',
            cases: '-1e999',
          }),
      ],
      [
        inspector,
        () => inspector.postJson(`/api/rounds/${ids.open}/sites/${ids.i1Fresh}/changes`, { changes: 'x' }),
      ],
      [
        inspector,
        () => inspector.postJson(`/api/rounds/${ids.open}/sites/${ids.i1Fresh}/changes`, [null, { a: 1 }]),
      ],
      [
        inspector,
        () =>
          inspector.postJson(`/api/rounds/${ids.open}/sites/${ids.i1Fresh}/location`, {
            lat: 'NaN',
            lng: 'Infinity',
          }),
      ],
    ];
    for (const [, attempt] of attempts) {
      const r = await attempt();
      const what = `${attempt.toString().slice(6, 120)} → ${r.status}`;
      // a refusal with a message, or (for what the app just ignores) the page itself; never a crash
      expect(r.status, what).toBeLessThan(500);
      if (r.status >= 400) expect(refusalMessage(r.text), what).toMatch(/[\u4e00-\u9fff]/);
      expectNoLeak(r, what);
    }
    const missing = await office.get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(refusalMessage(missing.text)).toBe('找不到该页面');
    // a body that is not JSON, and one too large
    const raw = (body: string, type: string) =>
      fetch(`${app.url}/api/rounds/${ids.open}/sites/${ids.i1Fresh}/changes`, {
        method: 'POST',
        headers: {
          cookie: `cc.sid=${inspector.cookies.get('cc.sid')}`,
          'content-type': type,
          'x-requested-with': 'fetch',
          'x-csrf-token': inspector.csrf ?? '',
        },
        body,
      });
    for (const res of [
      await raw('{"changes": [', 'application/json'),
      await raw(JSON.stringify({ note: 'x'.repeat(2_000_000) }), 'application/json'),
    ]) {
      const text = await res.text();
      expect([400, 413]).toContain(res.status);
      expect(refusalMessage(text)).toMatch(/[\u4e00-\u9fff]/);
      expectNoLeak({ status: res.status, headers: res.headers, text, location: null }, text.slice(0, 100));
    }
  });

  it('shows a plain 500 page when the database breaks under a page, a script request and a download', async () => {
    const broken = await startApp();
    try {
      const office = new Client(broken.url);
      await office.login('office');
      const inspector = new Client(broken.url);
      await inspector.login('inspector1');
      const round = roundWithStatus(broken.booted.db, 'open');
      const pub = roundWithStatus(broken.booted.db, 'published');
      // the same demo district: inspector1's returned sheet (with answers) and an untouched site
      const site = ids.i1Returned;
      // the tables behind these pages disappear from under the running app
      broken.booted.db.exec('PRAGMA foreign_keys = OFF; DROP TABLE problem_events; DROP TABLE answers;');
      const replies = [
        await office.get('/problems/1'),
        await inspector.get(`/api/rounds/${round}/sites/${site}`, { 'x-requested-with': 'fetch' }),
        await office.get(`/rounds/${round}/sites/${site}`),
        await office.get(`/rounds/${pub}/rankings.xlsx`),
        await inspector.postJson(`/api/rounds/${round}/sites/${ids.i1Fresh}/changes`, {
          batchId: '00000000-0000-4000-8000-0000000000e1',
          baseRevision: 0,
          changes: [{ standard: ids.standard, result: 'ok', cases: 0, fixedCases: 0, note: '' }],
        }),
      ];
      for (const r of replies) {
        expect(r.status, r.text.slice(0, 300)).toBe(500);
        expect(refusalMessage(r.text)).toBe('服务器内部错误，请稍后再试；如果一再出现，请联系系统管理员');
        expectNoLeak(r, r.text.slice(0, 100));
      }
    } finally {
      await broken.destroy();
    }
  });
});
