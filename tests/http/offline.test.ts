// The server's side of offline work: a replay without a session gets 401 JSON (never a redirect or a
// CSRF 403 that looks like a refusal); answers, photos and submits replayed twice change nothing the
// second time; a device that had not seen the office's correction or return is told what differs and
// the office's version stays; a reassigned site refuses with its reason; the service worker and the
// manifest of what to keep on the device; and the app serving HTTPS itself from TLS_CERT/TLS_KEY.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { join } from 'node:path';
import { Client, startApp, tempDir, type TestApp, scalar } from '../helpers/app.ts';
import { ROOT, startTs } from '../helpers/run.ts';
import { roundWithStatus, untouchedSites, userIdOf } from '../helpers/ids.ts';

const PHOTO = join(ROOT, 'tests', 'fixtures', 'photos', 'orientation-landscape_1.jpg');
const TLS = join(ROOT, 'tests', 'fixtures', 'tls');
let app: TestApp;
let roundId: number;
beforeAll(async () => {
  app = await startApp();
  roundId = roundWithStatus(app.booted.db, 'open');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);

const claimed = new Set<number>();
function freshSite(username: string): { id: number; site_type: string } {
  const row = untouchedSites(db(), roundId, username).find((r) => !claimed.has(r.id))!;
  claimed.add(row.id);
  return row;
}

function standardsFor(siteType: string) {
  return app.booted.criteria.getByCode('district-2026').criteria.forSiteType(siteType);
}

/** Answers every standard 符合 except photo-free deductions left to the test. */
function allOk(siteType: string) {
  return standardsFor(siteType).map((s) => ({ standard: s.code, result: 'ok', cases: 0, note: '' }));
}

async function login(name: string): Promise<Client> {
  const c = new Client(app.url);
  await c.login(name);
  return c;
}

function photoForm(clientId: string, standard: string): FormData {
  const form = new FormData();
  form.set('clientId', clientId);
  form.set('standard', standard);
  form.set('photo', new Blob([new Uint8Array(readFileSync(PHOTO))]), 'p.jpg');
  return form;
}

describe('replays without a session', () => {
  it('get 401 JSON, not a redirect and not a CSRF refusal, also with the token of the ended session', async () => {
    const c = await login('inspector1');
    const site = freshSite('inspector1');
    const api = `/api/rounds/${roundId}/sites/${site.id}`;
    const token = c.csrf;
    expect((await c.post('/logout')).status).toBe(303);
    c.csrf = token;

    const changes = await c.postJson(`${api}/changes`, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: [{ standard: standardsFor(site.site_type)[0]!.code, result: 'ok', cases: 0 }],
    });
    expect(changes.status).toBe(401);
    expect(changes.location).toBeNull();
    expect(JSON.parse(changes.text).error).toBe('登录已过期，请重新登录');
    const photo = await c.postMultipart(`${api}/photos`, photoForm(randomUUID(), 'x'));
    expect(photo.status).toBe(401);
    const submit = await c.postJson(`${api}/submit`, { submitId: randomUUID(), baseRevision: 0 });
    expect(submit.status).toBe(401);
    const session = await c.get('/api/session');
    expect(session.status).toBe(401);
    expect(session.location).toBeNull();
    expect(one('SELECT count(*) FROM inspections WHERE round_id = ? AND site_id = ?', roundId, site.id)).toBe(
      0,
    );
  });

  it('a logout asks the browser to drop its cached pages', async () => {
    const c = await login('inspector1');
    const r = await c.post('/logout');
    expect(r.headers.get('clear-site-data')).toBe('"cache"');
  });
});

