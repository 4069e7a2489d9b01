// 记录问题 (/problems/new): the office and 包联 leaders record 督查 (and the office 媒体) problems on a
// phone with photos from the camera; they enter the loop at once with the unit and the deadline by the
// office's rule (working days hand-counted over 国庆 2026). Everyone else is refused, and every bad
// input is refused in Chinese with nothing stored: no problem row, no photo row, no file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { communityIdOf, siteIdOf, unitIdOf, userIdOf } from '../helpers/ids.ts';
import { dbFingerprint, listFiles } from '../helpers/routes.ts';
import { insertUser } from '../../src/db/repos/users.ts';
import { hashPassword } from '../../src/services/passwords.ts';
import { setClock } from '../../src/util/clock.ts';

const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/gps-DSCN0010.jpg'));
const PHOTO2 = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
const PHOTO3 = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-portrait_1.jpg'));
const SITE = '幸福社区党群服务中心';
const SITE_UNIT = '幸福社区居委会';
const LEADER_PASSWORD = 'leader-pass-2026';

let app: TestApp;
let office: Client;
const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const uploads = () => join(app.dir, 'uploads');

beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  // a 包联 leader: the unit of one of the demo's 包联 links
  const unit = one('SELECT unit_id FROM community_liaisons ORDER BY community_id LIMIT 1') as number;
  insertUser(db(), {
    username: 'h2leader',
    displayName: '刘部长',
    role: 'leader',
    unitId: unit,
    homeStreetId: null,
    passwordHash: await hashPassword(LEADER_PASSWORD),
  });
});
afterAll(async () => {
  await app.destroy();
});
afterEach(() => setClock(null));

async function leader(): Promise<Client> {
  const c = new Client(app.url);
  expect((await c.login('h2leader', LEADER_PASSWORD)).status).toBe(303);
  return c;
}

type Photo = Buffer | { bytes: Buffer; name: string };
function form(fields: Record<string, string>, photos: Photo[] = []): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  photos.forEach((p, i) => {
    const { bytes, name } = Buffer.isBuffer(p) ? { bytes: p, name: `现场-${i}.jpg` } : p;
    f.append('photos', new Blob([new Uint8Array(bytes)]), name);
  });
  return f;
}

async function record(c: Client, fields: Record<string, string>, photos: Photo[] = []) {
  await c.get('/problems/new');
  return c.postMultipart('/problems/new', form(fields, photos), { csrf: 'field' });
}

/** Posts a form that must be refused: returns the reply after checking nothing was stored (rows or files). */
async function refused(c: Client, fields: Record<string, string>, photos: Photo[] = []) {
  await app.booted.versions.settled(); // no photo version still being made in the background
  const before = dbFingerprint(db());
  const files = listFiles(uploads());
  const r = await c.postMultipart('/problems/new', form(fields, photos), { csrf: 'field' });
  expect(dbFingerprint(db())).toEqual(before);
  expect(listFiles(uploads())).toEqual(files);
  return r;
}

/** The newest problem's id (the one a successful post just made). */
const newest = () => one('SELECT max(id) FROM problems') as number;

