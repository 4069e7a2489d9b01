// Workbooks the office gets from the app: templates that explain themselves and read back exactly,
// and exports with a frozen, bold, filterable header and columns wide enough for Chinese text.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import {
  date,
  integer,
  number,
  oneOf,
  readTable,
  text,
  writeTable,
  writeTemplate,
  yesNo,
  type TableSpec,
} from '../../src/excel/index.ts';
import { instantToSerial, withQuotePrefix, ymdToSerial } from '../../src/excel/formats.ts';
import { cellXml } from '../helpers/xlsx.ts';

const spec: TableSpec = {
  name: '点位',
  sheetName: '点位',
  columns: [
    {
      key: 'name',
      header: '点位名称',
      required: true,
      unique: true,
      note: '同一社区内不能重复',
      example: '幸福小区',
      parse: text({ max: 40 }),
    },
    { key: 'type', header: '点位类型', required: true, parse: oneOf(['居民小区', '农贸市场', '背街小巷']) },
    { key: 'community', header: '所属社区', required: true },
    { key: 'buildings', header: '楼栋数', parse: integer({ min: 0, max: 500 }) },
    { key: 'area', header: '面积（平方米）', parse: number({ min: 0 }) },
    { key: 'since', header: '纳入日期', parse: date() },
    { key: 'active', header: '是否启用', parse: yesNo() },
  ],
};

/** exceljs types load() with an ArrayBuffer. */
async function load(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  return wb;
}

const validations = (ws: ExcelJS.Worksheet) =>
  (ws as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations
    .model;

const prefill = [
  {
    name: '幸福小区',
    type: '居民小区',
    community: '幸福社区',
    buildings: 12,
    area: 3500.5,
    since: '2026-01-15',
    active: true,
  },
  { name: '清河农贸市场', type: '农贸市场', community: '清河社区', since: '2025-12-31', active: false },
  { name: '007号巷', type: '背街小巷', community: '幸福社区', buildings: 0 },
];

describe('writeTemplate', async () => {
  const communities = Array.from({ length: 120 }, (_, i) => `清河区第${i + 1}社区居委会`);
  const buf = await writeTemplate(spec, {
    exampleRows: [
      { name: '示例小区', type: '居民小区', community: '幸福社区', since: '2026-03-01', active: true },
    ],
    instructions: ['所属社区须是系统中已有的社区。'],
    validations: { community: communities },
  });
  const wb = await load(buf);
  const sheet = wb.getWorksheet('点位')!;
  const help = wb.getWorksheet('说明')!;

  it('has a data sheet with a bold, frozen header, required columns in red with a note, and room to type', () => {
    expect(wb.worksheets.filter((w) => w.state === 'visible').map((w) => w.name)).toEqual(['点位', '说明']);
    expect(sheet.getRow(1).values).toEqual([undefined, ...spec.columns.map((c) => c.header)]);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getCell('A1').font).toMatchObject({ bold: true, color: { argb: 'FFC00000' } });
    expect(sheet.getCell('D1').font).toMatchObject({ bold: true, color: { argb: 'FF000000' } });
    expect(sheet.getCell('A1').note).toBe('必填；同一社区内不能重复；文字，最多 40 个字');
    expect(sheet.getCell('D1').note).toBe('选填；整数，0～500');
    for (const column of sheet.columns) expect(column.width).toBeGreaterThanOrEqual(14);
    expect(sheet.rowCount).toBe(1); // examples never go to the data sheet
  });

  it('offers dropdowns for fixed choices and for given lists (long ones from a hidden sheet)', () => {
    expect(validations(sheet)['B2']).toMatchObject({
      type: 'list',
      formulae: ['"居民小区,农贸市场,背街小巷"'],
    });
    expect(validations(sheet)['B5001']).toBeDefined();
    expect(validations(sheet)['G2']).toMatchObject({ formulae: ['"是,否"'] });
    expect(validations(sheet)['C2']!.formulae).toEqual(["'下拉选项'!$A$1:$A$120"]);
    const lists = wb.getWorksheet('下拉选项')!;
    expect(lists.state).toBe('veryHidden');
    expect(lists.getCell('A120').value).toBe('清河区第120社区居委会');
  });

  it('explains every column, the rules and an example in the 说明 sheet', () => {
    const lines = help
      .getSheetValues()
      .map((r) =>
        Array.isArray(r)
          ? r.slice(1).map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : (v ?? '')))
          : [],
      );
    const text = lines.map((l) => l.join('|')).join('\n');
    expect(text).toContain('点位导入模板 · 填写说明');
    expect(text).toContain('一次最多导入 5,000 行');
    expect(text).toContain('所属社区须是系统中已有的社区。');
    expect(text).toContain('列名|是否必填|填写说明|可选值|示例');
    expect(text).toContain('点位名称|必填|同一社区内不能重复；文字，最多 40 个字||幸福小区');
    expect(text).toContain(
      '点位类型|必填|从下拉列表选择：居民小区、农贸市场、背街小巷|居民小区、农贸市场、背街小巷|',
    );
    expect(text).toContain('纳入日期|选填|日期，如 2026-03-01||');
    expect(text).toContain('所属社区|必填||见下拉列表（共 120 项）|'); // listed in the dropdown only
    expect(text).toContain('填写示例');
    expect(text).toContain('示例小区|居民小区|幸福社区|||2026-03-01|是');
  });

  it('imports nothing when uploaded blank', async () => {
    const result = await readTable(buf, spec);
    expect(!result.ok && result.fatal).toMatch(/没有数据行/);
  });

  it('reads prefilled rows back exactly', async () => {
    const filled = await writeTemplate(spec, { prefill });
    const result = await readTable(filled, spec);
    expect(result).toEqual({
      ok: true,
      rows: prefill.map((row, i) => ({ ...row, _row: i + 2 })),
      columns: spec.columns.map((c) => c.key),
    });
    const cell = (await load(filled)).getWorksheet('点位')!.getCell('F2');
    expect([cell.value, cell.numFmt]).toEqual([new Date('2026-01-15T00:00:00Z'), 'yyyy-mm-dd']); // a real date
  });
});

