// As the creation office opening the workbooks it downloads in Excel or WPS: dates that are dates, scores
// and rates that read right, text that stays text when edited, photo links that open from where the file
// was downloaded, file names that keep the round's whole name, and a dropdown on every list column of
// every import template.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { cellXml } from '../helpers/xlsx.ts';
import { roundWithStatus } from '../helpers/ids.ts';

let app: TestApp;
let office: Client;
let published: number;
let open: number;
const ROUND_NAME = '2026/12 第1轮';

beforeAll(async () => {
  app = await startApp();
  const db = app.booted.db;
  published = roundWithStatus(db, 'published');
  open = roundWithStatus(db, 'open');
  db.prepare('UPDATE rounds SET name = ? WHERE id = ?').run(ROUND_NAME, published);
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app.destroy();
});

async function download(client: Client, path: string) {
  const res = await fetch(client.base + path, {
    headers: { cookie: `cc.sid=${client.cookies.get('cc.sid')}` },
  });
  expect(res.status, path).toBe(200);
  const buf = Buffer.from(await res.arrayBuffer());
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  return { buf, wb, disposition: res.headers.get('content-disposition') ?? '' };
}

const validations = (ws: ExcelJS.Worksheet) =>
  (ws as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations
    .model;

/** The header → column letter of a sheet's header row. */
function columnsOf(ws: ExcelJS.Worksheet, headerRow = 1): Map<string, string> {
  const out = new Map<string, string>();
  ws.getRow(headerRow).eachCell((cell) => out.set(String(cell.value), cell.address.replace(/\d+$/, '')));
  return out;
}

describe('file names', () => {
  it('keep the round’s whole name, the "/" replaced, in UTF-8 with an ASCII fallback', async () => {
    const { disposition } = await download(office, `/rounds/${published}/rankings.xlsx`);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+\.xlsx"; filename\*=UTF-8''/);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1]!;
    expect(decodeURIComponent(encoded)).toBe('排名-2026_12 第1轮.xlsx');
    expect(/filename="([^"]+)"/.exec(disposition)![1]).toContain('2026_12');
    const problems = await download(office, `/rounds/${published}/problems.xlsx`);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(problems.disposition)![1]!)).toBe(
      '整改清单-2026_12 第1轮.xlsx',
    );
    const template = await download(office, '/imports/sites/template.xlsx');
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(template.disposition)![1]!)).toBe(
      '点位导入模板.xlsx',
    );
  });
});

describe('the rankings workbook', () => {
  it('shows scores with two decimals, rates as percentages of a fraction and counts as whole numbers', async () => {
    const { wb } = await download(office, `/rounds/${published}/rankings.xlsx`);
    for (const name of ['镇街排名', '社区排名', '点位得分明细', '红黑榜']) {
      const ws = wb.getWorksheet(name)!;
      const cols = columnsOf(ws, 3);
      for (const [header, fmt] of [
        ['得分', '0.00'],
        ['应得分', '0.00'],
        ['得分率', '0.00%'],
        ['及格率', '0.00%'],
        ['问题数', '0'],
        ['已评标准数', '0'],
      ] as const) {
        const col = cols.get(header);
        if (!col) continue;
        ws.getColumn(col).eachCell((cell, row) => {
          if (row > 3 && cell.value !== null) expect(cell.numFmt, `${name} ${cell.address}`).toBe(fmt);
        });
      }
    }
    const ws = wb.getWorksheet('社区排名')!;
    const cols = columnsOf(ws, 3);
    // 应得分 is a whole number of points for most communities: shown as 254.00, not "254."
    const possible = ws.getColumn(cols.get('应得分')!).values.slice(4) as number[];
    expect(possible.some((v) => Number.isInteger(v))).toBe(true);
    const rate = ws.getCell(`${cols.get('得分率')}4`).value as number;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(1); // the cell holds the fraction; the format shows it as 87.65%
    expect(JSON.stringify(wb.worksheets.map((w) => w.getColumn(1).numFmt ?? ''))).not.toContain('0.##');
  });
});

