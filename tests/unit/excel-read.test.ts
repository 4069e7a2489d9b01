// The table import engine as office staff meet it: whatever they upload, they get either every row
// or every problem, each with the row number Excel shows, the column and a plain Chinese reason.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { zipOf } from '../helpers/hostile-xlsx.ts';
import {
  date,
  integer,
  number,
  oneOf,
  readTable,
  text,
  yesNo,
  type TableSpec,
} from '../../src/excel/index.ts';

const sites: TableSpec = {
  name: '点位',
  sheetName: '点位',
  columns: [
    { key: 'name', header: '点位名称', required: true, unique: true, parse: text({ max: 20 }) },
    { key: 'type', header: '点位类型', required: true, parse: oneOf(['居民小区', '农贸市场', '背街小巷']) },
    { key: 'community', header: '所属社区', aliases: ['社区'] },
    { key: 'count', header: '楼栋数', parse: integer({ min: 1, max: 99 }) },
    { key: 'area', header: '面积', parse: number({ min: 0 }) },
    { key: 'since', header: '启用日期', parse: date() },
    { key: 'active', header: '是否启用', parse: yesNo() },
  ],
};

type Site = {
  name: string;
  type: string;
  community?: string;
  count?: number;
  since?: string;
  active?: boolean;
};

/** A workbook with one sheet of the given rows; `edit` may touch cells and add sheets. */
async function book(
  rows: unknown[][],
  edit?: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void,
  sheetName = '点位',
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheetName);
  rows.forEach((r, i) => (ws.getRow(i + 1).values = r as ExcelJS.CellValue[]));
  edit?.(ws, wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const HEADER = ['点位名称', '点位类型', '所属社区', '楼栋数'];

/** A zip of the given files, deflated or stored, for workbooks made by hand and non-workbooks. */
const zip = zipOf;

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const WORKBOOK_XML =
  `<workbook xmlns="${MAIN_NS}" ` +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
  '<sheets><sheet name="点位" sheetId="1" r:id="rId1"/></sheets></workbook>';
const RELS_XML =
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" ' +
  'Target="worksheets/sheet1.xml"/></Relationships>';

describe('files that are not workbooks are refused, never thrown', async () => {
  const good = await book([HEADER, ['幸福小区', '居民小区', '幸福社区', 12]]);
  const flipped = Buffer.from(good);
  for (let i = 200; i < flipped.length - 400; i += 7) flipped[i] = flipped[i]! ^ 0x5a;
  const cases: [string, Buffer, RegExp][] = [
    ['zero bytes', Buffer.alloc(0), /文件是空的/],
    ['a text file', Buffer.from('点位名称,点位类型\n幸福小区,居民小区\n'), /文本、CSV/],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), /PDF/],
    [
      'an old .xls renamed',
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]),
      /旧版 Excel（\.xls）/,
    ],
    [
      'a zip that is not a workbook',
      zip({ 'word/document.xml': '<w:document/>', '[Content_Types].xml': '<Types/>' }),
      /没有 Excel 工作簿/,
    ],
    ['a truncated workbook', good.subarray(0, good.length >> 1), /已损坏或不完整/],
    ['a workbook with damaged bytes', flipped, /已损坏/],
    [
      'a workbook whose sheet is not XML',
      zip({
        'xl/workbook.xml': WORKBOOK_XML,
        'xl/_rels/workbook.xml.rels': RELS_XML,
        'xl/worksheets/sheet1.xml': '<worksheet><sheetData><row r="1"><<c r="A1"/>\u0001</row>',
      }),
      /已损坏/,
    ],
    [
      'random binary',
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)),
      /文件不是有效的 Excel/,
    ],
  ];
  it.each(cases)('%s', async (_name, buf, reason) => {
    const result = await readTable(buf, sites);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fatal).toMatch(/^文件不是有效的 Excel（\.xlsx）文件/);
    expect(result.fatal).toMatch(reason);
    expect(result.messages).toEqual([result.fatal]);
  });
});