describe('writeTable', async () => {
  const rows = [
    ...prefill,
    { name: '=HYPERLINK("http://x")', type: '居民小区', community: '+幸福社区' },
    {
      name: '清河区幸福街道幸福路与和平路交叉口东北角公交站',
      type: '背街小巷',
      community: 'Xingfu Community Committee',
    },
  ];
  const buf = await writeTable(spec, rows, { title: '清河区点位清单（2026年3月）' });
  const ws = (await load(buf)).worksheets[0]!;

  it('has a merged title, then a bold, frozen, filterable header', () => {
    expect(ws.getCell('A1').value).toBe('清河区点位清单（2026年3月）');
    expect(ws.getCell('A1').font).toMatchObject({ bold: true });
    expect((ws.model as unknown as { merges: string[] }).merges).toEqual(['A1:G1']);
    expect(ws.getRow(2).values).toEqual([undefined, ...spec.columns.map((c) => c.header)]);
    expect(ws.getCell('C2').font).toMatchObject({ bold: true });
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.autoFilter).toBe('A2:G2');
  });

  it('fits widths to the content, a Chinese character counting double', () => {
    const width = (c: string) => ws.getColumn(c).width!;
    expect(width('A')).toBe(2 * 23 + 2); // the 23-character stop name
    expect(width('C')).toBe(26 + 2); // 26 Latin characters
    expect(width('D')).toBe(3 * 2 + 4); // just the header and its filter button
  });

  it('writes values as people read them: 是/否, real dates, text never a formula; reads back unchanged', async () => {
    expect(ws.getCell('G3').value).toBe('是');
    expect(ws.getCell('A6').value).toBe('=HYPERLINK("http://x")');
    expect(ws.getCell('F3').value).toEqual(new Date('2026-01-15T00:00:00Z'));
    const result = await readTable(buf, spec);
    expect(result.ok && result.rows).toEqual(rows.map((row, i) => ({ ...row, _row: i + 3 })));
  });

  it('shows moments in Shanghai time and caps very long columns, wrapping them', async () => {
    const log: TableSpec = {
      name: '日志',
      sheetName: '日志',
      columns: [
        { key: 'at', header: '时间' },
        { key: 'what', header: '内容' },
      ],
    };
    const out = await writeTable(log, [{ at: new Date('2026-03-01T20:30:00Z'), what: '整改'.repeat(80) }]);
    const sheet = (await load(out)).worksheets[0]!;
    expect(sheet.getCell('A2').value).toEqual(new Date('2026-03-02T04:30:00Z'));
    expect(sheet.getCell('A2').numFmt).toBe('yyyy-mm-dd hh:mm');
    expect(sheet.getColumn('B').width).toBe(60);
    expect(sheet.getCell('B2').alignment).toMatchObject({ wrapText: true });
  });
});