describe('a replayed queue changes nothing the second time', () => {
  it('answers, photo and submit sent twice are stored once', async () => {
    const c = await login('inspector1');
    const site = freshSite('inspector1');
    const api = `/api/rounds/${roundId}/sites/${site.id}`;
    const std = standardsFor(site.site_type);
    const batch = { batchId: randomUUID(), baseRevision: 0, changes: allOk(site.site_type) };
    const first = await c.postJson(`${api}/changes`, batch);
    const again = await c.postJson(`${api}/changes`, batch);
    expect(first.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual(JSON.parse(first.text));
    expect(one('SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?', roundId, site.id)).toBe(
      1,
    );

    const clientId = randomUUID();
    const p1 = await c.postMultipart(`${api}/photos`, photoForm(clientId, std[0]!.code));
    const p2 = await c.postMultipart(`${api}/photos`, photoForm(clientId, std[0]!.code));
    expect([p1.status, p2.status]).toEqual([201, 201]);
    expect(JSON.parse(p2.text).id).toBe(JSON.parse(p1.text).id);
    expect(one('SELECT count(*) FROM photos WHERE client_id = ?', clientId)).toBe(1);

    const submit = { submitId: randomUUID(), baseRevision: 1 };
    const s1 = await c.postJson(`${api}/submit`, submit);
    const s2 = await c.postJson(`${api}/submit`, submit);
    expect([s1.status, s2.status]).toEqual([200, 200]);
    expect(JSON.parse(s2.text)).toEqual({ status: 'submitted', revision: 2 });
    expect(one('SELECT status FROM inspections WHERE round_id = ? AND site_id = ?', roundId, site.id)).toBe(
      'submitted',
    );
    expect(
      one(
        "SELECT count(*) FROM audit_log WHERE action = 'sheet.submit' AND round_id = ? AND site_id = ?",
        roundId,
        site.id,
      ),
    ).toBe(1);
  });

  it('refuses a submit with what still blocks it, and stores nothing', async () => {
    const c = await login('inspector1');
    const site = freshSite('inspector1');
    const r = await c.postJson(`/api/rounds/${roundId}/sites/${site.id}/submit`, {
      submitId: randomUUID(),
      baseRevision: 0,
    });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.text);
    expect(body.error).toMatch(/还不能提交/);
    expect(body.blockers[0].reason).toBe('未评');
  });
});

describe('the office changed the sheet while the device was offline', () => {
  it("keeps the office's correction, tells the device mine vs the office's, and holds back a stale submit", async () => {
    const inspector = await login('inspector1');
    const office = await login('office');
    const site = freshSite('inspector1');
    const api = `/api/rounds/${roundId}/sites/${site.id}`;
    const [a, b] = standardsFor(site.site_type).filter((s) => s.scoring.mode !== 'passfail');
    await inspector.postJson(`${api}/changes`, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: allOk(site.site_type),
    });
    // the device saw revision 1; then (say, from another tablet) the sheet was submitted, corrected, returned
    await inspector.postJson(`${api}/submit`, { submitId: randomUUID(), baseRevision: 1 });
    await office.get(`/rounds/${roundId}/sites/${site.id}`);
    const corrected = await office.post(`/rounds/${roundId}/sites/${site.id}/correct`, {
      standard: a!.code,
      result: 'fail',
      cases: '2',
      fixedCases: '0',
      note: '复核发现两处',
      reason: '复核',
    });
    expect(corrected.status).toBe(303);
    await office.post(`/rounds/${roundId}/sites/${site.id}/return`, { reason: '请补拍照片' });

    const replay = await inspector.postJson(`${api}/changes`, {
      batchId: randomUUID(),
      baseRevision: 1,
      changes: [
        { standard: a!.code, result: 'na', cases: 0, note: '' },
        { standard: b!.code, result: 'fail', cases: 1, note: '我的发现' },
      ],
    });
    expect(replay.status).toBe(200);
    const body = JSON.parse(replay.text);
    expect(body.saved).toEqual([b!.code]);
    expect(body.conflicts).toEqual([
      {
        standard: a!.code,
        text: a!.text,
        mine: { result: 'na', cases: 0, fixedCases: 0, note: '' },
        office: { result: 'fail', cases: 2, fixedCases: 0, note: '复核发现两处' },
        by: 'office',
      },
    ]);
    const answer = (code: string) =>
      db()
        .prepare(
          `SELECT a.result, a.cases, a.note FROM answers a JOIN inspections i ON i.id = a.inspection_id
           WHERE i.round_id = ? AND i.site_id = ? AND a.standard_code = ?`,
        )
        .get(roundId, site.id, code);
    expect(answer(a!.code)).toEqual({ result: 'fail', cases: 2, note: '复核发现两处' });
    expect(answer(b!.code)).toEqual({ result: 'fail', cases: 1, note: '我的发现' });

    const stale = await inspector.postJson(`${api}/submit`, { submitId: randomUUID(), baseRevision: 1 });
    expect(stale.status).toBe(409);
    expect(JSON.parse(stale.text).error).toMatch(/创城办已退回此表（请补拍照片）/);
    const state = JSON.parse((await inspector.get(api)).text);
    expect(state.status).toBe('returned');
    expect(state.returnedReason).toBe('请补拍照片');
  });

  it('refuses a replay for a site reassigned meanwhile, with the reason', async () => {
    const inspector = await login('inspector1');
    const office = await login('office');
    const site = freshSite('inspector1');
    const inspector2 = userIdOf(db(), 'inspector2');
    await office.get(`/rounds/${roundId}/assignments`);
    await office.post(`/rounds/${roundId}/assignments`, {
      siteId: String(site.id),
      inspectorId: String(inspector2),
    });
    const r = await inspector.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: allOk(site.site_type),
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error).toBe('该点位未分配给您');
  });
});

