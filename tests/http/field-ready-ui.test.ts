// What a new office user meets on the first day (issue 15, "also" and duplicate names): the login page of
// a demo install says where the demo passwords are; a favicon; 包联 chosen with checkboxes by 镇街; the
// criteria version choice tells versions apart; a duplicate name shows the form again with what was
// typed and the message by the name field (409), changing nothing; the demo exercises 当场整改.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { communityIdOf, roundWithStatus, siteIdOf, unitIdOf } from '../helpers/ids.ts';

let app: TestApp;
let office: Client;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app.destroy();
});

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args);
const count = (sql: string, ...args: unknown[]) => one(sql, ...args) as number;

/** A browser's form post with repeated fields (checkboxes), with the client's cookies and CSRF token. */
async function postPairs(c: Client, path: string, pairs: [string, string][]) {
  const body = new URLSearchParams([['_csrf', c.csrf ?? ''], ...pairs]);
  const res = await fetch(app.url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body,
    redirect: 'manual',
  });
  return { status: res.status, text: await res.text() };
}

/** The value attribute of the input named `name` inside the form posting to `action`. */
function typedValue(html: string, action: string, name: string): string | undefined {
  const form = new RegExp(`<form[^>]*action="${action}"[\\s\\S]*?</form>`).exec(html)?.[0] ?? '';
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1];
}

describe('login page', () => {
  it('on a demo install says the passwords were printed at the first start and how to set new ones', async () => {
    const page = await new Client(app.url).get('/login');
    expect(page.status).toBe(200);
    expect(page.text).toContain('首次启动时打印在服务器控制台');
    expect(page.text).toContain('npm run cli -- user:passwd &lt;用户名&gt; --password &lt;新密码&gt;');
    expect(page.text).toContain('DEMO_PASSWORD');
  });

  it('says nothing about demo passwords on an install without the demo', async () => {
    const empty = await startApp({ demo: false });
    try {
      const page = await new Client(empty.url).get('/login');
      expect(page.status).toBe(200);
      expect(page.text).toContain('登录创城测评');
      expect(page.text).not.toContain('user:passwd');
      expect(page.text).not.toContain('演示');
    } finally {
      await empty.destroy();
    }
  });
});