describe('text that a spreadsheet would take for a formula', async () => {
  const plain: TableSpec = {
    name: '备注',
    sheetName: '备注',
    columns: ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, header: `列${key}` })),
  };
  const row = { a: '=1+1', b: '+86 138 0000 0000', c: '-3', d: '@x', e: '整改 -3 处' };
  const buf = await writeTable(plain, [row]);

  it('is stored as the literal text in a cell style with quotePrefix, so editing the cell keeps it text', () => {
    for (const [ref, text] of [
      ['A2', '=1+1'],
      ['B2', '+86 138 0000 0000'],
      ['C2', '-3'],
      ['D2', '@x'],
    ] as const) {
      const cell = cellXml(buf, '备注', ref);
      expect(cell.text).toBe(text);
      expect(cell.xf, ref).toMatch(/quotePrefix="1"/);
      expect(cell.xf, ref).toMatch(/numFmtId="49"/); // 文本 format as well
    }
    const other = cellXml(buf, '备注', 'E2');
    expect(other.text).toBe('整改 -3 处');
    expect(other.xf).not.toMatch(/quotePrefix/);
    expect(cellXml(buf, '备注', 'A1').xf).not.toMatch(/quotePrefix/);
  });

  it('reads back as the same text, never a formula', async () => {
    const ws = (await load(buf)).worksheets[0]!;
    expect(ws.getCell('A2').value).toBe('=1+1');
    expect(ws.getCell('C2').value).toBe('-3');
    const result = await readTable(buf, plain);
    expect(result.ok && result.rows).toEqual([{ ...row, _row: 2 }]);
  });

  it('marks only cell styles with the Text format, once', () => {
    const xml =
      '<styleSheet><cellStyleXfs count="1"><xf numFmtId="49" fontId="0"/></cellStyleXfs>' +
      '<cellXfs count="3"><xf numFmtId="0" fontId="0"/><xf numFmtId="49" fontId="1" applyNumberFormat="1"/>' +
      '<xf numFmtId="49" fontId="0" quotePrefix="1"><alignment wrapText="1"/></xf></cellXfs></styleSheet>';
    expect(withQuotePrefix(xml)).toBe(
      '<styleSheet><cellStyleXfs count="1"><xf numFmtId="49" fontId="0"/></cellStyleXfs>' +
        '<cellXfs count="3"><xf numFmtId="0" fontId="0"/><xf numFmtId="49" fontId="1" applyNumberFormat="1" quotePrefix="1"/>' +
        '<xf numFmtId="49" fontId="0" quotePrefix="1"><alignment wrapText="1"/></xf></cellXfs></styleSheet>',
    );
  });
});

describe('dates as Excel day numbers', () => {
  it('counts days as Excel does, and shows an instant at its Shanghai wall-clock time', () => {
    expect(ymdToSerial('2026-12-02')).toBe(46358); // (2026-12-02 − 1899-12-30) in days
    expect(ymdToSerial('2099-01-01')).toBe(72686);
    // 2026-12-01T17:00Z is 2026-12-02 01:00 in Shanghai: the day plus one hour
    expect(instantToSerial(new Date('2026-12-01T17:00:00Z'))).toBeCloseTo(46358 + 1 / 24, 9);
  });
});

describe('dropdowns for columns that name today’s records', async () => {
  const streets = ['东湖街道', '西湖街道'];
  const units = Array.from({ length: 40 }, (_, i) => `第${i + 1}责任单位`);
  const listed: TableSpec = {
    name: '点位',
    sheetName: '点位',
    columns: [
      { key: 'street', header: '镇街', parse: text(), choices: streets, choicesOnly: true },
      { key: 'unit', header: '责任单位', parse: text(), choices: units, note: '单位名称或编码' },
    ],
  };
  const buf = await writeTemplate(listed);
  const wb = await load(buf);
  const v = validations(wb.getWorksheet('点位')!);

  it('refuses other values where the import only takes the listed names, and warns where it also takes codes', () => {
    expect(v['A2']).toMatchObject({ type: 'list', formulae: ['"东湖街道,西湖街道"'], errorStyle: 'stop' });
    expect(v['B2']).toMatchObject({ type: 'list', errorStyle: 'warning' });
    expect(v['B2']!.formulae).toEqual(["'下拉选项'!$A$1:$A$40"]);
  });

  it('lists short choices in 说明 and counts long ones', () => {
    const rows = wb
      .getWorksheet('说明')!
      .getSheetValues()
      .map((r) => (Array.isArray(r) ? r.slice(1).join('|') : ''));
    expect(rows).toContain('镇街|选填|文字|东湖街道、西湖街道|');
    expect(rows).toContain('责任单位|选填|单位名称或编码；文字|见下拉列表（共 40 项）|');
  });
});