describe('the office records a 督查 problem at a site', () => {
  it('shows each source’s rule and the deadline it gives today on the form', async () => {
    setClock('2026-09-30T02:00:00Z'); // 10:00 in Shanghai, the day before 国庆
    const page = await office.get('/problems/new');
    expect(page.status).toBe(200);
    // 督查 by default 5 工作日: 10-08, 10-09, 10-10 (调休 Saturday), 10-12, 10-13; 媒体 3: to 10-10
    expect(page.text).toContain('整改时限 5 个工作日，至 2026-10-13');
    expect(page.text).toContain('整改时限 3 个工作日，至 2026-10-10');
    expect(page.text).toContain('capture="environment"');
    expect(page.text).toContain(`<option value="${siteIdOf(db(), SITE)}" >${SITE}</option>`);
  });

  it('stores it with its photo, its unit and a deadline counted in working days, and shows it', async () => {
    setClock('2026-09-30T02:00:00Z');
    const site = siteIdOf(db(), SITE);
    const r = await record(
      office,
      {
        source: 'inspection',
        site_id: String(site),
        description: '宣传栏玻璃破损',
        standard: '',
        unit_id: '',
        deadline_unit: 'workdays',
        deadline_amount: '3',
      },
      [PHOTO],
    );
    expect(r.status).toBe(303);
    const id = newest();
    expect(r.location).toBe(`/problems/${id}`);
    const p = db().prepare('SELECT * FROM problems WHERE id = ?').get(id) as Record<string, unknown>;
    expect(p).toMatchObject({
      source: 'inspection',
      round_id: null,
      site_id: site,
      unit_id: unitIdOf(db(), one('SELECT code FROM units WHERE name = ?', SITE_UNIT) as string),
      // 2026-09-30 + 3 工作日: 10-01…10-07 国庆, 10-08 Thu, 10-09 Fri, 10-10 the make-up Saturday
      deadline: '2026-10-10',
      deadline_rule: 'workdays',
      deadline_amount: 3,
      deadline_time: null,
      recorded_by: userIdOf(db(), 'office'),
      status: 'open',
      outside_district: 0,
      description: '宣传栏玻璃破损',
    });
    const photo = db().prepare("SELECT * FROM photos WHERE problem_id = ? AND kind = 'record'").get(id) as {
      id: number;
      sha256: string;
      uploaded_by: number;
      caption: string;
    };
    expect(photo.uploaded_by).toBe(userIdOf(db(), 'office'));
    expect(JSON.parse(photo.caption)).toEqual(['督查 2026-09-30 10:00', `点位 ${SITE}`, '王主任']);
    expect(listFiles(uploads()).some((f) => f.includes(photo.sha256))).toBe(true);
    expect(one("SELECT count(*) FROM audit_log WHERE action = 'problem.raise' AND entity_id = ?", id)).toBe(
      1,
    );

    const shown = await office.get(`/problems/${id}`);
    expect(shown.text).toContain(`已记录问题，已交办 ${SITE_UNIT}（整改时限 3 个工作日，至 2026-10-10）`);
    expect(shown.text).toContain('督查');
    expect(shown.text).toContain(SITE);
    expect(shown.text).toContain(SITE_UNIT);
    expect(shown.text).toContain(`/photos/${photo.id}/`);
    expect((await office.bytes(`/photos/${photo.id}/original`)).body.equals(PHOTO)).toBe(true);
  });

  it('sends a problem under a standard to the unit the standard names at that site', async () => {
    // A02-1 (公益广告) names the 城管局 in both 2026 editions, whichever the newest round uses
    const r = await record(
      office,
      { site_id: String(siteIdOf(db(), SITE)), description: '公益广告缺失', standard: 'A02-1' },
      [PHOTO2],
    );
    expect(r.status).toBe(303);
    const p = db().prepare('SELECT * FROM problems WHERE id = ?').get(newest()) as Record<string, unknown>;
    expect(p).toMatchObject({
      standard_code: 'A02-1',
      unit_id: one("SELECT id FROM units WHERE name = '区城管局'"),
    });
    expect(p.criteria_version_id).not.toBeNull();
    expect((await office.get(r.location!)).text).toContain('已记录问题，已交办 区城管局');
  });

  it('records a 媒体 problem by address alone, without photos, left 待分派 when the office says so', async () => {
    const r = await record(office, {
      source: 'media',
      address: '晚报报道：东湖路公交站候车亭广告破损',
      description: '候车亭广告牌破损（媒体曝光）',
      unit_id: 'none',
    });
    expect(r.status).toBe(303);
    const p = db().prepare('SELECT * FROM problems WHERE id = ?').get(newest()) as Record<string, unknown>;
    expect(p).toMatchObject({ source: 'media', site_id: null, unit_id: null, deadline_amount: 3 });
    expect(p.address).toBe('晚报报道：东湖路公交站候车亭广告破损');
    expect((await office.get(r.location!)).text).toContain('已记录问题，责任单位待分派');
  });
});

