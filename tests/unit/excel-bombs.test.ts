// Hostile workbooks (the attack run's): each is refused with its own plain message before exceljs sees
// it, after inflating no more than the bound that stops it — measured as the bytes inflated and, loosely,
// the heap. Real workbooks near the largest import still read.
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readTable, text, XLSX_LIMITS, type TableSpec } from '../../src/excel/index.ts';
import { openXlsx } from '../../src/excel/zip.ts';
import { criteriaFromWorkbook } from '../../src/criteria/excel-read.ts';
import {
  deflateBomb,
  longSharedStrings,
  manyRows,
  manySharedStrings,
  millionCells,
  sharedStringsBomb,
} from '../helpers/hostile-xlsx.ts';

const MB = 1024 * 1024;
const spec: TableSpec = {
  name: '点位',
  sheetName: '点位',
  columns: [
    { key: 'name', header: '点位名称', required: true, parse: text() },
    { key: 'type', header: '点位类型', parse: text() },
  ],
};

/** The refusal, the bytes inflated to reach it and the heap it took (peak sampled every few ms). */
async function refusal(buf: Buffer) {
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 2);
  const opened = await openXlsx(buf);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  expect(opened.ok).toBe(false);
  const read = await readTable(buf, spec);
  expect(read.ok).toBe(false);
  return {
    reason: opened.ok ? '' : opened.reason,
    fatal: !read.ok && read.fatal,
    inflated: opened.inflated,
    heapMb: (peak - before) / MB,
  };
}

// the attack run's file (250 MB there, 120 MB here: deflating takes seconds), built once
let bomb: Promise<Buffer> | undefined;
const stringsBomb = () => (bomb ??= sharedStringsBomb(120));

describe('hostile workbooks are refused early', { timeout: 60_000 }, () => {
  it('a 120 MB shared-string table in a small file: refused from its declared size, nothing inflated', async () => {
    const buf = await stringsBomb();
    expect(buf.length).toBeLessThan(2 * MB);
    const r = await refusal(buf);
    expect(r.reason).toBe(
      '文件内容过大：解压后超过 48 MB（全部合计不超过 96 MB），远超导入所需。请只保留要导入的工作表和数据，或分批导入',
    );
    expect(r.fatal).toBe(r.reason);
    expect(r.inflated).toBe(0);
    expect(r.heapMb).toBeLessThan(50);
  });

  it('a deflate bomb that says how big it is: refused before inflating', async () => {
    const big = await refusal(await deflateBomb(200));
    expect(big.reason).toMatch(/^文件内容过大：解压后超过 48 MB/);
    expect(big.inflated).toBe(0);
    // 30 MB of spaces in 30 KB: within the size bounds, but no typed table compresses 1,000 times
    const dense = await refusal(await deflateBomb(30));
    expect(dense.reason).toBe(
      '文件异常：内容的压缩比高得不正常（超过 100 倍），可能是恶意构造的文件，已拒绝导入。请在 Excel 中另存为新文件后再试',
    );
    expect(dense.inflated).toBe(0);
  });

  it('a deflate bomb that lies about its size: inflating stops one chunk past the size it claims', async () => {
    const r = await refusal(await deflateBomb(300, 4));
    expect(r.reason).toBe(
      '文件不是有效的 Excel（.xlsx）文件：文件已损坏或不完整，请在 Excel 中打开并重新保存后再导入',
    );
    expect(r.inflated).toBeGreaterThan(4 * MB);
    expect(r.inflated).toBeLessThan(4 * MB + 256 * 1024); // of the 300 MB it holds
    expect(r.heapMb).toBeLessThan(50);
  });

  it('a million cells: refused at the 600,001st while inflating, before exceljs reads a row', async () => {
    const buf = await millionCells(50_000);
    expect(buf.length).toBeLessThan(10 * MB); // passes the upload limit
    const r = await refusal(buf);
    expect(r.reason).toBe(
      '文件中的单元格过多（超过 60 万个，含只有格式的空单元格），请删除多余的行、列和工作表，或分批导入',
    );
    // the sheet is ≈ 39 bytes a cell; refused after about 600,000 of them, not the whole million
    expect(r.inflated).toBeLessThan(XLSX_LIMITS.cells * 45);
    expect(r.heapMb).toBeLessThan(60);
  });

  it('150,000 rows, even empty ones', async () => {
    const r = await refusal(await manyRows(150_000));
    expect(r.reason).toBe('文件中的行过多（超过 10 万行，含空行），请删除多余的行或分批导入');
  });

  it('400,000 different strings, or 9 million characters of them', async () => {
    const many = await refusal(await manySharedStrings(400_000));
    expect(many.reason).toBe(
      '文件中不同的文字内容过多（超过 30 万条），远超导入所需，请删除多余内容或分批导入',
    );
    const long = await refusal(await longSharedStrings(9_000_000));
    expect(long.reason).toBe('文件中的文字总量过大（超过 800 万字），远超导入所需，请删除多余内容或分批导入');
    expect(long.inflated).toBeLessThan(8_000_000 + 256 * 1024);
  });

  it('a criteria workbook that is a bomb gets the same refusal, once', async () => {
    const r = await criteriaFromWorkbook(await stringsBomb());
    expect(r).toEqual({
      ok: false,
      errors: [
        '文件内容过大：解压后超过 48 MB（全部合计不超过 96 MB），远超导入所需。请只保留要导入的工作表和数据，或分批导入',
      ],
    });
  });
});

describe('real workbooks within the bounds', () => {
  it(
    'reads 20,000 rows of 9 columns (the largest import, results) written by exceljs',
    { timeout: 60_000 },
    async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('点位');
      ws.addRow(['点位名称', '点位类型', '地址', '标准编码', '测评标准', '结果', '问题数', '等级', '备注']);
      for (let i = 1; i <= 20_000; i++)
        ws.addRow([
          `清河区幸福街道第${i % 800}号点位`,
          '居民小区',
          `幸福路${i}号`,
          `A0${i % 9}-${i % 7}`,
          '公益广告设置规范，内容健康，无破损、无污损。'.repeat(3),
          i % 3 ? '符合' : '不符合',
          i % 5,
          '',
          `第${i}行的备注`,
        ]);
      const buf = Buffer.from(await wb.xlsx.writeBuffer());
      const opened = await openXlsx(buf);
      expect(opened.ok, opened.ok ? '' : opened.reason).toBe(true);
      if (opened.ok) opened.stream.destroy();
      const headers = ['点位名称', '点位类型', '地址', '标准编码', '测评标准', '结果', '问题数', '等级'];
      const columns = headers.map((header, i) => ({ key: `c${i}`, header, parse: text() }));
      const read = await readTable(buf, { ...spec, maxRows: 20_000, columns });
      expect(read.ok, !read.ok ? read.messages.join() : '').toBe(true);
      if (read.ok) expect(read.rows).toHaveLength(20_000);
    },
  );
});