describe('favicon', () => {
  it('is linked from every page and served as an image', async () => {
    const page = await new Client(app.url).get('/login');
    expect(page.text).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    const svg = await fetch(`${app.url}/static/favicon.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(await svg.text()).toContain('<svg');
    const ico = await fetch(`${app.url}/static/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toMatch(/^image\//);
    // an ICO file starts with reserved 0, type 1 (icon)
    expect([...Buffer.from(await ico.arrayBuffer()).subarray(0, 4)]).toEqual([0, 0, 1, 0]);
  });
});

describe('包联 chosen with checkboxes', () => {
  it("lists a unit's communities as checkboxes grouped by 镇街 and stores the ticked ones", async () => {
    const unit = unitIdOf(app.booted.db, 'L-CZJ');
    const page = await office.get('/units');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<select[^>]*multiple/);
    const block = new RegExp(`action="/units/${unit}/liaisons"[\\s\\S]*?</form>`).exec(page.text)?.[0] ?? '';
    for (const street of ['东湖街道', '西城街道', '南山镇', '北关街道'])
      expect(block).toContain(`<legend>${street}</legend>`);
    const boxes = [...block.matchAll(/type="checkbox" name="communities" value="(\d+)"/g)];
    expect(boxes.length).toBe(count('SELECT count(*) FROM communities WHERE retired_at IS NULL'));

    const wanted = ['幸福社区', '朝阳社区'].map((n) => communityIdOf(app.booted.db, n));
    const saved = await postPairs(
      office,
      `/units/${unit}/liaisons`,
      wanted.map((id) => ['communities', String(id)]),
    );
    expect(saved.status).toBe(303);
    const stored = app.booted.db
      .prepare('SELECT community_id FROM community_liaisons WHERE unit_id = ? ORDER BY community_id')
      .pluck()
      .all(unit);
    expect(stored).toEqual([...wanted].sort((a, b) => a - b));
    const after = await office.get('/units');
    expect(after.text).toContain('包联社区（2 个）：幸福社区、朝阳社区');

    // a community that does not exist: refused by the field, nothing changed
    const bad = await postPairs(office, `/units/${unit}/liaisons`, [['communities', '99999']]);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('所选社区不存在');
    expect(count('SELECT count(*) FROM community_liaisons WHERE unit_id = ?', unit)).toBe(2);
  });

  it('on a 社区 row offers the 包联 units as checkboxes, not a Ctrl-click list', async () => {
    const page = await office.get('/places');
    expect(page.text).not.toMatch(/<select[^>]*multiple/);
    const xcb = unitIdOf(app.booted.db, 'L-XCB');
    expect(page.text).toContain(`type="checkbox" name="liaisons" value="${xcb}"`);
  });
});

describe('criteria version choice', () => {
  it('names version, code, effective date and the number of field standards of each version, in full', async () => {
    const page = await office.get('/rounds/new');
    expect(page.status).toBe(200);
    for (const file of ['district-2025.json', 'district-2026.json', 'district-2026-2.json']) {
      const v = JSON.parse(readFileSync(join(ROOT, 'criteria', file), 'utf8')) as {
        code: string;
        version: string;
        effectiveFrom?: string;
        siteTypes: unknown[];
        items: { contents: { standards: { method: string }[] }[] }[];
      };
      const field = v.items
        .flatMap((i) => i.contents)
        .flatMap((c) => c.standards)
        .filter((s) => s.method === 'field').length;
      const option =
        new RegExp(
          // the whole code: district-2026 is not district-2026-2
          `<label class="version-card">(?:(?!</label>)[\\s\\S])*编码 ${v.code}(?![\\w.-])[\\s\\S]*?</label>`,
        ).exec(page.text)?.[0] ?? '';
      expect(option, v.code).toContain('type="radio" name="criteriaVersionId"');
      expect(option, v.code).toContain(`版本 ${v.version}`);
      expect(option).toContain(`实地考察标准 ${field} 条`);
      expect(option).toContain(`点位类型 ${v.siteTypes.length} 类`);
      if (v.effectiveFrom) expect(option).toContain(`${v.effectiveFrom} 起施行`);
    }
    // the shipped 2026 edition has 106 field standards (README)
    expect(page.text).toContain('实地考察标准 106 条');
  });
});

describe('duplicate names', () => {
  it('refuses a unit name already used, showing the form again with what was typed (409)', async () => {
    await office.get('/units');
    const before = count('SELECT count(*) FROM units');
    const r = await office.post('/units', {
      code: 'D-CGJ2',
      name: '区城管局',
      kind: 'department',
      department: '城管局',
      parentId: '',
    });
    expect(r.status).toBe(409);
    expect(r.text).toContain('单位名称“区城管局”已被单位 D-CGJ 使用');
    expect(r.text).toMatch(
      /name="name" value="区城管局"[^>]*>\s*<span class="field-error">单位名称“区城管局”已被单位 D-CGJ 使用/,
    );
    expect(typedValue(r.text, '/units', 'code')).toBe('D-CGJ2');
    expect(typedValue(r.text, '/units', 'department')).toBe('城管局');
    expect(count('SELECT count(*) FROM units')).toBe(before);
  });

  it("refuses renaming a unit to another unit's name on its own row", async () => {
    const id = unitIdOf(app.booted.db, 'D-ZJJ');
    const r = await office.post(`/units/${id}`, {
      code: 'D-ZJJ',
      name: '区交通运输局',
      kind: 'department',
      department: '住建局',
      parentId: '',
    });
    expect(r.status).toBe(409);
    expect(typedValue(r.text, `/units/${id}`, 'name')).toBe('区交通运输局');
    expect(r.text).toContain('已被单位 D-JTJ 使用');
    expect(r.text).toContain(`<a href="#unit-${id}">到该行修改</a>`);
    expect(one('SELECT name FROM units WHERE id = ?', id)).toBe('区住建局');
  });

  it('refuses a user name already taken, keeping the other fields but never the password', async () => {
    await office.get('/users');
    const before = count('SELECT count(*) FROM users');
    const r = await office.post('/users', {
      username: 'Inspector1',
      displayName: '新来的测评员',
      password: 'secret-pass-9',
      role: 'inspector',
      unitId: '',
      homeStreetId: '',
    });
    expect(r.status).toBe(409);
    expect(r.text).toMatch(
      /name="username" value="Inspector1"[^>]*>\s*<span class="field-error">该用户名已被使用/,
    );
    expect(typedValue(r.text, '/users', 'displayName')).toBe('新来的测评员');
    expect(r.text).toMatch(/<option value="inspector" selected>/);
    expect(r.text).not.toContain('secret-pass-9');
    expect(count('SELECT count(*) FROM users')).toBe(before);
  });

  it('refuses a 社区 name already used in its 镇街, on the row that was edited', async () => {
    const id = communityIdOf(app.booted.db, '和平社区');
    const street = one('SELECT street_id FROM communities WHERE id = ?', id) as number;
    await office.get('/places');
    const r = await office.post(`/places/communities/${id}`, {
      streetId: String(street),
      name: '幸福社区',
      unitId: '',
    });
    expect(r.status).toBe(409);
    expect(r.text).toContain('该镇街已有社区“幸福社区”');
    expect(r.text).toContain(`<a href="#community-${id}">到该行修改</a>`);
    expect(typedValue(r.text, `/places/communities/${id}`, 'name')).toBe('幸福社区');
    expect(one('SELECT name FROM communities WHERE id = ?', id)).toBe('和平社区');
  });

  it('refuses a site name already used in the same 社区, on the add form and on the edit page', async () => {
    const site = app.booted.db
      .prepare("SELECT id, street_id, community_id FROM sites WHERE name = '锦绣花园'")
      .get() as { id: number; street_id: number; community_id: number };
    const before = count('SELECT count(*) FROM sites');
    await office.get('/places/sites');
    const fields = {
      name: '幸福家园小区',
      siteType: 'residential',
      streetId: String(site.street_id),
      communityId: String(site.community_id),
      address: '幸福路8号',
      lat: '',
      lng: '',
      responsibleUnitId: '',
    };
    const add = await office.post('/places/sites', fields);
    expect(add.status).toBe(409);
    expect(add.text).toMatch(
      /name="name" value="幸福家园小区"[^>]*>\s*<span class="field-error">幸福社区已有点位“幸福家园小区”/,
    );
    expect(typedValue(add.text, '/places/sites', 'address')).toBe('幸福路8号');
    expect(count('SELECT count(*) FROM sites')).toBe(before);

    await office.get(`/places/sites/${site.id}`);
    const edit = await office.post(`/places/sites/${site.id}`, fields);
    expect(edit.status).toBe(409);
    expect(edit.text).toContain('幸福社区已有点位“幸福家园小区”');
    expect(typedValue(edit.text, `/places/sites/${site.id}`, 'address')).toBe('幸福路8号');
    expect(one('SELECT name FROM sites WHERE id = ?', site.id)).toBe('锦绣花园');
    // the same name in another 社区 is a different site
    const elsewhere = communityIdOf(app.booted.db, '朝阳社区');
    const other = await office.post('/places/sites', {
      ...fields,
      streetId: String(one('SELECT street_id FROM communities WHERE id = ?', elsewhere)),
      communityId: String(elsewhere),
    });
    expect(other.status).toBe(303);
  });
});

describe('duplicate unit names in an import', () => {
  it('refuses the row naming a unit that exists, importing nothing', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('责任单位');
    ws.addRow(['单位编码', '单位名称', '类别', '部门名称', '上级单位编码', '对应镇街/社区']);
    ws.addRow(['D-NEW1', '区新设局', '部门', '新设局', '', '']);
    ws.addRow(['D-NEW2', '区城管局', '部门', '城管局', '', '']);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(await wb.xlsx.writeBuffer())]), 'units.xlsx');
    const before = count('SELECT count(*) FROM units');
    await office.get('/imports');
    const r = await office.postMultipart('/imports/units', form, { csrf: 'field' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('第3行「单位名称」单位名称“区城管局”已被单位 D-CGJ 使用');
    expect(count('SELECT count(*) FROM units')).toBe(before);
  });
});