describe('a 包联 leader records one on a phone', () => {
  it('flags coordinates far from every site of the district, and says so', async () => {
    setClock('2026-09-30T02:00:00Z');
    const c = await leader();
    const page = await c.get('/problems/new');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('value="media"');
    expect(page.text).not.toContain('name="unit_id"');
    const community = communityIdOf(db(), '和平社区');
    const r = await record(
      c,
      {
        community_id: String(community),
        lat: '39.904200', // Beijing: over 1,000 km from the demo district
        lng: '116.407400',
        address: '外地考察点',
        description: '道路积水未清理',
        // not on a leader's form: ignored, the office's rule for 督查 and the 社区's unit apply
        deadline_unit: 'hours',
        deadline_amount: '2',
        unit_id: String(unitIdOf(db(), one('SELECT code FROM units ORDER BY id LIMIT 1') as string)),
      },
      [PHOTO2],
    );
    expect(r.status).toBe(303);
    const id = newest();
    const p = db().prepare('SELECT * FROM problems WHERE id = ?').get(id) as Record<string, unknown>;
    expect(p).toMatchObject({
      source: 'inspection',
      outside_district: 1,
      gps_lat: 39.9042,
      gps_lng: 116.4074,
      community_id: community,
      unit_id: one('SELECT unit_id FROM communities WHERE id = ?', community),
      recorded_by: userIdOf(db(), 'h2leader'),
      deadline: '2026-10-13',
      deadline_rule: 'workdays',
      deadline_amount: 5,
    });
    const shown = await c.get(`/problems/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('已记录问题，已交办 和平社区居委会（整改时限 5 个工作日，至 2026-10-13）');
    expect(shown.text).toContain('定位在辖区外');
  });

  it('may not record a 媒体 problem (400, nothing stored)', async () => {
    const c = await leader();
    await c.get('/problems/new');
    const r = await refused(
      c,
      { source: 'media', site_id: String(siteIdOf(db(), SITE)), description: '报道' },
      [PHOTO],
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain('包联领导只能记录督查问题');
  });
});

describe('who may record', () => {
  it.each(['chengguan', 'inspector1'])('%s gets 403 on the form and its post', async (username) => {
    const c = new Client(app.url);
    await c.login(username);
    const page = await c.get('/problems/new');
    expect(page.status).toBe(403);
    expect(page.text).toContain('只有创城办和包联领导可以记录督查问题');
    await c.get('/');
    const r = await refused(c, { site_id: String(siteIdOf(db(), SITE)), description: '越权' }, [PHOTO]);
    expect(r.status).toBe(403);
  });
});

describe('bad input is refused in Chinese and nothing is stored', () => {
  const site = () => String(siteIdOf(db(), SITE));
  const TEXT = { bytes: Buffer.from('这不是照片，只是一段文字'), name: 'note.txt' };
  const cases: [string, () => Record<string, string>, Photo[], string][] = [
    ['no description', () => ({ site_id: site(), description: '  ' }), [PHOTO], '请填写问题描述'],
    [
      'no photo for 督查',
      () => ({ site_id: site(), description: '无照片' }),
      [],
      '督查问题请至少拍摄一张现场照片',
    ],
    ['nowhere', () => ({ description: '没有地点' }), [PHOTO], '请选择点位、使用定位，或填写地址或社区'],
    ['bad coordinates', () => ({ lat: '北纬', lng: '120.1', description: '坐标' }), [PHOTO], '定位坐标无效'],
    ['an unknown site', () => ({ site_id: '999999', description: '点位' }), [PHOTO], '找不到该点位'],
    [
      'an unknown unit',
      () => ({ site_id: site(), description: '单位', unit_id: '999999' }),
      [PHOTO],
      '找不到该责任单位',
    ],
    [
      'an unknown standard',
      () => ({ site_id: site(), description: '标准', standard: 'Z99-9' }),
      [PHOTO],
      '找不到测评标准“Z99-9”',
    ],
    [
      'a deadline in an unknown unit',
      () => ({ site_id: site(), description: '时限', deadline_unit: 'weeks', deadline_amount: '2' }),
      [PHOTO],
      '请选择按自然日、工作日或小时计算',
    ],
    [
      'a text file as a photo (after a good one)',
      () => ({ site_id: site(), description: '文件' }),
      [PHOTO3, TEXT],
      '文件不是可识别的图片',
    ],
    [
      'a deadline amount without its unit',
      () => ({ site_id: site(), description: '时限', deadline_amount: '2' }),
      [PHOTO],
      '请选择按自然日、工作日或小时计算',
    ],
    [
      'seven photos',
      () => ({ site_id: site(), description: '太多' }),
      Array(7).fill(PHOTO2) as Photo[],
      '照片最多 6 张',
    ],
  ];
  it.each(cases)('%s', async (_name, fields, photos, message) => {
    await office.get('/problems/new');
    const r = await refused(office, fields(), photos);
    expect(r.status).toBe(400);
    expect(r.text).toContain(message);
    // the form again, with what was typed (the photos must be chosen again)
    const typed = fields().description!.trim();
    if (typed) expect(r.text).toContain(`placeholder="看到了什么问题，在哪个位置">${typed}</textarea>`);
    expect(r.text).toContain('请重新选择照片');
  });
});
