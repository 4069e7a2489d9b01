// As an inspector on the tablet: open an assigned site's sheet, save answers as I go (batched, retried
// safely), attach photos, submit; as the office, return it. And every refusal: wrong site, closed round,
// bad values, bad files — each a 4xx with a Chinese message and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { roundWithStatus, untouchedSites, type AssignedSite } from '../helpers/ids.ts';
import { findUserByUsername } from '../../src/db/repos/users.ts';
import { ANONYMOUS, SYSTEM, type Actor } from '../../src/services/access.ts';
import { requireEditable, sheetScope } from '../../src/services/sheet-access.ts';
import { offlineSheets, sheetPage } from '../../src/services/sheet-pages.ts';
import { Forbidden, NotLoggedIn } from '../../src/errors.ts';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'photos');
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
const count = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args) as number;

const claimed = new Set<number>();
let refusalCase = 0;

/** An assigned site of this inspector that nobody has touched yet (each test takes its own). */
function freshSite(username: string, siteType?: string): AssignedSite {
  const row = untouchedSites(db(), roundId, username).find(
    (r) => !claimed.has(r.id) && (siteType === undefined || r.site_type === siteType),
  );
  if (!row) throw new Error(`no fresh site for ${username}`);
  claimed.add(row.id);
  return row;
}

/** Any assigned site of this inspector, for tests that store nothing. */
function anySite(username: string): { id: number; name: string; site_type: string } {
  return db()
    .prepare(
      `SELECT s.id, s.name, s.site_type FROM assignments a JOIN sites s ON s.id = a.site_id JOIN users u ON u.id = a.inspector_id
       WHERE a.round_id = ? AND u.username = ? AND s.site_type = 'residential' ORDER BY s.id LIMIT 1`,
    )
    .get(roundId, username) as { id: number; name: string; site_type: string };
}

function standardsFor(siteType: string) {
  const { criteria } = app.booted.criteria.getByCode('district-2026');
  return criteria.forSiteType(siteType);
}

async function inspector(name = 'inspector1') {
  const c = new Client(app.url);
  await c.login(name);
  return c;
}

