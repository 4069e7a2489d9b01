// A criteria version as the office edits it in Excel: exported, it comes back identical; broken, it
// is refused with criteria:check's own words, pointed at the sheet, row and column to fix.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCriteria } from '../../src/criteria/check.ts';
import { criteriaFromWorkbook } from '../../src/criteria/excel-read.ts';
import { criteriaToWorkbook } from '../../src/criteria/excel-write.ts';
import { CRITERIA_DIR, indexCriteria } from '../../src/criteria/load.ts';
import type { CriteriaVersion } from '../../src/criteria/schema.ts';

function parsed(file: string): CriteriaVersion {
  const result = checkCriteria(JSON.parse(readFileSync(join(CRITERIA_DIR, file), 'utf8')));
  if (!result.ok) throw new Error(`${file} is invalid`);
  return result.version;
}

/**
 * What the workbook can say: everything but the editor hint $schema. A standard's site types are a
 * set (a ✓ per column), so they come back in the order of the site types.
 */
function expected(version: CriteriaVersion): CriteriaVersion {
  const { $schema: _, ...rest } = structuredClone(version);
  const order = new Map(rest.siteTypes.map((t, i) => [t.code, i]));
  for (const item of rest.items)
    for (const content of item.contents)
      for (const s of content.standards) s.siteTypes.sort((a, b) => order.get(a)! - order.get(b)!);
  return rest;
}

const main = parsed('district-2026.json');
const exported = await criteriaToWorkbook(main);
const standards = indexCriteria(main).standards;

/** exceljs types load() with an ArrayBuffer. */
async function loaded(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  return wb;
}