describe('reading a sheet', () => {
  it('normalises what people type: spaces, numbers as text, rich text, hyperlinks, full-width digits', async () => {
    const buf = await book([
      HEADER,
      [
        '  幸福小区 ',
        '居民小区',
        { richText: [{ text: '幸福' }, { text: '社区', font: { bold: true } }] },
        '１２',
      ],
      [12, '农贸市场', { text: '清河社区', hyperlink: 'https://example.org/' }, ' 7 '],
    ]);
    const result = await readTable<Site>(buf, sites);
    expect(result).toEqual({
      ok: true,
      columns: ['name', 'type', 'community', 'count'],
      rows: [
        { _row: 2, name: '幸福小区', type: '居民小区', community: '幸福社区', count: 12 },
        { _row: 3, name: '12', type: '农贸市场', community: '清河社区', count: 7 },
      ],
    });
  });

  it('reads the cell text, not its phonetic guide (拼音指南), across chunk boundaries too', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `幸福小区${i}号楼`);
    const strings = names.map(
      (name, i) => `<si><t>${name}</t><rPh sb="0" eb="2"><t>xingfu${i}</t></rPh></si>`,
    );
    const rows = names.map((_, i) => `<row r="${i + 2}"><c r="A${i + 2}" t="s"><v>${i + 1}</v></c></row>`);
    const buf = zip(
      {
        'xl/workbook.xml': WORKBOOK_XML,
        'xl/_rels/workbook.xml.rels': RELS_XML,
        'xl/sharedStrings.xml': `<sst xmlns="${MAIN_NS}"><si><t>点位名称</t></si>${strings.join('')}</sst>`,
        'xl/worksheets/sheet1.xml': `<worksheet xmlns="${MAIN_NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>${rows.join('')}</sheetData></worksheet>`,
      },
      true,
    );
    const spec: TableSpec = {
      name: '点位',
      sheetName: '点位',
      columns: [{ key: 'name', header: '点位名称' }],
    };
    const result = await readTable<{ name: string }>(buf, spec);
    expect(result.ok && result.rows.map((r) => r.name)).toEqual(names);
  });

  it('skips empty rows and rows with only remarks, and keeps Excel row numbers', async () => {
    const buf = await book([
      [],
      ['点位名称', '点位类型', '备注（内部）', ''],
      ['幸福小区', '居民小区', '', '无表头的列'],
      [' ', '\u3000'],
      [null, null, '只写了备注'],
      ['清河市场', '农贸市场'],
    ]);
    const result = await readTable<Site>(buf, sites);
    expect(result.ok && result.rows.map((r) => [r._row, r.name])).toEqual([
      [3, '幸福小区'],
      [6, '清河市场'],
    ]);
  });

  it('finds the header under a title row, by alias, whatever its spacing, asterisks or brackets', async () => {
    const spec: TableSpec = {
      ...sites,
      columns: [...sites.columns, { key: 'days', header: '整改时限（天）' }],
    };
    const buf = await book([
      ['清河区点位清单'],
      [],
      ['*点位名称', '点位 类型', '社区', '整改时限(天)'],
      ['幸福小区', '居民小区', '幸福社区', '7'],
    ]);
    const result = await readTable<Site>(buf, spec);
    expect(result.ok && result.rows).toEqual([
      { _row: 4, name: '幸福小区', type: '居民小区', community: '幸福社区', days: '7' },
    ]);
  });

  it('reads the sheet named in the spec, else the first sheet', async () => {
    const named = await book(
      [['说明']],
      (_ws, wb) => {
        const ws = wb.addWorksheet('点位');
        ws.addRow(HEADER);
        ws.addRow(['幸福小区', '居民小区']);
      },
      '填写说明',
    );
    expect((await readTable<Site>(named, sites)).ok).toBe(true);
    const first = await book(
      [HEADER, ['幸福小区', '居民小区']],
      (_ws, wb) => wb.addWorksheet('其他').addRow(['x']),
      'Sheet1',
    );
    const result = await readTable<Site>(first, sites);
    expect(result.ok && result.rows[0]!.name).toBe('幸福小区');
    const required = await readTable(first, { ...sites, sheetRequired: true });
    expect(!required.ok && required.fatal).toBe('缺少工作表「点位」');
  });

  it('reads dates typed every usual way, and Excel dates as the day shown, even late in the evening', async () => {
    const buf = await book(
      [
        ['点位名称', '点位类型', '启用日期'],
        ['a', '居民小区', new Date(Date.UTC(2026, 2, 1, 20, 30))],
        ['b', '居民小区', '2026/3/2'],
        ['c', '居民小区', '2026年3月3日'],
        ['d', '居民小区', '2026.03.04'],
        ['e', '居民小区', 46091],
      ],
      (ws) => (ws.getCell('C2').numFmt = 'yyyy-mm-dd hh:mm'),
    );
    const result = await readTable<Site>(buf, sites);
    expect(result.ok && result.rows.map((r) => r.since)).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-10',
    ]);
  });
});