function uploadFiles(): string[] {
  const dir = app.booted.db.name.replace(/data\/chuangcheng\.sqlite$/, 'uploads');
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function photoForm(file: string | Buffer, standard: string, clientId = randomUUID(), name = 'photo.jpg') {
  const form = new FormData();
  form.set('clientId', clientId);
  form.set('standard', standard);
  const bytes = typeof file === 'string' ? readFileSync(join(FIXTURES, file)) : file;
  form.set('photo', new Blob([new Uint8Array(bytes)]), name);
  return form;
}

describe('the sheet page', () => {
  it('shows only the standards that apply to the site type, grouped by 测评项目, with guidance', async () => {
    const c = await inspector();
    const site = anySite('inspector1');
    const page = await c.get(`/rounds/${roundId}/sites/${site.id}`);
    expect(page.status).toBe(200);
    const standards = standardsFor('residential');
    const shown = [...page.text.matchAll(/class="std" id="std-([^"]+)"/g)].map((m) => m[1]);
    expect(shown).toEqual(standards.map((s) => s.code));
    expect(page.text).toContain(`已评 0/${standards.length}`);
    expect(page.text).toContain(`抽查方法：${standards[0]!.guidance}`);
    for (const item of new Set(standards.map((s) => s.item.name))) expect(page.text).toContain(item);
    expect(page.text).toContain('当场整改');
  });

  it("refuses another inspector's site (403), a site not in the round (404), and units (403)", async () => {
    const mine = anySite('inspector2');
    const other = await inspector('inspector1');
    expect((await other.get(`/rounds/${roundId}/sites/${mine.id}`)).status).toBe(403);
    expect((await other.get(`/rounds/${roundId}/sites/999999`)).status).toBe(404);
    expect((await other.get(`/rounds/999/sites/${mine.id}`)).status).toBe(404);
    const unit = new Client(app.url);
    await unit.login('chengguan');
    expect((await unit.get(`/rounds/${roundId}/sites/${mine.id}`)).status).toBe(403);
  });
});

describe('saving as I go', () => {
  it('stores a batch once, even when the same batch is sent again', async () => {
    const c = await inspector();
    const site = freshSite('inspector1');
    const [a, b] = standardsFor(site.site_type);
    const batch = {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: [
        { standard: a!.code, result: 'ok', cases: 0, fixedCases: 0, note: '' },
        { standard: b!.code, result: 'fail', cases: 2, fixedCases: 1, note: '楼道堆放杂物' },
      ],
    };
    const first = await c.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, batch);
    expect(first.status).toBe(200);
    const again = await c.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, batch);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual(JSON.parse(first.text));
    const inspection = db()
      .prepare('SELECT id, revision FROM inspections WHERE round_id = ? AND site_id = ?')
      .get(roundId, site.id) as {
      id: number;
      revision: number;
    };
    expect(inspection.revision).toBe(1);
    const rows = db()
      .prepare(
        'SELECT standard_code, result, cases, fixed_cases, note FROM answers WHERE inspection_id = ? ORDER BY standard_code',
      )
      .all(inspection.id);
    expect(rows).toHaveLength(2);
    expect(rows).toContainEqual({
      standard_code: b!.code,
      result: 'fail',
      cases: 2,
      fixed_cases: 1,
      note: '楼道堆放杂物',
    });
    const page = await c.get(`/rounds/${roundId}/sites/${site.id}`);
    expect(page.text).toContain(`已评 2/`);
    expect(page.text).toContain('楼道堆放杂物');
  });

  it.each([
    [
      'a standard that does not apply to the site',
      (_code: string) => ({ standard: 'NOPE-1', result: 'ok', cases: 0 }),
      /不适用于该点位类型/,
    ],
    [
      'a negative case count',
      (code: string) => ({ standard: code, result: 'fail', cases: -1 }),
      /问题数不能为负数/,
    ],
    [
      'an absurd case count',
      (code: string) => ({ standard: code, result: 'fail', cases: 100000 }),
      /问题数不能超过999/,
    ],
    [
      'a fraction of a case',
      (code: string) => ({ standard: code, result: 'fail', cases: 1.5 }),
      /问题数必须是整数/,
    ],
    [
      'fail with no case',
      (code: string) => ({ standard: code, result: 'fail', cases: 0 }),
      /至少记录1处问题/,
    ],
    ['an unknown result', (code: string) => ({ standard: code, result: 'maybe', cases: 0 }), /结果只能是/],
    [
      'more fixed than found',
      (code: string) => ({ standard: code, result: 'fail', cases: 1, fixedCases: 3 }),
      /当场整改数不能多于问题数/,
    ],
  ])(
    'refuses %s alone: 400 when it is the whole batch, else the rest is saved and it is named',
    async (_name, make, message) => {
      const who = ['inspector1', 'inspector3', 'inspector4'][refusalCase++ % 3]!;
      const c = await inspector(who);
      const site = freshSite(who);
      const [deduction, other] = standardsFor(site.site_type).filter((s) => s.scoring.mode === 'deduction');
      const before = count('SELECT count(*) FROM answers');
      const api = `/api/rounds/${roundId}/sites/${site.id}/changes`;
      const alone = await c.postJson(api, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [make(deduction!.code)],
      });
      expect(alone.status).toBe(400);
      expect(JSON.parse(alone.text).error).toMatch(message);
      expect(count('SELECT count(*) FROM answers')).toBe(before);

      // one refused answer never holds back the others of the same moment
      const r = await c.postJson(api, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [{ standard: other!.code, result: 'ok', cases: 0 }, make(deduction!.code)],
      });
      expect(r.status).toBe(200);
      const body = JSON.parse(r.text) as { saved: string[]; refused: { standard: string; reason: string }[] };
      expect(body.saved).toEqual([other!.code]);
      expect(body.refused).toHaveLength(1);
      expect(body.refused[0]!.reason).toMatch(message);
      expect(count('SELECT count(*) FROM answers')).toBe(before + 1);
      expect(
        count(
          'SELECT count(*) FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND i.site_id = ? AND a.standard_code = ?',
          roundId,
          site.id,
          deduction!.code,
        ),
      ).toBe(0);
    },
  );

  it('refuses a save without the CSRF header, and answers 401 (not a redirect) when logged out', async () => {
    const c = await inspector();
    const site = freshSite('inspector1');
    const std = standardsFor(site.site_type)[0]!;
    const body = {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: [{ standard: std.code, result: 'ok', cases: 0 }],
    };
    expect(
      (await c.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, body, { csrf: false })).status,
    ).toBe(403);
    const anon = new Client(app.url);
    await anon.get('/login');
    expect((await anon.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, body)).status).toBe(401);
  });

  it('keeps the sheet working as a plain form without JavaScript', async () => {
    const c = await inspector();
    const site = freshSite('inspector1');
    const [a, b] = standardsFor(site.site_type);
    await c.get(`/rounds/${roundId}/sites/${site.id}`);
    const form = new FormData();
    form.set(`r_${a!.code}`, 'na');
    form.set(`r_${b!.code}`, 'fail');
    form.set(`c_${b!.code}`, '1');
    form.set(`n_${b!.code}`, '墙面污损');
    form.set(
      `p_${b!.code}`,
      new Blob([new Uint8Array(readFileSync(join(FIXTURES, 'orientation-landscape_1.jpg')))]),
      'x.jpg',
    );
    // as a browser sends it: an empty file box for every other standard of the sheet
    for (const s of standardsFor(site.site_type))
      if (s.code !== b!.code) form.append(`p_${s.code}`, new Blob([]), '');
    const r = await c.postMultipart(`/rounds/${roundId}/sites/${site.id}`, form, { csrf: 'field' });
    expect(r.status).toBe(303);
    const page = await c.get(r.location!);
    expect(page.text).toContain('已保存');
    expect(page.text).toContain('墙面污损');
    expect(page.text).toMatch(/\/photos\/\d+\/thumb/);
  });

  it('refuses the plain form without its CSRF field and stores nothing', async () => {
    const c = await inspector();
    const site = anySite('inspector1');
    const std = standardsFor(site.site_type)[0]!;
    await c.get(`/rounds/${roundId}/sites/${site.id}`);
    const before = [count('SELECT count(*) FROM answers'), count('SELECT count(*) FROM photos')];
    await app.booted.versions.settled(); // versions of earlier uploads are written in the background
    const files = uploadFiles();
    const form = new FormData();
    form.set(`r_${std.code}`, 'fail');
    form.set(`c_${std.code}`, '1');
    form.set(
      `p_${std.code}`,
      new Blob([new Uint8Array(readFileSync(join(FIXTURES, 'orientation-portrait_1.jpg')))]),
      'x.jpg',
    );
    const r = await c.postMultipart(`/rounds/${roundId}/sites/${site.id}`, form, { csrf: false });
    expect(r.status).toBe(403);
    expect([count('SELECT count(*) FROM answers'), count('SELECT count(*) FROM photos')]).toEqual(before);
    expect(uploadFiles()).toEqual(files);
  });
});

