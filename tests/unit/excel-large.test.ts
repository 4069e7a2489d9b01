// Big uploads: a 5,000-row sheet (the limit) reads completely and exactly, Chinese text included,
// and a 50,000-row sheet is refused after the limit without reading the rest. The times are printed
// for the record, not asserted.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { integer, oneOf, readTable, text, type TableSpec } from '../../src/excel/index.ts';

const TYPES = ['居民小区', '农贸市场', '背街小巷', '公交站点'];
const spec: TableSpec = {
  name: '点位',
  sheetName: '点位',
  columns: [
    { key: 'name', header: '点位名称', required: true, unique: true, parse: text({ max: 60 }) },
    { key: 'type', header: '点位类型', required: true, parse: oneOf(TYPES) },
    { key: 'address', header: '地址', parse: text() },
    { key: 'buildings', header: '楼栋数', parse: integer({ min: 0 }) },
  ],
};

const nameOf = (i: number) => `清河区幸福街道第${i}号文明创建示范点位`;
const addressOf = (i: number) => `清河区幸福路${i}号（东门进入，左转第二栋）`;

/**
 * A file written by exceljs's streaming writer: with shared strings stored after the sheet (as Excel
 * does), or with inline strings and no shared-string table.
 */
async function generate(rows: number, useSharedStrings = true): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings,
    useStyles: false,
  });
  const ws = wb.addWorksheet('点位');
  ws.addRow(['点位名称', '点位类型', '地址', '楼栋数']).commit();
  for (let i = 1; i <= rows; i++) ws.addRow([nameOf(i), TYPES[i % 4], addressOf(i), i % 30]).commit();
  ws.commit();
  await wb.commit();
  return Buffer.concat(chunks);
}

const tempFiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`));

describe('large uploads', () => {
  it('reads 5,000 rows exactly, long Chinese text intact', { timeout: 60_000 }, async () => {
    const buf = await generate(5000);
    const started = performance.now();
    const result = await readTable<{ name: string; type: string; address: string; buildings: number }>(
      buf,
      spec,
    );
    const ms = performance.now() - started;
    console.log(`read 5,000 rows (${(buf.length / 1024).toFixed(0)} KB) in ${ms.toFixed(0)} ms`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rows).toHaveLength(5000);
    result.rows.forEach((row, i) => {
      expect(row).toEqual({
        _row: i + 2,
        name: nameOf(i + 1),
        type: TYPES[(i + 1) % 4],
        address: addressOf(i + 1),
        buildings: (i + 1) % 30,
      });
    });
  });

  it.each([
    ['shared strings, as Excel writes them', true],
    ['inline strings', false],
  ])(
    'refuses 50,000 rows at the 5,001st, leaving no temp files (%s)',
    { timeout: 120_000 },
    async (kind, shared) => {
      const buf = await generate(50_000, shared);
      const before = tempFiles();
      const started = performance.now();
      const result = await readTable(buf, spec);
      const ms = performance.now() - started;
      console.log(
        `refused 50,000 rows, ${kind} (${(buf.length / 1024 / 1024).toFixed(1)} MB), in ${ms.toFixed(0)} ms`,
      );
      expect(result).toEqual({
        ok: false,
        fatal: '数据行数超过上限（最多 5,000 行），请分批导入',
        errors: [],
        omitted: 0,
        messages: ['数据行数超过上限（最多 5,000 行），请分批导入'],
      });
      expect(tempFiles()).toEqual(before);
    },
  );
});
