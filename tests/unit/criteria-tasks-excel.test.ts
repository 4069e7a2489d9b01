// The criteria workbook carries the document-task fields (issue #18, first step): 提交材料, 材料期间,
// 材料要求 and 提交期限 columns and the 方法合成 rows go out and come back equal; bad cells are refused
// with sheet, row and column; an older workbook without them reads exactly as before.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { criteriaFromWorkbook } from '../../src/criteria/excel-read.ts';
import { criteriaToWorkbook } from '../../src/criteria/excel-write.ts';
import { json, ok, standardsOf, withTasks } from './criteria-tasks.fixture.ts';

describe('the workbook carries every new field', () => {
  it('writes a version with tasks, 区级 and weights, and reads it back equal', async () => {
    const v = ok(withTasks());
    const result = await criteriaFromWorkbook(await criteriaToWorkbook(v));
    const { $schema: _, ...expected } = structuredClone(v);
    const order = new Map(expected.siteTypes.map((t, i) => [t.code, i]));
    for (const { s } of standardsOf(expected)) s.siteTypes.sort((a, b) => order.get(a)! - order.get(b)!);
    expect(result.ok && result.version).toStrictEqual(expected);
  });

  it('writes the cells as an office reads them', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await criteriaToWorkbook(ok(withTasks()))) as never);
    const grid = wb.getWorksheet('测评标准')!;
    const head = grid.getRow(1).values as unknown[];
    const rows = (grid.getSheetValues() as unknown[]).filter((r): r is unknown[] => Array.isArray(r));
    const row = rows.find((r) => r[head.indexOf('材料期间')] === '近一年')!;
    expect(row[head.indexOf('提交材料')]).toBe('规范文件、工作台账');
    expect(row[head.indexOf('提交期限')]).toBe('开始后20天');
    expect(row[head.indexOf('责任单位类别')]).toBe('区级');
    expect(rows.some((r) => r[head.indexOf('提交期限')] === '2026-03-31')).toBe(true);
    const infoRows = wb.getWorksheet('版本信息')!.getSheetValues() as unknown[];
    const info = new Map(infoRows.filter((r): r is unknown[] => Array.isArray(r)).map((r) => [r[1], r[2]]));
    expect([info.get('方法合成'), info.get('实地考察权重'), info.get('材料审核权重')]).toEqual([
      '按方法加权',
      70,
      30,
    ]);
  });

  /** the workbook of withTasks() after an edit, read back */
  async function readEdited(edit: (wb: ExcelJS.Workbook) => void) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await criteriaToWorkbook(ok(withTasks()))) as never);
    edit(wb);
    return criteriaFromWorkbook(Buffer.from(await wb.xlsx.writeBuffer()));
  }
  const headOf = (ws: ExcelJS.Worksheet) => ws.getRow(1).values as unknown[];
  function rowWhere(ws: ExcelJS.Worksheet, column: number, value: unknown): number {
    let found = 0;
    ws.eachRow((r, n) => {
      if (r.getCell(column).value === value) found = n;
    });
    return found;
  }

  it('refuses bad 提交材料 and 提交期限 cells with sheet, row and column', async () => {
    let target = 0;
    const result = await readEdited((wb) => {
      const grid = wb.getWorksheet('测评标准')!;
      const head = headOf(grid);
      target = rowWhere(grid, head.indexOf('材料期间'), '近一年');
      grid.getRow(target).getCell(head.indexOf('提交材料')).value = '规范文件、录像';
      grid.getRow(target).getCell(head.indexOf('提交期限')).value = '下月';
    });
    expect(result.ok ? [] : result.errors).toEqual([
      `「测评标准」第${target}行「提交材料」只能填写：规范文件、情况说明、实景图片、统计表格、工作台账、其他，多项用“、”分隔（现为“规范文件、录像”）`,
      `「测评标准」第${target}行「提交期限」应为日期（如 2026-03-31）或“开始后N天”（如 开始后20天）（现为“下月”）`,
    ]);
  });

  it('refuses weights beside 按总分汇总, and weights without 按方法加权', async () => {
    let row = 0;
    const pooled = await readEdited((wb) => {
      const info = wb.getWorksheet('版本信息')!;
      row = rowWhere(info, 1, '方法合成');
      info.getCell(row, 2).value = '按总分汇总';
    });
    expect(pooled.ok ? [] : pooled.errors).toEqual([
      `「版本信息」第${row}行（方法合成）：方法合成为“按总分汇总”时，各方法权重应留空`,
    ]);
    const bare = await readEdited((wb) => {
      const info = wb.getWorksheet('版本信息')!;
      info.getCell(rowWhere(info, 1, '方法合成'), 2).value = null;
      row = rowWhere(info, 1, '实地考察权重');
    });
    expect(bare.ok ? [] : bare.errors).toEqual([
      `「版本信息」第${row}行（实地考察权重）：填写了方法权重时，“方法合成”应为“按方法加权”`,
    ]);
  });

  it('reads an older workbook, without the new rows and columns, exactly as before', async () => {
    const v = ok(json('district-2026.json'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await criteriaToWorkbook(v)) as never);
    const info = wb.getWorksheet('版本信息')!;
    for (const label of ['问卷调查权重', '材料审核权重', '实地考察权重', '方法合成'])
      info.spliceRows(rowWhere(info, 1, label), 1);
    expect(headOf(wb.getWorksheet('测评标准')!)).not.toContain('提交材料');
    const result = await criteriaFromWorkbook(Buffer.from(await wb.xlsx.writeBuffer()));
    const { $schema: _, ...expected } = structuredClone(v);
    expect(result.ok).toBe(true);
    expect(result.ok && result.version.rules).toStrictEqual(expected.rules);
    expect(result.ok && standardsOf(result.version).some((x) => 'task' in x.s)).toBe(false);
  });

  it('points a task on a field standard at its row and the 提交材料 column', async () => {
    const v = ok(withTasks());
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await criteriaToWorkbook(v)) as never);
    const grid = wb.getWorksheet('测评标准')!;
    const head = grid.getRow(1).values as unknown[];
    const field = standardsOf(v).find((x) => x.s.method === 'field')!.s;
    let target = 0;
    grid.eachRow((r, n) => {
      if (r.getCell(5).value === field.code) target = n;
    });
    grid.getRow(target).getCell(head.indexOf('提交材料')).value = '规范文件';
    grid.getRow(target).getCell(head.indexOf('提交期限')).value = '开始后10天';
    const result = await criteriaFromWorkbook(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(result.ok ? [] : result.errors).toEqual([
      `「测评标准」第${target}行（标准 ${field.code}）「提交材料」：只有材料审核和网上申报标准可以设置提交要求`,
    ]);
  });
});
