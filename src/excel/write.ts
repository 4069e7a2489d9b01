/**
 * Workbooks for people: exports (writeTable) and import templates (writeTemplate) built from the same
 * TableSpec the reader uses, so a template's columns, dropdowns and 说明 always match what the import
 * accepts, and an export can be edited and imported back. Header row bold and frozen, widths fitted to
 * the content (a Chinese character counts double), values written through each parser's format().
 */
import ExcelJS from 'exceljs';
import { columnLetter, displayWidth, instantToExcelDate } from './cells.ts';
import { DATE_FORMAT, TIME_FORMAT, workbookBuffer } from './formats.ts';
import { DEFAULT_MAX_ROWS } from './read.ts';
import type { CellValue, Column, TableSpec } from './types.ts';

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
const LIST_SHEET = '下拉选项';

export interface SheetOptions {
  /** a bold title row above the header */
  title?: string;
  /** dropdown lists by column key; for those columns they replace the parser's own allowed values */
  validations?: Record<string, readonly string[]>;
  /** offer each parser's allowed values (or the column's choices) as a dropdown */
  dropdowns?: boolean;
  /** header comments from each column's note, and the template's red required headers */
  template?: boolean;
  autoFilter?: boolean;
}

/** One value → what goes in the cell, and the number format it needs. */
export function toCell(column: Column, value: unknown): { value: CellValue; numFmt?: string } {
  if (value === null || value === undefined) return { value: null };
  const format = column.parse?.format;
  if (format) {
    const v = format.call(column.parse, value);
    return v instanceof Date ? { value: v, numFmt: column.parse?.numFmt ?? DATE_FORMAT } : { value: v };
  }
  if (typeof value === 'string' || typeof value === 'number') return { value };
  if (typeof value === 'boolean') return { value: value ? '是' : '否' };
  if (value instanceof Date) return { value: instantToExcelDate(value), numFmt: TIME_FORMAT };
  if (Array.isArray(value)) return { value: value.join('、') };
  return { value: String(value) };
}

function shownWidth(v: CellValue, numFmt?: string): number {
  if (v === null) return 0;
  if (v instanceof Date) return (numFmt ?? '').length;
  return displayWidth(String(v));
}

