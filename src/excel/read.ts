/**
 * readTable: one sheet of an office spreadsheet → validated row objects, or every problem with the
 * row number Excel shows, the column and a plain Chinese reason. All or nothing: a single bad cell
 * fails the read, so the caller writes either every row or none. The file is streamed (see zip.ts),
 * so an oversized upload is refused after maxRows + 1 data rows without parsing the rest. A file whose
 * several sheets are needed (a criteria workbook) is read once by readWorkbook and its tables taken
 * with tableOf, under the same rules.
 */
import { cellText, columnLetter, isEmpty, type Cell } from './cells.ts';
import { text } from './parsers.ts';
import { allSheets, isWantedSheet, missingSheetMessage, sheetRows, type Sheets } from './sheet-stream.ts';
import {
  isCellError,
  type Column,
  type ReadFailure,
  type ReadResult,
  type RowError,
  type TableSpec,
} from './types.ts';
import { openXlsx } from './zip.ts';

export const DEFAULT_MAX_ROWS = 5000;
/** row errors listed; the rest are counted in one last line */
export const MAX_ERRORS = 200;
/** rows with a single filled cell (titles) tolerated above the header */
const TITLE_ROWS = 5;
const EMPTY: Cell = { kind: 'value', value: null };
const plainText = text();

export function formatRowError(e: RowError): string {
  return `第${e.row}行「${e.column}」${e.message}`;
}

function refuse(fatal: string): ReadFailure {
  return { ok: false, fatal, errors: [], omitted: 0, messages: [fatal] };
}

/** Header cleanup so '点位 名称', '*点位名称' and '整改时限(天)' match their column. */
function headerKey(s: string): string {
  return s
    .replace(/\s+/g, '')
    .replace(/^[*＊]+|[*＊]+$/g, '')
    .replace(/\(/g, '（')
    .replace(/\)/g, '）');
}

function lookupOf(spec: TableSpec): Map<string, Column> {
  const lookup = new Map<string, Column>();
  for (const column of spec.columns)
    for (const h of [column.header, ...(column.aliases ?? [])]) lookup.set(headerKey(h), column);
  return lookup;
}

/** Sheet column number → spec column, or a fatal message naming every header problem. */
function readHeader(cells: Cell[], spec: TableSpec): Map<number, Column> | string {
  const lookup = lookupOf(spec);
  const columns = new Map<number, Column>();
  const seen = new Map<string, number>();
  const unknown: string[] = [];
  const duplicates: string[] = [];
  cells.forEach((cell, c) => {
    const label = cellText(cell).trim();
    if (!label) return;
    const column = lookup.get(headerKey(label));
    // a 备注… column the table does not declare is the user's own note: ignored, never refused
    if (!column && headerKey(label).startsWith('备注')) return;
    if (!column) unknown.push(`${label}（${columnLetter(c)}列）`);
    else if (seen.has(column.key))
      duplicates.push(
        `「${column.header}」（${columnLetter(seen.get(column.key)!)}列和${columnLetter(c)}列）`,
      );
    else {
      seen.set(column.key, c);
      columns.set(c, column);
    }
  });
  const missing = spec.columns.filter((c) => c.required && !seen.has(c.key)).map((c) => c.header);
  const problems: string[] = [];
  if (missing.length) problems.push(`缺少列：${missing.join('、')}`);
  if (duplicates.length) problems.push(`列重复：${duplicates.join('、')}`);
  if (unknown.length) problems.push(`不认识的列：${unknown.join('、')}`);
  if (!problems.length) return columns;
  let message = problems.join('；');
  if (unknown.length)
    message += `。请使用导入模板中的列名；不需要导入的列请删除，或把列名改为以“备注”开头${spec.unknownColumnHint ? `（${spec.unknownColumnHint}）` : ''}`;
  return message;
}

class Collector {
  errors: RowError[] = [];
  count = 0;
  add(row: number, column: Column, message: string) {
    this.count++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ row, column: column.header, message });
  }
  failure(): ReadFailure {
    const omitted = this.count - this.errors.length;
    const messages = this.errors.map(formatRowError);
    if (omitted) messages.push(`……另有 ${omitted} 处错误`);
    return { ok: false, errors: this.errors, omitted, messages };
  }
}

/**
 * One table's rows, fed one sheet row at a time: the header found below any title rows, each data row
 * parsed and checked cell by cell. row() answers a failure that ends the read (a bad header, too many
 * rows); finish() the result.
 */
class TableReader<T> {
  private readonly maxRows: number;
  private readonly lookup: Map<string, Column>;
  private readonly errors = new Collector();
  private readonly firstSeen = new Map<string, Map<string, number>>();
  private readonly rows: Array<T & { _row: number }> = [];
  private header: Map<number, Column> | null = null;
  private titles = 0;
  private count = 0;