describe('photos', () => {
  it('keeps the original untouched under its SHA-256 with EXIF time and GPS, and flags a far-away photo', async () => {
    const c = await inspector();
    const site = freshSite('inspector1');
    const std = standardsFor(site.site_type)[0]!;
    const bytes = readFileSync(join(FIXTURES, 'gps-DSCN0010.jpg'));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const r = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm('gps-DSCN0010.jpg', std.code),
    );
    expect(r.status).toBe(201);
    const body = JSON.parse(r.text);
    const row = db()
      .prepare('SELECT sha256, taken_at, gps_lat, gps_lng, flags, uploaded_by FROM photos WHERE id = ?')
      .get(body.id) as any;
    expect(row.sha256).toBe(sha);
    expect(row.taken_at).toMatch(/^2008-10-2\dT/);
    expect(row.gps_lat).toBeGreaterThan(43);
    expect(row.gps_lng).toBeGreaterThan(11);
    const flags = JSON.parse(row.flags).map((f: { code: string }) => f.code);
    expect(flags).toContain('far_from_site');
    expect(flags).toContain('time_outside_round');
    const original = uploadFiles().find((f) => f.includes(sha) && f.includes('originals'))!;
    expect(readFileSync(original).equals(bytes)).toBe(true);
    const page = await c.get(`/rounds/${roundId}/sites/${site.id}`);
    expect(page.text).toContain('拍摄地点距点位约');
  });

  it('stores a retried upload (same client id) once', async () => {
    const c = await inspector();
    const site = freshSite('inspector1');
    const std = standardsFor(site.site_type)[1]!;
    const clientId = randomUUID();
    const a = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm('orientation-portrait_3.jpg', std.code, clientId),
    );
    const b = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm('orientation-portrait_3.jpg', std.code, clientId),
    );
    expect(a.status).toBe(201);
    expect(JSON.parse(b.text).id).toBe(JSON.parse(a.text).id);
    expect(count('SELECT count(*) FROM photos WHERE client_id = ?', clientId)).toBe(1);
  });

  it.each([
    ['an iPhone HEIC', () => readFileSync(join(FIXTURES, 'heic-IMG_5195.HEIC')), /HEIC/],
    ['a text file', () => Buffer.from('这不是照片'), /.+/],
    ['an empty file', () => Buffer.alloc(0), /.+/],
    ['a truncated JPEG', () => readFileSync(join(FIXTURES, 'gps-DSCN0010.jpg')).subarray(0, 40_000), /.+/],
    [
      'an SVG with script',
      () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      /.+/,
    ],
  ])('refuses %s with a Chinese message, storing no row and no file', async (_name, bytes, message) => {
    const c = await inspector();
    const site = anySite('inspector1');
    const std = standardsFor('residential')[0]!;
    await app.booted.versions.settled(); // versions of earlier uploads are written in the background
    const files = uploadFiles();
    const rows = count('SELECT count(*) FROM photos');
    const r = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm(bytes(), std.code),
    );
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const error = JSON.parse(r.text).error as string;
    expect(error).toMatch(/[\u4e00-\u9fff]/);
    expect(error).toMatch(message);
    expect(count('SELECT count(*) FROM photos')).toBe(rows);
    expect(uploadFiles()).toEqual(files);
  });

  it('refuses a decompression bomb (20000×20000 PNG) before decoding it', async () => {
    const sharp = (await import('sharp')).default;
    const bomb = await sharp({
      create: { width: 20000, height: 20000, channels: 3, background: '#000' },
      limitInputPixels: false,
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const c = await inspector();
    const site = anySite('inspector1');
    await app.booted.versions.settled(); // versions of earlier uploads are written in the background
    const files = uploadFiles();
    const r = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm(bomb, standardsFor('residential')[0]!.code),
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toMatch(/像素|万像素|过大/);
    expect(uploadFiles()).toEqual(files);
  });

  it("refuses answers and photos for another inspector's site", async () => {
    const c = await inspector('inspector1');
    const theirs = anySite('inspector2');
    const std = standardsFor(theirs.site_type)[0]!;
    const r = await c.postJson(`/api/rounds/${roundId}/sites/${theirs.id}/changes`, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: [{ standard: std.code, result: 'ok', cases: 0 }],
    });
    expect(r.status).toBe(403);
    const p = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${theirs.id}/photos`,
      photoForm('orientation-portrait_1.jpg', std.code),
    );
    expect(p.status).toBe(403);
  });

  it('refuses a file over 20 MB with 413 and a photo for a standard that does not apply', async () => {
    const c = await inspector();
    const site = anySite('inspector1');
    const std = standardsFor('residential')[0]!;
    const huge = Buffer.alloc(21 * 1024 * 1024, 0xff);
    const r = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm(huge, std.code),
    );
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).error).toContain('20 MB');
    const wrong = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm('orientation-portrait_1.jpg', 'NOPE-1'),
    );
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text).error).toContain('不适用于该点位类型');
  });

  it('serves a photo to the office and its inspector only', async () => {
    const c = await inspector();
    const site = freshSite('inspector1');
    const std = standardsFor(site.site_type)[0]!;
    const r = await c.postMultipart(
      `/api/rounds/${roundId}/sites/${site.id}/photos`,
      photoForm('orientation-landscape_6.jpg', std.code),
    );
    const id = JSON.parse(r.text).id;
    for (const v of ['thumb', 'display', 'original'])
      expect((await c.get(`/photos/${id}/${v}`)).status).toBe(200);
    const office = new Client(app.url);
    await office.login('office');
    expect((await office.get(`/photos/${id}/display`)).status).toBe(200);
    const other = await inspector('inspector2');
    expect((await other.get(`/photos/${id}/display`)).status).toBe(403);
    const unit = new Client(app.url);
    await unit.login('xingfu');
    expect((await unit.get(`/photos/${id}/original`)).status).toBe(403);
    expect((await new Client(app.url).get(`/photos/${id}/thumb`)).status).toBe(303);
    expect((await office.get(`/photos/${id}/huge`)).status).toBe(404);
  });
});

describe('submit and return', () => {
  it('blocks submit with the list, submits a complete sheet, then the office returns it and later edits are audited', async () => {
    const c = await inspector('inspector3');
    const site = freshSite('inspector3');
    const standards = standardsFor(site.site_type);
    const needsPhoto = standards.find((s) => s.photoRequired && s.scoring.mode === 'deduction')!;
    const url = `/api/rounds/${roundId}/sites/${site.id}`;
    await c.get(`/rounds/${roundId}/sites/${site.id}`);
    const blocked = await c.post(`/rounds/${roundId}/sites/${site.id}/submit`);
    expect(blocked.status).toBe(400);
    expect(blocked.text).toContain(`${standards.length} 条标准需要处理`);

    const changes = standards.map((s) =>
      s.code === needsPhoto.code
        ? { standard: s.code, result: 'fail', cases: 1, note: '垃圾桶破损' }
        : { standard: s.code, result: 'ok', cases: 0 },
    );
    expect(
      (await c.postJson(`${url}/changes`, { batchId: randomUUID(), baseRevision: 0, changes })).status,
    ).toBe(200);
    const noPhoto = await c.post(`/rounds/${roundId}/sites/${site.id}/submit`);
    expect(noPhoto.status).toBe(400);
    expect(noPhoto.text).toContain('不符合但缺少照片');
    expect(noPhoto.text).toContain(needsPhoto.code);

    expect(
      (await c.postMultipart(`${url}/photos`, photoForm('orientation-landscape_2.jpg', needsPhoto.code)))
        .status,
    ).toBe(201);
    // a complete sheet: asked first (nothing changes until the inspector confirms), then said
    const ask = await c.post(`/rounds/${roundId}/sites/${site.id}/submit`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('提交测评表？');
    expect(ask.text).toContain(`“${site.name}”的测评表将交给创城办审核，不能再修改`);
    expect(ask.text).toContain('name="confirmed" value="1"');
    expect(
      count(
        'SELECT count(*) FROM inspections WHERE round_id = ? AND site_id = ? AND status = ?',
        roundId,
        site.id,
        'draft',
      ),
    ).toBe(1);
    const ok = await c.post(`/rounds/${roundId}/sites/${site.id}/submit`, { confirmed: '1' });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe(`/rounds/${roundId}/sites/${site.id}?submitted=1`);
    const said = await c.get(ok.location!);
    expect(said.text).toContain('已提交：测评表已交给创城办审核');
    // the 得分率 stays 暂定 until the office approves
    expect(said.text).toMatch(/id="live-rate">[\d.]+%<\/b> <small>暂定<\/small>/);
    const home = await c.get('/');
    expect(home.text).toMatch(
      new RegExp(
        `${site.name}</span><span class="site-type">[^<]+</span><span class="site-state state-submitted">已提交`,
      ),
    );

    const late = await c.postJson(`${url}/changes`, {
      batchId: randomUUID(),
      baseRevision: 5,
      changes: [{ standard: needsPhoto.code, result: 'ok', cases: 0 }],
    });
    expect(late.status).toBe(409);
    expect(JSON.parse(late.text).error).toContain('已提交');

    const office = new Client(app.url);
    await office.login('office');
    const noReason = await office.post(`/rounds/${roundId}/sites/${site.id}/return`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('请填写退回原因');
    // a refused 退回 shows the sheet again with what was typed and the message by the field
    const tooLong = '补拍'.repeat(251);
    const long = await office.post(`/rounds/${roundId}/sites/${site.id}/return`, { reason: tooLong });
    expect(long.status).toBe(400);
    expect(long.text).toContain(`${tooLong}</textarea><span class="field-error">退回原因不能超过500个字符`);
    // the office's verbs are the office's, whatever the inspector sends: 403 with the rule's reason
    const selfReturn = await c.post(`/rounds/${roundId}/sites/${site.id}/return`, { reason: '自己退回' });
    expect(selfReturn.status).toBe(403);
    expect(selfReturn.text).toContain('只有创城办可以退回测评表');
    const selfCorrect = await c.post(`/rounds/${roundId}/sites/${site.id}/correct`, {
      standard: needsPhoto.code,
      result: 'ok',
      cases: '0',
      reason: '自己更正',
    });
    expect(selfCorrect.status).toBe(403);
    expect(selfCorrect.text).toContain('只有创城办可以更正测评表');
    const selfApprove = await c.post(`/rounds/${roundId}/sites/${site.id}/approve`);
    expect(selfApprove.status).toBe(403);
    expect(
      (await office.post(`/rounds/${roundId}/sites/${site.id}/return`, { reason: '照片不清晰，请补拍' }))
        .status,
    ).toBe(303);

    const page = await c.get(`/rounds/${roundId}/sites/${site.id}`);
    expect(page.text).toContain('创城办退回：照片不清晰，请补拍');
    expect((await c.get('/')).text).toContain('已退回');
    const edit = await c.postJson(`${url}/changes`, {
      batchId: randomUUID(),
      baseRevision: 5,
      changes: [{ standard: needsPhoto.code, result: 'fail', cases: 2, note: '垃圾桶破损两处' }],
    });
    expect(edit.status).toBe(200);
    const audit = db()
      .prepare("SELECT detail FROM audit_log WHERE action = 'answer.change' AND site_id = ? ORDER BY id DESC")
      .pluck()
      .get(site.id) as string;
    expect(JSON.parse(audit)).toMatchObject({
      standard: needsPhoto.code,
      old: { result: 'fail', cases: 1, note: '垃圾桶破损' },
      new: { result: 'fail', cases: 2, note: '垃圾桶破损两处' },
    });
  });

  it('refuses answers once the round is closed', async () => {
    const c = await inspector('inspector4');
    const site = anySite('inspector4');
    const std = standardsFor(site.site_type)[0]!;
    db().prepare("UPDATE rounds SET status = 'closed' WHERE id = ?").run(roundId);
    try {
      const r = await c.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [{ standard: std.code, result: 'ok', cases: 0 }],
      });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.text).error).toContain('本轮测评已结束');
    } finally {
      db().prepare("UPDATE rounds SET status = 'open' WHERE id = ?").run(roundId);
    }
  });
});

describe('two devices, a moved-on sheet, an earlier page', () => {
  const answerOf = (siteId: number, code: string) =>
    db()
      .prepare(
        `SELECT a.result, a.cases, a.note FROM answers a JOIN inspections i ON i.id = a.inspection_id
         WHERE i.round_id = ? AND i.site_id = ? AND a.standard_code = ?`,
      )
      .get(roundId, siteId, code);

  it("keeps the answer another device of the same inspector saved since the batch's base, and reports both", async () => {
    const tabletA = await inspector('inspector2');
    const tabletB = await inspector('inspector2');
    const site = freshSite('inspector2');
    const [a, b] = standardsFor(site.site_type).filter((s) => s.scoring.mode === 'deduction');
    const api = `/api/rounds/${roundId}/sites/${site.id}/changes`;
    // both tablets saw revision 1 (a: 符合, b: 符合)
    const base = await tabletA.postJson(api, {
      batchId: randomUUID(),
      baseRevision: 0,
      changes: [
        { standard: a!.code, result: 'ok', cases: 0 },
        { standard: b!.code, result: 'ok', cases: 0 },
      ],
    });
    expect(JSON.parse(base.text).revision).toBe(1);
    // tablet B, online, changes a to 不符合 2 处 (revision 2)
    await tabletB.postJson(api, {
      batchId: randomUUID(),
      baseRevision: 1,
      changes: [{ standard: a!.code, result: 'fail', cases: 2, note: '另一台平板' }],
    });
    // tablet A, offline since revision 1, changed a to 不适用 and b to 不符合 1 处
    const late = await tabletA.postJson(api, {
      batchId: randomUUID(),
      baseRevision: 1,
      changes: [
        { standard: a!.code, result: 'na', cases: 0 },
        { standard: b!.code, result: 'fail', cases: 1, note: '本机' },
      ],
    });
    expect(late.status).toBe(200);
    const body = JSON.parse(late.text) as { saved: string[]; conflicts: Record<string, unknown>[] };
    expect(body.saved).toEqual([b!.code]);
    expect(body.conflicts).toEqual([
      {
        standard: a!.code,
        text: a!.text,
        by: 'self',
        mine: { result: 'na', cases: 0, fixedCases: 0, note: '' },
        office: { result: 'fail', cases: 2, fixedCases: 0, note: '另一台平板' },
      },
    ]);
    expect(answerOf(site.id, a!.code)).toEqual({ result: 'fail', cases: 2, note: '另一台平板' });
    expect(answerOf(site.id, b!.code)).toEqual({ result: 'fail', cases: 1, note: '本机' });

    // the inspector chooses their own value: a batch based on the latest revision is applied
    const chosen = await tabletA.postJson(api, {
      batchId: randomUUID(),
      baseRevision: JSON.parse(late.text).revision,
      changes: [{ standard: a!.code, result: 'na', cases: 0 }],
    });
    expect(JSON.parse(chosen.text).conflicts).toEqual([]);
    expect(answerOf(site.id, a!.code)).toEqual({ result: 'na', cases: 0, note: '' });
  });

  it('still accepts a batch queued by the previous page (no fixedCases or note, a 0-case 不符合 among them)', async () => {
    const c = await inspector('inspector2');
    const site = freshSite('inspector2');
    const [a, b] = standardsFor(site.site_type).filter((s) => s.scoring.mode !== 'passfail');
    // the shape the previous page put in its queue, sent as it is
    const r = await c.postJson(`/api/rounds/${roundId}/sites/${site.id}/changes`, {
      batchId: '0123456789abcdef0123456789abcdef',
      baseRevision: 0,
      changes: [
        { standard: a!.code, result: 'ok', cases: 0 },
        { standard: b!.code, result: 'fail', cases: 0 },
      ],
    });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as { saved: string[]; refused: { standard: string; reason: string }[] };
    expect(body.saved).toEqual([a!.code]);
    expect(body.refused).toEqual([{ standard: b!.code, reason: '选择“不符合”时至少记录1处问题' }]);
    expect(answerOf(site.id, a!.code)).toEqual({ result: 'ok', cases: 0, note: '' });
  });

  it('sends the plain form back whole when one answer is refused, storing nothing', async () => {
    const c = await inspector('inspector2');
    const site = freshSite('inspector2');
    const [a, b] = standardsFor(site.site_type).filter((s) => s.scoring.mode !== 'passfail');
    await c.get(`/rounds/${roundId}/sites/${site.id}`);
    const form = new FormData();
    form.set(`r_${a!.code}`, 'ok');
    form.set(`r_${b!.code}`, 'fail');
    form.set(`c_${b!.code}`, '0');
    const r = await c.postMultipart(`/rounds/${roundId}/sites/${site.id}`, form, { csrf: 'field' });
    expect(r.status).toBe(400);
    expect(r.text).toContain(`标准 ${b!.code}：选择“不符合”时至少记录1处问题`);
    expect(answerOf(site.id, a!.code)).toBeUndefined();
  });

  it('drops 暂定 from the 得分率 of an approved sheet', async () => {
    const office = new Client(app.url);
    await office.login('office');
    const approved = db()
      .prepare(
        `SELECT i.round_id, i.site_id FROM inspections i WHERE i.status = 'approved'
         AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.inspection_id = i.id AND a.result = 'na') LIMIT 1`,
      )
      .get() as { round_id: number; site_id: number };
    const page = await office.get(`/rounds/${approved.round_id}/sites/${approved.site_id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('已通过');
    expect(page.text).toMatch(/id="live-rate">[\d.]+%<\/b><\/span>/);
    expect(page.text).not.toContain('暂定');
  });
});

