/**
 * Import templates: the data sheet office staff fill in (red headers are required, comments explain
 * each column, fixed choices are dropdowns) and a 说明 sheet listing every column with whether it is
 * required, what to write, the allowed values and an example. Examples go to 说明, never to the data
 * sheet, so a template uploaded unchanged imports nothing by accident; `prefill` rows (existing data
 * to edit) go to the data sheet and read back unchanged.
 */
import ExcelJS from 'exceljs';
import { DEFAULT_MAX_ROWS } from './read.ts';
import type { TableSpec } from './types.ts';
import { addTableSheet, columnList, toBuffer, toCell } from './write.ts';

/** Longer lists are only in the dropdown: 说明 names how many there are. */
const LISTED_CHOICES = 30;

export interface TemplateOptions {
  /** sample rows shown in the 说明 sheet */
  exampleRows?: Record<string, unknown>[];
  /** rows written into the data sheet */
  prefill?: Record<string, unknown>[];
  /** extra lines at the top of the 说明 sheet */
  instructions?: string[];
  /** dropdown lists by column key (e.g. today's community names), instead of the parser's own choices */
  validations?: Record<string, string[]>;
}

const BOLD: Partial<ExcelJS.Font> = { bold: true };
const FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };

export async function writeTemplate(spec: TableSpec, opts: TemplateOptions = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  addTableSheet(wb, spec, opts.prefill ?? [], {
    template: true,
    dropdowns: true,
    ...(opts.validations ? { validations: opts.validations } : {}),
  });
  const maxRows = (spec.maxRows ?? DEFAULT_MAX_ROWS).toLocaleString('en-US');
  const ws = wb.addWorksheet('说明');
  ws.columns = [{ width: 22 }, { width: 10 }, { width: 50 }, { width: 40 }, { width: 22 }];
  ws.addRow([`${spec.name}导入模板 · 填写说明`]).font = { bold: true, size: 14 };
  const lines = [
    `请在「${spec.sheetName}」工作表中填写，每行一条${spec.name}；第一行是表头，请勿修改或删除列名。`,
    '红色列名为必填列，不能留空；有下拉箭头的列请从列表中选择。',
    '请不要使用公式；从其他表格复制过来的内容请“选择性粘贴 → 数值”。',
    `一次最多导入 ${maxRows} 行。导入时逐行检查，只要有一处错误就不会导入任何一行，请按提示改正后重新上传。`,
    '不需要导入的补充信息可以写在列名以“备注”开头的列里。',
    ...(opts.instructions ?? []),
  ];
  for (const line of lines) ws.addRow([line]);
  ws.addRow([]);
  const head = ws.addRow(['列名', '是否必填', '填写说明', '可选值', '示例']);
  head.font = BOLD;
  head.eachCell((c) => (c.fill = FILL));
  for (const column of spec.columns) {
    const allowed = columnList(column, { dropdowns: true, ...opts })?.values ?? [];
    const row = ws.addRow([
      column.header,
      column.required ? '必填' : '选填',
      [column.note, column.parse?.hint].filter(Boolean).join('；'),
      allowed.length > LISTED_CHOICES ? `见下拉列表（共 ${allowed.length} 项）` : allowed.join('、'),
      column.example ?? '',
    ]);
    row.alignment = { wrapText: true, vertical: 'top' };
    if (column.required) row.getCell(2).font = { color: { argb: 'FFC00000' } };
  }
  if (opts.exampleRows?.length) {
    ws.addRow([]);
    ws.addRow(['填写示例']).font = BOLD;
    const exampleHead = ws.addRow(spec.columns.map((c) => c.header));
    exampleHead.font = BOLD;
    exampleHead.eachCell((c) => (c.fill = FILL));
    for (const example of opts.exampleRows) {
      const row = ws.addRow([]);
      spec.columns.forEach((column, i) => {
        const { value, numFmt } = toCell(column, example[column.key]);
        const cell = row.getCell(i + 1);
        cell.value = value;
        if (numFmt) cell.numFmt = numFmt;
      });
    }
  }
  return toBuffer(wb);
}