/** A list validation: inline when short, else a range on the hidden list sheet. */
function listFormula(wb: ExcelJS.Workbook, values: readonly string[]): string {
  const inline = values.join(',');
  if (inline.length <= 250 && !values.some((v) => /[,"]/.test(v))) return `"${inline}"`;
  const sheet = wb.getWorksheet(LIST_SHEET) ?? wb.addWorksheet(LIST_SHEET, { state: 'veryHidden' });
  const col = sheet.columnCount + 1;
  values.forEach((v, i) => (sheet.getCell(i + 1, col).value = v));
  const letter = columnLetter(col);
  return `'${LIST_SHEET}'!$${letter}$1:$${letter}$${Math.max(values.length, 1)}`;
}

interface DataValidations {
  add(range: string, validation: ExcelJS.DataValidation): void;
}

/**
 * A dropdown on `range`. `strict`: Excel refuses anything else (the import would too); otherwise it
 * only warns, for columns that also take a code or a name added further up the same file.
 */
export function addListValidation(
  wb: ExcelJS.Workbook,
  ws: ExcelJS.Worksheet,
  range: string,
  values: readonly string[],
  title: string,
  strict = true,
): void {
  (ws as unknown as { dataValidations: DataValidations }).dataValidations.add(range, {
    type: 'list',
    allowBlank: true,
    formulae: [listFormula(wb, values)],
    showErrorMessage: true,
    errorStyle: strict ? 'stop' : 'warning',
    errorTitle: title,
    error: strict ? '请从下拉列表中选择' : '不在下拉列表中：请确认无误（也可以填写编码或新增的名称）',
  });
}

/** The dropdown a column offers in a template, and whether other values are refused. */
export function columnList(
  column: Column,
  opts: Pick<SheetOptions, 'validations' | 'dropdowns'>,
): { values: readonly string[]; strict: boolean } | undefined {
  const given = opts.validations?.[column.key];
  if (given) return { values: given, strict: true };
  if (!opts.dropdowns) return undefined;
  if (column.parse?.allowed?.length) return { values: column.parse.allowed, strict: true };
  if (column.choices?.length) return { values: column.choices, strict: column.choicesOnly ?? false };
  return undefined;
}

/** Adds one table as a sheet: optional title, header, rows; returns the sheet. */
export function addTableSheet(
  wb: ExcelJS.Workbook,
  spec: TableSpec,
  rows: readonly Record<string, unknown>[],
  opts: SheetOptions = {},
): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(spec.sheetName);
  const n = spec.columns.length;
  let headerRow = 1;
  if (opts.title) {
    ws.getCell(1, 1).value = opts.title;
    ws.getCell(1, 1).font = { bold: true, size: 14 };
    if (n > 1) ws.mergeCells(1, 1, 1, n);
    headerRow = 2;
  }
  // Templates are typed into: room for the example and the dropdown's longest choice.
  const widths = spec.columns.map((c) =>
    Math.max(
      displayWidth(c.header) + (opts.autoFilter ? 4 : 2),
      ...(opts.template
        ? [
            14,
            displayWidth(String(c.example ?? '')) + 2,
            ...(columnList(c, opts)?.values ?? []).slice(0, 200).map((v) => displayWidth(v) + 4),
          ]
        : []),
    ),
  );
  spec.columns.forEach((column, i) => {
    const cell = ws.getCell(headerRow, i + 1);
    cell.value = column.header;
    cell.font = { bold: true, color: { argb: opts.template && column.required ? 'FFC00000' : 'FF000000' } };
    cell.fill = HEADER_FILL;
    cell.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
    cell.border = { bottom: { style: 'thin' } };
    if (opts.template) {
      const hint = column.parse?.hint;
      cell.note = [column.required ? '必填' : '选填', column.note, hint].filter(Boolean).join('；');
    }
  });
  rows.forEach((row, r) => {
    spec.columns.forEach((column, i) => {
      const { value, numFmt } = toCell(column, row[column.key]);
      if (value === null) return;
      const cell = ws.getCell(headerRow + 1 + r, i + 1);
      cell.value = value;
      if (numFmt) cell.numFmt = numFmt;
      widths[i] = Math.max(widths[i]!, shownWidth(value, numFmt) + 2);
    });
  });
  let headerLines = 1;
  spec.columns.forEach((column, i) => {
    const fitted = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, widths[i]!));
    const width = column.width ?? fitted;
    const col = ws.getColumn(i + 1);
    col.width = width;
    if (widths[i]! > width) col.alignment = { wrapText: true, vertical: 'top' };
    headerLines = Math.max(headerLines, Math.ceil((displayWidth(column.header) + 2) / width));
  });
  if (headerLines > 1) ws.getRow(headerRow).height = 15 * headerLines;
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: headerRow }];
  if (opts.autoFilter)
    ws.autoFilter = { from: { row: headerRow, column: 1 }, to: { row: headerRow, column: n } };

  const maxRows = spec.maxRows ?? DEFAULT_MAX_ROWS;
  spec.columns.forEach((column, i) => {
    const list = columnList(column, opts);
    if (!list?.values.length) return;
    const letter = columnLetter(i + 1);
    const range = `${letter}${headerRow + 1}:${letter}${headerRow + maxRows}`;
    addListValidation(wb, ws, range, list.values, column.header, list.strict);
  });
  return ws;
}

/** The workbook's bytes, formula-like text kept as text (see formats.ts). */
export function toBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  return workbookBuffer(wb);
}

/** An export: header frozen, bold and filterable, widths fitted, optional title row. */
export async function writeTable(
  spec: TableSpec,
  rows: readonly Record<string, unknown>[],
  opts: { title?: string } = {},
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  addTableSheet(wb, spec, rows, { ...opts, autoFilter: true });
  return toBuffer(wb);
}