  constructor(private readonly spec: TableSpec) {
    this.maxRows = spec.maxRows ?? DEFAULT_MAX_ROWS;
    this.lookup = lookupOf(spec);
  }

  row(number: number, cells: Cell[]): ReadFailure | undefined {
    const { spec, errors } = this;
    if (!this.header) {
      const filled = cells.filter((c) => !isEmpty(c));
      if (!filled.length) return;
      if (
        filled.length === 1 &&
        this.titles < TITLE_ROWS &&
        !this.lookup.has(headerKey(cellText(filled[0]!)))
      ) {
        this.titles++;
        return;
      }
      const read = readHeader(cells, spec);
      if (typeof read === 'string') return refuse(`表头（第${number}行）有误：${read}`);
      this.header = read;
      return;
    }
    const mapped = [...this.header].map(([c, column]) => [cells[c] ?? EMPTY, column] as const);
    if (mapped.every(([cell]) => isEmpty(cell))) return;
    if (++this.count > this.maxRows)
      return refuse(`数据行数超过上限（最多 ${this.maxRows.toLocaleString('en-US')} 行），请分批导入`);

    const out: Record<string, unknown> = { _row: number };
    const errorsBefore = errors.count;
    for (const [cell, column] of mapped) {
      if (cell.kind === 'formula') {
        errors.add(number, column, '包含公式，请粘贴为数值后再导入');
        continue;
      }
      if (cell.kind === 'error') {
        errors.add(number, column, `是错误值 ${cell.code}，请改正后再导入`);
        continue;
      }
      if (cell.value === null) {
        if (column.required) errors.add(number, column, '不能为空');
        continue;
      }
      const value = (column.parse ?? plainText)(cell.value, { row: number });
      if (isCellError(value)) {
        errors.add(number, column, value.error);
        continue;
      }
      if (column.unique) {
        const seen = this.firstSeen.get(column.key) ?? new Map<string, number>();
        this.firstSeen.set(column.key, seen);
        const key = JSON.stringify(value);
        const first = seen.get(key);
        if (first !== undefined) {
          errors.add(number, column, `与第${first}行重复（“${cellText(cell)}”）`);
          continue;
        }
        seen.set(key, number);
      }
      out[column.key] = value;
    }
    if (errors.count === errorsBefore) this.rows.push(out as T & { _row: number });
    return;
  }

  finish(): ReadResult<T> {
    const { spec, header, errors, rows } = this;
    if (!header)
      return refuse(`工作表是空的：找不到表头行（应包含 ${spec.columns.map((c) => c.header).join('、')}）`);
    if (!this.count) return refuse('表头以下没有数据行，没有可导入的内容');
    // the rows that read cleanly go back too, so the caller can check them against the database and
    // report every bad row of the file at once
    if (errors.count) return { ...errors.failure(), validRows: rows };
    return { ok: true, rows, columns: [...header.values()].map((c) => c.key) };
  }
}

/** One sheet read as a table, streamed: the read stops at the first failure that ends it. */
export async function readTable<T>(buf: Buffer, spec: TableSpec): Promise<ReadResult<T>> {
  const container = await openXlsx(buf);
  if (!container.ok) return refuse(container.reason);
  const table = new TableReader<T>(spec);
  for await (const event of sheetRows(container.stream, spec)) {
    if (event.type === 'fatal') return refuse(event.message);
    const stop = table.row(event.number, event.cells);
    if (stop) return stop;
  }
  return table.finish();
}

/** A workbook checked, inflated and parsed once, for callers that read several of its sheets. */
export type Workbook = { ok: true; sheets: Extract<Sheets, { ok: true }> } | { ok: false; reason: string };

export async function readWorkbook(buf: Buffer): Promise<Workbook> {
  const container = await openXlsx(buf);
  if (!container.ok) return { ok: false, reason: container.reason };
  const sheets = await allSheets(container.stream);
  return sheets.ok ? { ok: true, sheets } : { ok: false, reason: sheets.message };
}

/** One table from a workbook read by readWorkbook, with the same rules as readTable. */
export function tableOf<T>(book: Extract<Workbook, { ok: true }>, spec: TableSpec): ReadResult<T> {
  const { names, sheets } = book.sheets;
  const sheet = sheets.find((s) => isWantedSheet(s.name, names, spec));
  if (!sheet) return refuse(missingSheetMessage(spec));
  const table = new TableReader<T>(spec);
  for (const row of sheet.rows) {
    const stop = table.row(row.number, row.cells);
    if (stop) return stop;
  }
  return table.finish();
}