describe('the 整改清单 workbook', () => {
  const db = () => app.booted.db;
  let fixedId: number;
  beforeAll(() => {
    // a problem reported fixed at 2026-12-01T17:00Z, i.e. 2026-12-02 01:00 in Shanghai, and notes that
    // a spreadsheet would take for formulas
    fixedId = scalar(
      db(),
      "SELECT id FROM problems WHERE round_id = ? AND status = 'fixed' ORDER BY id LIMIT 1",
      published,
    ) as number;
    db()
      .prepare("UPDATE problems SET fixed_at = '2026-12-01T17:00:00.000Z', fix_note = '=1+1' WHERE id = ?")
      .run(fixedId);
  });

  async function problemRow(path: string, client = office) {
    const { buf, wb } = await download(client, path);
    const ws = wb.getWorksheet('整改清单')!;
    const cols = columnsOf(ws);
    const fixNote = cols.get('整改情况')!;
    let row = 0;
    ws.getColumn(fixNote).eachCell((cell, n) => {
      if (cell.value === '=1+1') row = n;
    });
    expect(row).toBeGreaterThan(1);
    return { buf, ws, cols, row };
  }

  it('has 整改时限 and 整改时间 as real dates in Shanghai time, 扣分 with two decimals', async () => {
    const { ws, cols, row } = await problemRow(`/rounds/${published}/problems.xlsx`);
    const deadline = ws.getCell(`${cols.get('整改时限')}${row}`);
    const stored = scalar(db(), 'SELECT deadline FROM problems WHERE id = ?', fixedId) as string;
    expect(deadline.value).toEqual(new Date(`${stored}T00:00:00Z`));
    expect(deadline.numFmt).toBe('yyyy-mm-dd');
    const fixedAt = ws.getCell(`${cols.get('整改时间')}${row}`);
    // exceljs gives Excel's zone-less wall-clock time in the UTC fields: 2026-12-02 01:00
    expect(fixedAt.value).toEqual(new Date('2026-12-02T01:00:00Z'));
    expect(fixedAt.numFmt).toBe('yyyy-mm-dd hh:mm');
    const points = ws.getCell(`${cols.get('扣分')}${row}`);
    expect(typeof points.value).toBe('number');
    expect(points.numFmt).toBe('0.00');
    expect(ws.getCell(`A${row}`).numFmt).not.toBe('0.##');
  });

  it('keeps a note that starts with "=" as text, with quotePrefix on its cell style', async () => {
    const { buf, cols, row } = await problemRow(`/rounds/${published}/problems.xlsx`);
    const cell = cellXml(buf, '整改清单', `${cols.get('整改情况')}${row}`);
    expect(cell.text).toBe('=1+1');
    expect(cell.xf).toMatch(/quotePrefix="1"/);
    const other = cellXml(buf, '整改清单', `${cols.get('镇街')}${row}`);
    expect(other.xf).not.toMatch(/quotePrefix/);
  });

  it('links photos at the address the download was asked at, never localhost', async () => {
    const { ws, cols } = await problemRow(`/rounds/${published}/problems.xlsx`);
    const links: string[] = [];
    for (const header of ['问题照片', '整改后照片'])
      ws.getColumn(cols.get(header)!).eachCell((cell) => {
        const f = (cell.value as { formula?: string } | null)?.formula;
        if (f) links.push(/^HYPERLINK\("([^"]+)"/.exec(f)![1]!);
      });
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(link).toMatch(new RegExp(`^${app.url}/photos/\\d+/display$`));
    // the link opens the photo for someone signed in
    const photo = await office.bytes(new URL(links[0]!).pathname);
    expect(photo.status).toBe(200);
  });

  it('ignores forwarded-host headers unless TRUST_PROXY says a proxy sets them', async () => {
    const res = await fetch(`${app.url}/rounds/${published}/problems.xlsx`, {
      headers: {
        cookie: `cc.sid=${office.cookies.get('cc.sid')}`,
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
      },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const formulas = (wb.getWorksheet('整改清单')!.getColumn(10).values as unknown[])
      .map((v) => (v as { formula?: string } | null)?.formula)
      .filter(Boolean) as string[];
    expect(formulas.length).toBeGreaterThan(0);
    for (const f of formulas) expect(f.startsWith(`HYPERLINK("${app.url}/photos/`)).toBe(true);
  });
});

describe('with BASE_URL set', () => {
  it('links photos at BASE_URL whatever address the download was asked at', async () => {
    const other = await startApp({ env: { BASE_URL: 'https://cc.example.gov.cn/' } });
    try {
      const client = new Client(other.url);
      await client.login('office');
      const round = roundWithStatus(other.booted.db, 'published');
      const { wb } = await download(client, `/rounds/${round}/problems.xlsx`);
      const links = (wb.getWorksheet('整改清单')!.getColumn(10).values as unknown[])
        .map((v) => (v as { formula?: string } | null)?.formula)
        .filter(Boolean) as string[];
      expect(links.length).toBeGreaterThan(0);
      for (const f of links)
        expect(f).toMatch(/^HYPERLINK\("https:\/\/cc\.example\.gov\.cn\/photos\/\d+\/display"/);
    } finally {
      await other.destroy();
    }
  });
});

describe('import templates', () => {
  // every column whose value is one of a list: fixed choices or today's records
  const LIST_COLUMNS: [path: string, sheet: string, headers: string[], freeText: string][] = [
    ['/imports/units/template.xlsx', '责任单位', ['类别', '部门名称', '上级单位编码'], '单位名称'],
    ['/imports/sites/template.xlsx', '点位', ['点位类型', '镇街', '社区', '责任单位'], '点位名称'],
    ['/imports/users/template.xlsx', '用户', ['角色', '所属单位', '所在镇街'], '姓名'],
    [
      '/rounds/:open/imports/assignments/template.xlsx',
      '测评分工',
      ['镇街', '社区', '点位名称', '测评员用户名'],
      '备注',
    ],
    ['/rounds/:open/imports/results/template.xlsx', '测评结果', ['结果', '等级'], '备注'],
  ];

  it.each(LIST_COLUMNS)('%s has a dropdown on every list column', async (path, sheet, headers, free) => {
    const { wb } = await download(office, path.replace(':open', String(open)));
    const ws = wb.getWorksheet(sheet)!;
    const cols = columnsOf(ws);
    const v = validations(ws);
    for (const header of headers) {
      const rule = v[`${cols.get(header)}2`];
      expect(rule, `${sheet}「${header}」`).toMatchObject({ type: 'list' });
    }
    // and none on free text
    if (cols.has(free)) expect(v[`${cols.get(free)}2`], `${sheet}「${free}」`).toBeUndefined();
  });

  it('offers today’s site types, 镇街 and units in the sites template', async () => {
    const { wb } = await download(office, '/imports/sites/template.xlsx');
    const ws = wb.getWorksheet('点位')!;
    const cols = columnsOf(ws);
    const v = validations(ws);
    const listOf = (header: string): string[] => {
      const formula = v[`${cols.get(header)}2`]!.formulae[0] as string;
      if (formula.startsWith('"')) return formula.slice(1, -1).split(',');
      const m = /'下拉选项'!\$([A-Z]+)\$1:\$[A-Z]+\$(\d+)/.exec(formula)!;
      const lists = wb.getWorksheet('下拉选项')!;
      return Array.from({ length: Number(m[2]) }, (_, i) => String(lists.getCell(`${m[1]}${i + 1}`).value));
    };
    const names = (sql: string) =>
      (app.booted.db.prepare(sql).all() as { name: string }[]).map((r) => r.name).sort();
    expect(listOf('点位类型').sort()).toEqual(names('SELECT name FROM site_types'));
    expect(listOf('镇街').sort()).toEqual(names('SELECT name FROM streets WHERE retired_at IS NULL'));
    expect(listOf('责任单位').sort()).toEqual(names('SELECT name FROM units WHERE retired_at IS NULL'));
    // a site type may still be written by its code: Excel warns instead of refusing
    expect(v[`${cols.get('点位类型')}2`]).toMatchObject({ errorStyle: 'warning' });
    expect(v[`${cols.get('镇街')}2`]).toMatchObject({ errorStyle: 'stop' });
  });

  it('the criteria workbook has dropdowns for its choices and rates as percentages', async () => {
    const id = scalar(app.booted.db, 'SELECT criteria_version_id FROM rounds WHERE id = ?', open) as number;
    const { wb } = await download(office, `/criteria/${id}/export.xlsx`);
    const standards = wb.getWorksheet('测评标准')!;
    const cols = columnsOf(standards);
    const v = validations(standards);
    for (const header of ['测评方法', '计分方式', '须拍照', '责任单位类别'])
      expect(v[`${cols.get(header)}2`], header).toMatchObject({ type: 'list' });
    const info = wb.getWorksheet('版本信息')!;
    const infoV = validations(info);
    expect(infoV['A2']).toMatchObject({ type: 'list' });
    info.eachRow((row, n) => {
      const label = String(row.getCell(1).value);
      if (label === '不适用处理')
        expect(infoV[`B${n}`]).toMatchObject({ type: 'list', formulae: ['"排除,取平均"'] });
      if (label === '当场整改系数') {
        expect(row.getCell(2).numFmt).toBe('0.00%');
        expect(row.getCell(2).value).toBeLessThanOrEqual(1);
      }
    });
  });
});