describe('the sheet services asked directly', () => {
  const ctx = () => ({ db: db(), criteria: app.booted.criteria, uploadDir: join(app.dir, 'uploads') });
  const user = (name: string) => findUserByUsername(db(), name)!;

  it('let the assigned inspector fill in a sheet, the office and the system read and review it, and no one else', () => {
    const site = freshSite('inspector1');
    const page = (actor: Actor) => sheetPage(ctx(), actor, roundId, site.id);
    expect(page(user('inspector1')).may).toMatchObject({ edit: true, review: false, correct: false });
    expect(page(user('office')).may).toMatchObject({ edit: false, review: true });
    expect(page(SYSTEM).may).toMatchObject({ edit: false, review: true });
    expect(() => page(user('inspector2'))).toThrow('该点位未分配给您');
    expect(() => page(user('chengguan'))).toThrow('责任单位不能查看测评表');
    expect(() => page(ANONYMOUS)).toThrow(NotLoggedIn);
    expect(() =>
      requireEditable(db(), user('office'), sheetScope(ctx(), user('office'), roundId, site.id)),
    ).toThrow('只有被分配的测评员可以填写测评表');
  });

  it('keep the offline list to inspectors, each with only their own sites', () => {
    const mine = offlineSheets(db(), user('inspector1'));
    expect(mine.length).toBe(
      count(
        'SELECT count(*) FROM assignments WHERE round_id = ? AND inspector_id = ?',
        roundId,
        user('inspector1').id,
      ),
    );
    expect(() => offlineSheets(db(), user('office'))).toThrow(Forbidden);
    expect(() => offlineSheets(db(), SYSTEM)).toThrow(Forbidden);
  });
});