/** The exported workbook after an edit, as a person would make it in Excel. */
async function edited(edit: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = await loaded(exported);
  edit(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const sheet = (wb: ExcelJS.Workbook, name: string) => wb.getWorksheet(name)!;
const columnOf = (ws: ExcelJS.Worksheet, header: string) =>
  (ws.getRow(1).values as unknown[]).findIndex((v) => v === header);
/** the row of a standard (测评标准), site type (点位类型) or setting (版本信息) by its first cell(s) */
function rowOf(ws: ExcelJS.Worksheet, key: string): number {
  const column = ws.name === '测评标准' ? 5 : 1;
  for (let r = 2; r <= ws.rowCount; r++) if (ws.getCell(r, column).value === key) return r;
  throw new Error(`${key} not in ${ws.name}`);
}
function set(wb: ExcelJS.Workbook, name: string, key: string, header: string, value: ExcelJS.CellValue) {
  const ws = sheet(wb, name);
  ws.getCell(rowOf(ws, key), columnOf(ws, header)).value = value;
}

async function errorsOf(buf: Buffer): Promise<string[]> {
  const result = await criteriaFromWorkbook(buf);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('criteria ↔ workbook round trip', () => {
  it('exports the shipped 2026 version and imports it back identical', async () => {
    const result = await criteriaFromWorkbook(exported);
    expect(result.ok && result.version).toEqual(expected(main));
  });

  it('does the same for 2025, whose rules differ in every switch', async () => {
    const v2025 = parsed('district-2025.json');
    const result = await criteriaFromWorkbook(await criteriaToWorkbook(v2025));
    expect(result.ok && result.version).toEqual(expected(v2025));
  });

  it('lays the version out as offices keep it: settings, site types, and the ✓ matrix', async () => {
    const wb = await loaded(exported);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['版本信息', '点位类型', '测评标准']);
    const info = sheet(wb, '版本信息');
    const setting = (label: string) => info.getCell(rowOf(info, label), 2).value;
    expect(setting('版本编码')).toBe('district-2026');
    expect(setting('生效日期')).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect([
      setting('不适用处理'),
      setting('汇总方式'),
      setting('当场整改'),
      setting('反复出现规则'),
    ]).toEqual(['排除', '汇总计算', '是', '加倍']);
    const grid = sheet(wb, '测评标准');
    const headers = (grid.getRow(1).values as unknown[]).slice(1);
    expect(headers.slice(0, 18)).toEqual([
      '项目编码',
      '测评项目',
      '内容编码',
      '测评内容',
      '标准编码',
      '测评标准',
      '分值',
      '测评方法',
      '计分方式',
      '每处扣分',
      'B档问题数',
      'C档问题数',
      'C#档问题数',
      '须拍照',
      '整改时限（天）',
      '责任单位类别',
      '责任部门',
      '抽查方法',
    ]);
    expect(headers.slice(18)).toEqual(main.siteTypes.map((t) => t.name));
    const s = standards.find((x) => x.method === 'field')!;
    const row = grid.getRow(rowOf(grid, s.code));
    for (const t of main.siteTypes)
      expect(row.getCell(columnOf(grid, t.name)).value).toBe(s.siteTypes.includes(t.code) ? '✓' : null);
  });
});

describe('broken workbooks are refused precisely', () => {
  const field = standards.find((s) => s.method === 'field' && s.scoring.mode === 'deduction')!;
  const graded = standards.find((s) => s.scoring.mode === 'grade')!;

  it('a standard worth 0 points', async () => {
    const buf = await edited((wb) => set(wb, '测评标准', field.code, '分值', 0));
    const row = rowOf(sheet(await loaded(buf), '测评标准'), field.code);
    expect(await errorsOf(buf)).toEqual([
      `「测评标准」第${row}行（标准 ${field.code}）「分值」：分值必须大于0`,
    ]);
  });

  it('something other than ✓ in a site-type column', async () => {
    const buf = await edited((wb) => set(wb, '测评标准', field.code, '居民小区', 'x'));
    const row = rowOf(sheet(await loaded(buf), '测评标准'), field.code);
    expect(await errorsOf(buf)).toEqual([`「测评标准」第${row}行「居民小区」只能填“✓”或留空（现为“x”）`]);
  });

  it('grade thresholds out of order', async () => {
    const buf = await edited((wb) => {
      set(wb, '测评标准', graded.code, 'B档问题数', 3);
      set(wb, '测评标准', graded.code, 'C档问题数', 2);
    });
    const row = rowOf(sheet(await loaded(buf), '测评标准'), graded.code);
    const t = graded.scoring.mode === 'grade' ? graded.scoring.thresholds['C#'] : 0;
    expect(await errorsOf(buf)).toEqual([
      `「测评标准」第${row}行（标准 ${graded.code}）「B档问题数」：等级门槛必须依次增大（B < C < C#），现为 B=3、C=2、C#=${t}`,
    ]);
  });

  it('a duplicate 标准编码', async () => {
    const [first, second] = standards;
    const buf = await edited((wb) => set(wb, '测评标准', second!.code, '标准编码', first!.code));
    expect(await errorsOf(buf)).toEqual([`「测评标准」第3行「标准编码」与第2行重复（“${first!.code}”）`]);
  });

  it('a missing 版本信息 sheet', async () => {
    const buf = await edited((wb) => wb.removeWorksheet(sheet(wb, '版本信息').id));
    expect(await errorsOf(buf)).toEqual(['缺少工作表「版本信息」']);
  });

  it('a file that is not a workbook', async () => {
    expect(await errorsOf(Buffer.from(JSON.stringify(main)))).toEqual([
      '文件不是有效的 Excel（.xlsx）文件：这是文本、CSV 或网页文件，请在 Excel 中“另存为” .xlsx 格式后再导入',
    ]);
  });

  it('settings that are missing, misspelt or out of range, each on its row', async () => {
    const buf = await edited((wb) => {
      const info = sheet(wb, '版本信息');
      info.spliceRows(rowOf(info, '名称'), 1);
      set(wb, '版本信息', '不适用处理', '内容', '忽略');
      set(wb, '版本信息', '生效日期', '内容', '明年');
    });
    const info = sheet(await loaded(buf), '版本信息');
    expect(await errorsOf(buf)).toEqual([
      `「版本信息」第${rowOf(info, '生效日期')}行（生效日期）：应为日期，格式如 2026-03-01（现为“明年”）`,
      `「版本信息」第${rowOf(info, '不适用处理')}行（不适用处理）：只能填写：排除、取平均（现为“忽略”）`,
      '「版本信息」缺少“名称”这一行',
    ]);
    const rates = await edited((wb) => {
      set(wb, '版本信息', '红榜最低得分率', '内容', '95%');
      set(wb, '版本信息', '黑榜低于得分率', '内容', 1.5);
    });
    const rateRow = rowOf(sheet(await loaded(rates), '版本信息'), '黑榜低于得分率');
    expect(await errorsOf(rates)).toEqual([`「版本信息」第${rateRow}行（黑榜低于得分率）：比率不能大于1`]);
  });

  it('one item code with two names, or split into two runs', async () => {
    const [a, b] = main.items;
    const renamed = await edited((wb) =>
      set(wb, '测评标准', a!.contents[0]!.standards[1]!.code, '测评项目', '改了名'),
    );
    expect(await errorsOf(renamed)).toEqual([
      `「测评标准」第3行（标准 ${a!.contents[0]!.standards[1]!.code}）「测评项目」：与第2行同一测评项目 ${a!.code} 的名称“${a!.name}”不一致`,
    ]);
    const lastOfB = b!.contents.at(-1)!.standards.at(-1)!.code;
    const split = await edited((wb) => {
      set(wb, '测评标准', lastOfB, '项目编码', a!.code);
      set(wb, '测评标准', lastOfB, '测评项目', a!.name);
    });
    const errors = await errorsOf(split);
    expect(errors[0]).toMatch(
      new RegExp(`「项目编码」：测评项目 ${a!.code} 已在第2行出现，同一测评项目的标准须连续排列$`),
    );
  });

  it('a weight of 0, a field standard with no ✓, and a deduction standard with grade thresholds', async () => {
    const weight = await edited((wb) => set(wb, '点位类型', 'market', '权重', 0));
    const marketRow = rowOf(sheet(await loaded(weight), '点位类型'), 'market');
    expect(await errorsOf(weight)).toEqual([`「点位类型」第${marketRow}行（market）「权重」：权重必须大于0`]);
    const nowhere = await edited((wb) => {
      for (const t of main.siteTypes) set(wb, '测评标准', field.code, t.name, null);
    });
    const row = rowOf(sheet(await loaded(nowhere), '测评标准'), field.code);
    expect(await errorsOf(nowhere)).toEqual([
      `「测评标准」第${row}行（标准 ${field.code}）「适用点位类型（✓ 列）」：实地考察标准 ${field.code} 不适用于任何点位类型`,
    ]);
    const mixed = await edited((wb) => set(wb, '测评标准', field.code, 'B档问题数', 2));
    expect(await errorsOf(mixed)).toEqual([
      `「测评标准」第${row}行（标准 ${field.code}）「B档问题数」：计分方式为“扣分”时应留空`,
    ]);
  });

  it('a site-type column the 点位类型 sheet does not know', async () => {
    const buf = await edited((wb) => (sheet(wb, '测评标准').getCell(1, 19).value = '太空港'));
    const [error] = await errorsOf(buf);
    expect(error).toMatch(
      /^「测评标准」表头（第1行）有误：不认识的列：太空港（S列）。.*（点位类型列的列名须与「点位类型」表中的名称一致）$/,
    );
  });
});