describe('the demo fixes some problems on the spot (当场整改)', () => {
  it('has such answers in both rounds', () => {
    for (const status of ['published', 'open'])
      expect(
        count(
          `SELECT count(*) FROM answers a JOIN inspections i ON i.id = a.inspection_id
           JOIN rounds r ON r.id = i.round_id WHERE r.status = ? AND a.result = 'fail' AND a.fixed_cases > 0`,
          status,
        ),
        status,
      ).toBeGreaterThan(0);
  });

  it('scores 康宁巷 with its on-the-spot fix at half a case', async () => {
    // In the published round 康宁巷 (背街小巷) has 17 standards, all applicable, worth 43.5 points. One
    // fails: C04-1 路灯 (2 points, graded A/B/C/C# at 0/1/2/3 cases), 2 cases of which 1 fixed on the
    // spot. With the version's factor 0.5: effective cases 1 + 0.5 = 1.5 → grade B (≥1, <2) → 66 % →
    // earned 1.32, lost 0.68 (without the fix it would be grade C, 0.66). Site: 43.5 − 0.68 = 42.82 of
    // 43.5 = 98.437 % → 98.44 %.
    const round = roundWithStatus(app.booted.db, 'published');
    const site = siteIdOf(app.booted.db, '康宁巷');
    const answer = app.booted.db
      .prepare(
        `SELECT a.cases, a.fixed_cases FROM answers a JOIN inspections i ON i.id = a.inspection_id
         WHERE i.round_id = ? AND i.site_id = ? AND a.standard_code = 'C04-1'`,
      )
      .get(round, site);
    expect(answer).toEqual({ cases: 2, fixed_cases: 1 });
    const page = await office.get(`/rounds/${round}/results/sites/${site}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<b>C04-1<\/b>[\s\S]*?不符合（B）[\s\S]*?1\.32 \/ 2[\s\S]*?0\.68/);
    expect(page.text).toContain('42.82 / 43.5');
    expect(page.text).toContain('98.44%');
  });
});