describe('headers that do not match are refused as a whole', () => {
  it.each([
    ['a missing required column', ['点位名称', '所属社区'], /^表头（第1行）有误：缺少列：点位类型$/],
    ['an unknown column', [...HEADER, '负责人'], /不认识的列：负责人（E列）。.*以“备注”开头/],
    ['a column given twice', ['点位名称', '点位类型', '点位名称'], /列重复：「点位名称」（A列和C列）/],
    [
      'a column given by header and alias',
      ['点位名称', '点位类型', '所属社区', '社区'],
      /列重复：「所属社区」（C列和D列）/,
    ],
  ])('%s', async (_name, header, fatal) => {
    const result = await readTable(await book([header, ['幸福小区', '居民小区', 'x', 'y', 'z']]), sites);
    expect(!result.ok && result.fatal).toMatch(fatal);
  });

  it('an empty sheet or a header without rows', async () => {
    const empty = await readTable(await book([]), sites);
    expect(!empty.ok && empty.fatal).toMatch(/找不到表头行/);
    const headerOnly = await readTable(await book([HEADER, []]), sites);
    expect(!headerOnly.ok && headerOnly.fatal).toMatch(/没有数据行/);
  });
});

describe('row errors', () => {
  it('reports every bad cell with row, column and reason, all or nothing', async () => {
    const buf = await book(
      [
        ['点位名称', '点位类型', '楼栋数', '面积', '启用日期', '是否启用'],
        ['幸福小区', '居民小区', 3, 10.5, '2026-01-01', '是'],
        ['', '居民小区', 0],
        ['幸福小区', '农贸', 2.5, '十', '2026-02-30', '对'],
        ['一个名字特别特别特别长长长长的居民小区点位', '背街小巷', 'abc', -1, 'tomorrow'],
      ],
      (ws) => (ws.getCell('B6').value = { error: '#N/A' }),
    );
    const result = await readTable(buf, sites);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fatal).toBeUndefined();
    expect(result.messages).toEqual([
      '第3行「点位名称」不能为空',
      '第3行「楼栋数」应在 1～99 之间（现为 0）',
      '第4行「点位名称」与第2行重复（“幸福小区”）',
      '第4行「点位类型」只能填写：居民小区、农贸市场、背街小巷（现为“农贸”）',
      '第4行「楼栋数」应为整数（现为“2.5”）',
      '第4行「面积」应为数字（现为“十”）',
      '第4行「启用日期」不是有效的日期（现为“2026-02-30”）',
      '第4行「是否启用」只能填写：是、否（现为“对”）',
      '第5行「点位名称」不能超过 20 个字（现有 21 个）',
      '第5行「楼栋数」应为整数（现为“abc”）',
      '第5行「面积」不能小于 0（现为 -1）',
      '第5行「启用日期」应为日期，格式如 2026-03-01（现为“tomorrow”）',
      '第6行「点位名称」不能为空',
      '第6行「点位类型」是错误值 #N/A，请改正后再导入',
    ]);
    expect(result.errors[0]).toEqual({ row: 3, column: '点位名称', message: '不能为空' });
  });

  it('refuses formulas, plain and shared, and asks for values', async () => {
    const buf = await book([HEADER, ['幸福小区', '居民小区', '幸福社区', 1]], (ws) => {
      ws.getCell('A3').value = { formula: '"清河"&"市场"', result: '清河市场' };
      ws.getCell('B3').value = '农贸市场';
      ws.getCell('D3').value = {
        formula: 'D2+1',
        result: 2,
        shareType: 'shared',
        ref: 'D3:D4',
      } as ExcelJS.CellValue;
      ws.getCell('A4').value = '三号楼';
      ws.getCell('B4').value = '居民小区';
      ws.getCell('D4').value = { sharedFormula: 'D3', result: 3 } as ExcelJS.CellValue;
    });
    const result = await readTable(buf, sites);
    expect(!result.ok && result.messages).toEqual([
      '第3行「点位名称」包含公式，请粘贴为数值后再导入',
      '第3行「楼栋数」包含公式，请粘贴为数值后再导入',
      '第4行「楼栋数」包含公式，请粘贴为数值后再导入',
    ]);
  });

  it('lists the first 200 errors and counts the rest', async () => {
    const rows = Array.from({ length: 260 }, (_, i) => [`点位${i}`, '菜市场']);
    const result = await readTable(await book([HEADER, ...rows]), sites);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(200);
    expect(result.omitted).toBe(60);
    expect(result.messages).toHaveLength(201);
    expect(result.messages[199]).toBe(
      '第201行「点位类型」只能填写：居民小区、农贸市场、背街小巷（现为“菜市场”）',
    );
    expect(result.messages[200]).toBe('……另有 60 处错误');
  });

  it('refuses more data rows than the spec allows, before reading them', async () => {
    const rows = Array.from({ length: 4 }, (_, i) => [`点位${i}`, '居民小区']);
    const result = await readTable(await book([HEADER, ...rows]), { ...sites, maxRows: 3 });
    expect(!result.ok && result.fatal).toBe('数据行数超过上限（最多 3 行），请分批导入');
    expect((await readTable(await book([HEADER, ...rows.slice(1)]), { ...sites, maxRows: 3 })).ok).toBe(true);
  });
});