describe('what the device keeps', () => {
  it('serves the service worker at the root scope without caching surprises, to anyone', async () => {
    const r = await fetch(`${app.url}/sw.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    expect(r.headers.get('cache-control')).toMatch(/no-cache/);
    expect(r.headers.get('service-worker-allowed')).toBe('/');
    expect(await r.text()).toContain('cc-u');
  });

  it("lists My sites, every assigned sheet, the static files and the photos' thumbnails for the inspector", async () => {
    const c = await login('inspector2');
    const home = await c.get('/');
    expect(home.text).toMatch(/<meta name="cc-user" content="u\d+">/);
    expect(home.text).toMatch(/<script src="\/static\/js\/offline\.js\?v=[0-9a-f]+" defer>/);
    const site = freshSite('inspector2');
    const std = standardsFor(site.site_type)[0]!;
    const up = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm(randomUUID(), std.code),
    );
    const photoId = JSON.parse(up.text).id as number;

    const m = JSON.parse((await c.get('/api/offline/manifest')).text);
    const inspector2 = userIdOf(db(), 'inspector2');
    expect(m.user).toBe(`u${inspector2}`);
    expect(m.pages).toEqual(['/']);
    expect(m.assets).toContain('/static/css/app.css');
    expect(m.assets.some((a: string) => a.startsWith('/static/js/sheet.js?v='))).toBe(true);
    expect(m.sites.length).toBe(
      one('SELECT count(*) FROM assignments WHERE round_id = ? AND inspector_id = ?', roundId, inspector2),
    );
    const entry = m.sites.find((s: { site: number }) => s.site === site.id);
    expect(entry.url).toBe(`/rounds/${roundId}/sites/${site.id}`);
    expect(entry.thumbs).toEqual([`/photos/${photoId}/thumb`]);
    // the version changes with the sheet's revision, status and photos; a sheet not started has none
    const revision = one(
      'SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?',
      roundId,
      site.id,
    );
    expect(entry.version).toBe(`${revision}:draft:1`);
    const untouched = untouchedSites(db(), roundId, 'inspector2').map((s) => s.id);
    const idle = m.sites.filter((s: { site: number }) => untouched.includes(s.site));
    expect(idle.length).toBe(untouched.length);
    expect(
      idle.every((s: { version: string; thumbs: string[] }) => s.version === 'none' && !s.thumbs.length),
    ).toBe(true);

    const office = await login('office');
    expect((await office.get('/api/offline/manifest')).status).toBe(403);
  });
});

describe('HTTPS from TLS_CERT and TLS_KEY', () => {
  it('starts with the test certificate and answers over HTTPS', async () => {
    const dir = tempDir();
    const run = startTs('src/server.ts', [], {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      UPLOAD_DIR: join(dir, 'uploads'),
      DEMO: '0',
      TLS_CERT: join(TLS, 'cert.pem'),
      TLS_KEY: join(TLS, 'key.pem'),
    });
    try {
      await run.waitFor(/已启动：https:\/\/localhost:\d+/, 45_000);
      const port = Number(/localhost:(\d+)/.exec(run.stdout())![1]);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(join(TLS, 'cert.pem')) },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      await run.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a key that is not a key, saying so in Chinese', async () => {
    const dir = tempDir();
    const r = await startTs('src/server.ts', [], {
      PORT: '0',
      DATA_DIR: join(dir, 'data'),
      UPLOAD_DIR: join(dir, 'uploads'),
      DEMO: '0',
      TLS_CERT: join(TLS, 'cert.pem'),
      TLS_KEY: join(TLS, 'README.md'),
    }).done;
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TLS_KEY=.*README\.md：不是有效的 PEM 私钥/);
  });
});
