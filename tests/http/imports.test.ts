// As the creation office setting a district up from spreadsheets: templates to download, imports that
// check every row and take all or nothing, and exports; a third party's results imported for a round.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { deflateBomb, millionCells, sharedStringsBomb } from '../helpers/hostile-xlsx.ts';
import { roundWithStatus, siteIdOf, streetIdOf, versionIdOf } from '../helpers/ids.ts';

let app: TestApp;
let office: Client;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  await office.get('/imports');
});
afterAll(async () => {
  await app.destroy();
});

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args);
const count = (table: string) => one(`SELECT count(*) FROM ${table}`) as number;

async function workbook(
  sheet: string,
  rows: unknown[][],
  edit?: (ws: ExcelJS.Worksheet) => void,
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet);
  for (const r of rows) ws.addRow(r);
  edit?.(ws);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function upload(path: string, buf: Buffer, name = 'data.xlsx') {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(buf)]), name);
  return office.postMultipart(path, form, { csrf: 'field' });
}

async function download(path: string): Promise<ExcelJS.Workbook> {
  const res = await fetch(app.url + path, { headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('spreadsheetml');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  return wb;
}

const SITE_HEAD = ['点位名称', '点位类型', '镇街', '社区', '地址', '纬度', '经度', '责任单位'];

describe('setting up a new district from Excel', () => {
  it('imports units that create their 镇街 and 社区, then sites, users and a round’s assignments', async () => {
    const units = await upload(
      '/imports/units',
      await workbook('责任单位', [
        ['单位编码', '单位名称', '类别', '部门名称', '上级单位编码', '对应镇街/社区'],
        ['S-HX', '河西街道办事处', '镇街', '', '', '河西街道'],
        ['C-HX-1', '柳岸社区居委会', '社区', '', 'S-HX', '柳岸社区'],
        ['D-HB', '区环保局', '部门', '环保局', '', ''],
      ]),
    );
    expect(units.status).toBe(200);
    expect(units.text).toContain('已导入责任单位 3 条');
    const streetId = streetIdOf(app.booted.db, '河西街道');
    expect(one("SELECT street_id FROM communities WHERE name = '柳岸社区'")).toBe(streetId);

    const sites = await upload(
      '/imports/sites',
      await workbook('点位', [
        SITE_HEAD,
        ['柳岸花园', '居民小区', '河西街道', '柳岸社区', '柳岸路8号', 30.3, 120.2, 'C-HX-1'],
        ['河西农贸市场', 'market', '河西街道', '', '', '', '', '区市场监管局'],
      ]),
    );
    expect(sites.text).toContain('已导入点位 2 条');
    expect(one("SELECT site_type FROM sites WHERE name = '河西农贸市场'")).toBe('market');

    const users = await upload(
      '/imports/users',
      await workbook('用户', [
        ['用户名', '姓名', '角色', '所属单位', '所在镇街', '初始密码'],
        ['hexi1', '河西测评员', '测评员', '', '河西街道', 'pass-hexi-1'],
        ['liuan', '柳岸社区', '责任单位', 'C-HX-1', '', 'pass-liuan-1'],
      ]),
    );
    expect(users.text).toContain('已导入用户 2 条');
    expect((await new Client(app.url).login('liuan', 'pass-liuan-1')).status).toBe(303);

    await office.get('/rounds/new');
    const created = await office.post('/rounds', {
      name: '河西首轮',
      startsOn: '2026-12-01',
      endsOn: '2026-12-05',
      criteriaVersionId: String(versionIdOf(app.booted.db, 'district-2026')),
      mode: 'types',
      types: 'market',
    });
    const roundId = Number(created.location!.split('/').pop());
    await office.get('/imports');
    const tpl = await download(`/rounds/${roundId}/imports/assignments/export.xlsx`);
    const rows = tpl.worksheets[0]!.getSheetValues().filter(Boolean).length;
    expect(rows).toBeGreaterThan(1);
    const assign = await upload(
      `/rounds/${roundId}/imports/assignments`,
      await workbook('测评分工', [
        ['镇街', '社区', '点位名称', '测评员用户名'],
        ['河西街道', '', '河西农贸市场', 'inspector3'],
      ]),
    );
    expect(assign.text).toContain('已导入测评分工 1 条');
    const site = siteIdOf(app.booted.db, '河西农贸市场');
    expect(
      one(
        'SELECT u.username FROM assignments a JOIN users u ON u.id = a.inspector_id WHERE a.round_id = ? AND a.site_id = ?',
        roundId,
        site,
      ),
    ).toBe('inspector3');
  });

  it('offers templates with a 说明 sheet, and exports the lists', async () => {
    const tpl = await download('/imports/sites/template.xlsx');
    expect(tpl.worksheets.map((w) => w.name)).toEqual(['点位', '说明']);
    expect(tpl.getWorksheet('点位')!.getRow(1).values).toEqual(expect.arrayContaining(SITE_HEAD));
    const exported = await download('/imports/sites/export.xlsx');
    const names = exported.worksheets[0]!.getColumn(1).values.map(String);
    expect(names).toContain('幸福家园小区');
  });
});

describe('refusing bad spreadsheets, changing nothing', () => {
  it.each([
    [
      'a text file',
      () => Promise.resolve(Buffer.from('点位名称,点位类型\n幸福,居民小区')),
      /不是有效的 Excel/,
    ],
    ['an empty file', () => Promise.resolve(Buffer.alloc(0)), /请选择要导入的 Excel 文件|不是有效的 Excel/],
    [
      'wrong headers',
      () =>
        workbook('点位', [
          ['名称', '类型'],
          ['a', 'b'],
        ]),
      /缺少列/,
    ],
    ['no data rows', () => workbook('点位', [SITE_HEAD]), /没有数据行/],
  ])('refuses %s', async (_n, make, message) => {
    const before = count('sites');
    const r = await upload('/imports/sites', await make());
    expect(r.status).toBe(400);
    expect(r.text).toMatch(message);
    expect(r.text).toContain('没有导入任何数据');
    expect(count('sites')).toBe(before);
  });

  it('lists every bad row with its row number and column, and imports none of the good ones', async () => {
    const before = count('sites');
    const r = await upload(
      '/imports/sites',
      await workbook(
        '点位',
        [
          SITE_HEAD,
          ['好点位一', '居民小区', '东湖街道', '幸福社区', '', '', '', ''],
          ['坏镇街', '居民小区', '火星街道', '', '', '', '', ''],
          ['坏类型', '太空港', '东湖街道', '', '', '', '', ''],
          ['坏纬度', '公园', '东湖街道', '', '', 95, 120, ''],
          [],
          ['好点位一', '居民小区', '东湖街道', '幸福社区', '', '', '', ''],
          ['已存在', '居民小区', '东湖街道', '幸福社区', '', '', '', ''],
          ['公式', '居民小区', '东湖街道', '', '', '', '', ''],
        ],
        (ws) => {
          ws.getCell('A8').value = '幸福家园小区';
          ws.getCell('E9').value = { formula: 'A2&"路"', result: '好点位一路' } as never;
        },
      ),
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain('第3行「镇街」找不到镇街“火星街道”');
    expect(r.text).toContain('第4行「点位类型」找不到点位类型“太空港”');
    expect(r.text).toMatch(/第5行「纬度」[^<]*90/);
    expect(r.text).toMatch(/第7行「点位名称」与第2行重复/);
    expect(r.text).toContain('第8行「点位名称」该镇街/社区已有点位“幸福家园小区”');
    expect(r.text).toMatch(/第9行「地址」包含公式/);
    expect(count('sites')).toBe(before);
  });

  it('refuses tens of thousands of rows without importing any', async () => {
    const rows: unknown[][] = [SITE_HEAD];
    for (let i = 0; i < 50_000; i++) rows.push([`点位${i}`, '居民小区', '东湖街道', '', '', '', '', '']);
    const before = count('sites');
    const r = await upload('/imports/sites', await workbook('点位', rows));
    expect(r.status).toBe(400);
    expect(r.text).toContain('数据行数超过上限');
    expect(count('sites')).toBe(before);
  }, 60_000);

  it('refuses users with a short password or an unknown unit, and an unknown import kind', async () => {
    const before = count('users');
    const r = await upload(
      '/imports/users',
      await workbook('用户', [
        ['用户名', '姓名', '角色', '所属单位', '所在镇街', '初始密码'],
        ['u1', '甲', '测评员', '', '', 'short'],
        ['u2', '乙', '责任单位', '不存在的局', '', 'long-enough-1'],
        ['office', '丙', '创城办', '', '', 'long-enough-1'],
      ]),
    );
    expect(r.text).toContain('第2行「初始密码」密码至少8个字符');
    expect(r.text).toContain('第3行「所属单位」找不到单位“不存在的局”');
    expect(r.text).toContain('第4行「用户名」用户名“office”已存在');
    expect(count('users')).toBe(before);
    expect((await upload('/imports/bogus', await workbook('x', [['a']]))).status).toBe(404);
  });

  it('answers 404 for a kind in the wrong place, an Object member, or a round that does not exist', async () => {
    for (const path of [
      '/imports/results/template.xlsx',
      '/imports/assignments/export.xlsx',
      '/rounds/1/imports/units/template.xlsx',
      '/imports/__proto__/export.xlsx',
      '/imports/constructor/template.xlsx',
    ]) {
      const r = await office.get(path);
      expect(r.status, path).toBe(404);
      expect(r.text, path).toContain('没有这种导入');
    }
    const before = count('audit_log');
    for (const r of [
      await office.get('/rounds/99999999/imports/results/template.xlsx'),
      await upload('/rounds/99999999/imports/assignments', await workbook('测评分工', [['点位']])),
    ]) {
      expect(r.status).toBe(404);
      expect(r.text).toContain('找不到该测评轮次');
    }
    expect(count('audit_log')).toBe(before);
  });

  it('refuses 测评分工 for a round that has ended with 409, assigning nothing', async () => {
    const published = roundWithStatus(app.booted.db, 'published');
    const row = app.booted.db
      .prepare(
        `SELECT st.name AS street, coalesce(c.name, '') AS community, s.name AS site
         FROM assignments a JOIN sites s ON s.id = a.site_id JOIN streets st ON st.id = s.street_id
         LEFT JOIN communities c ON c.id = s.community_id WHERE a.round_id = ? LIMIT 1`,
      )
      .get(published) as { street: string; community: string; site: string };
    const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
    const r = await upload(
      `/rounds/${published}/imports/assignments`,
      await workbook('测评分工', [
        ['镇街', '社区', '点位名称', '测评员用户名'],
        [row.street, row.community, row.site, 'inspector3'],
      ]),
    );
    expect(r.status).toBe(409);
    expect(r.text).toContain('轮次已结束，不能再分工');
    expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
  });
});

describe("a round's results from outside", () => {
  it('pre-fills the template with the round’s sites and standards and imports it as approved sheets', async () => {
    await office.get('/rounds/new');
    const created = await office.post('/rounds', {
      name: '第三方测评',
      startsOn: '2026-12-01',
      endsOn: '2026-12-05',
      criteriaVersionId: String(versionIdOf(app.booted.db, 'district-2026')),
      mode: 'types',
      types: 'bus_stop',
    });
    const roundId = Number(created.location!.split('/').pop());
    await office.post(`/rounds/${roundId}/open`);
    await office.get('/imports');
    const tpl = await download(`/rounds/${roundId}/imports/results/template.xlsx`);
    const ws = tpl.getWorksheet('测评结果')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual([
      '点位编号',
      '点位名称',
      '标准编码',
      '测评标准',
      '结果',
      '问题数',
      '等级',
      '备注',
    ]);
    const sites = one('SELECT count(*) FROM round_sites WHERE round_id = ?', roundId) as number;
    const perSite = app.booted.criteria.getByCode('district-2026').criteria.forSiteType('bus_stop').length;
    expect(ws.actualRowCount - 1).toBe(sites * perSite);

    // a bad row first: nothing goes in
    const col = (name: string) => header.indexOf(name) + 1;
    ws.eachRow((row, n) => {
      if (n === 1) return;
      row.getCell(col('结果')).value = '符合';
    });
    ws.getRow(2).getCell(col('结果')).value = '不符合';
    ws.getRow(2).getCell(col('问题数')).value = -3;
    let r = await upload(`/rounds/${roundId}/imports/results`, Buffer.from(await tpl.xlsx.writeBuffer()));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/第2行「问题数」/);
    expect(one('SELECT count(*) FROM inspections WHERE round_id = ?', roundId)).toBe(0);

    ws.getRow(2).getCell(col('问题数')).value = 2;
    ws.getRow(2).getCell(col('备注')).value = '站牌污损';
    r = await upload(
      `/rounds/${roundId}/imports/results`,
      Buffer.from(await tpl.xlsx.writeBuffer()),
      '第三方结果.xlsx',
    );
    expect(r.status).toBe(200);
    expect(r.text).toContain(`已导入测评结果 ${sites} 条`);
    expect(
      one(
        "SELECT count(*) FROM inspections WHERE round_id = ? AND status = 'approved' AND source = 'import:第三方结果.xlsx'",
        roundId,
      ),
    ).toBe(sites);
    expect(
      one(
        "SELECT count(*) FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND a.note = '站牌污损' AND a.result = 'fail' AND a.cases >= 1",
        roundId,
      ),
    ).toBe(1);

    // imported results are final: the failure went out as a problem at once
    expect(
      one(
        "SELECT count(*) FROM problems WHERE round_id = ? AND description = '站牌污损' AND status = 'open'",
        roundId,
      ),
    ).toBe(1);

    // importing again would overwrite: refused
    r = await upload(`/rounds/${roundId}/imports/results`, Buffer.from(await tpl.xlsx.writeBuffer()));
    expect(r.status).toBe(400);
    expect(r.text).toContain('已有测评表');
  });
});

describe('criteria versions from Excel', () => {
  it('exports a version, imports an edited copy under a new code, and refuses the same code or a broken file', async () => {
    const id = versionIdOf(app.booted.db, 'district-2026');
    await office.get('/criteria');
    const wb = await download(`/criteria/${id}/export.xlsx`);
    const info = wb.getWorksheet('版本信息')!;
    let again = await upload('/criteria/import', Buffer.from(await wb.xlsx.writeBuffer()));
    expect(again.status).toBe(409);
    expect(again.text).toContain('版本编码“district-2026”已存在');
    info.eachRow((row) => {
      if (row.getCell(1).value === '版本编码') row.getCell(2).value = 'district-2027';
      if (row.getCell(1).value === '名称') row.getCell(2).value = '清河区测评体系（2027试行）';
    });
    const before = count('criteria_versions');
    const ok = await upload('/criteria/import', Buffer.from(await wb.xlsx.writeBuffer()));
    expect(ok.status).toBe(303);
    expect(count('criteria_versions')).toBe(before + 1);
    const page = await office.get(ok.location!);
    expect(page.text).toContain('清河区测评体系（2027试行）');

    const std = wb.getWorksheet('测评标准')!;
    const pointsCol = (std.getRow(1).values as unknown[]).indexOf('分值');
    std.getRow(2).getCell(pointsCol).value = 0;
    info.eachRow((row) => {
      if (row.getCell(1).value === '版本编码') row.getCell(2).value = 'district-2028';
    });
    again = await upload('/criteria/import', Buffer.from(await wb.xlsx.writeBuffer()));
    expect(again.status).toBe(400);
    expect(again.text).toMatch(/第2行/);
    expect(again.text).toContain('分值');
    expect(count('criteria_versions')).toBe(before + 1);
  });

  it('shows a version as a tree with its site-type × standard matrix', async () => {
    const id = versionIdOf(app.booted.db, 'district-2026');
    const page = await office.get(`/criteria/${id}`);
    expect(page.text).toContain('点位类型 × 测评标准');
    expect(page.text).toContain('居民小区');
    expect((page.text.match(/class="mark">✓</g) ?? []).length).toBeGreaterThan(100);
  });
});

describe('hostile workbooks from an attack run', () => {
  // built once; small variants of the bench's (tests/helpers/hostile-xlsx.ts), through the same checks
  const files: [string, () => Promise<Buffer>, string][] = [
    [
      'a 100 MB shared-string table in a small file',
      () => sharedStringsBomb(100),
      '文件内容过大：解压后超过 48 MB（全部合计不超过 96 MB），远超导入所需。请只保留要导入的工作表和数据，或分批导入',
    ],
    [
      'a deflate bomb entry that lies about its size',
      () => deflateBomb(200, 4),
      '文件不是有效的 Excel（.xlsx）文件：文件已损坏或不完整，请在 Excel 中打开并重新保存后再导入',
    ],
    [
      'a million cells',
      () => millionCells(50_000),
      '文件中的单元格过多（超过 60 万个，含只有格式的空单元格），请删除多余的行、列和工作表，或分批导入',
    ],
  ];
  for (const [what, build, message] of files)
    it(`refuses ${what} with its message and stores nothing`, { timeout: 60_000 }, async () => {
      const buf = await build();
      const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
      for (const path of ['/imports/sites', '/criteria/import']) {
        const r = await upload(path, buf);
        expect(r.status, path).toBe(400);
        expect(r.text, path).toContain(message);
      }
      expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
    });
});
