/**
 * The rows of the one sheet a spec asks for, streamed by exceljs's WorkbookReader — with a fix for
 * Chinese text. exceljs 4.4 decodes each chunk of XML on its own (a TextDecoder without
 * `stream: true`), so a character that straddles two chunks of a large part (shared strings, a
 * sheet) turns into '���'. The subclass below hands exceljs's own per-part parse methods text
 * decoded across chunk boundaries (and shared strings without phonetic runs). Those methods are
 * private, so their presence is checked when this module loads, and tests with long Chinese text
 * pin the behaviour.
 */
import ExcelJS from 'exceljs';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { normaliseCell, type Cell } from './cells.ts';
import type { TableSpec } from './types.ts';
import { DAMAGED } from './zip.ts';

interface ReaderInternals {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(chunks: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
}

const base = ExcelJS.stream.xlsx.WorkbookReader.prototype as unknown as ReaderInternals;
for (const method of [
  '_parseRels',
  '_parseWorkbook',
  '_parseStyles',
  '_parseSharedStrings',
  '_parseWorksheet',
])
  if (typeof (base as unknown as Record<string, unknown>)[method] !== 'function')
    throw new Error(
      `exceljs WorkbookReader.${method} is missing: check src/excel/sheet-stream.ts against this exceljs`,
    );

function decodedStream(entry: Readable): Readable {
  const text = new PassThrough();
  text.setEncoding('utf8');
  return entry.pipe(text);
}

/**
 * Shared strings as text without their phonetic runs (<rPh>, Excel's 拼音指南 / furigana): exceljs
 * resets its text at every <t>, so it would return the reading instead of the cell's own text.
 */
function sharedStringsText(entry: Readable): Readable {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (text: string, final: boolean): string => {
    const cleaned = (pending + text).replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
    // hold back an unclosed run, or what may be the start of one, until the next chunk
    let keep = final ? -1 : cleaned.indexOf('<rPh');
    if (!final && keep < 0)
      for (let n = 3; n > 0 && keep < 0; n--)
        if (cleaned.endsWith('<rPh'.slice(0, n))) keep = cleaned.length - n;
    pending = keep < 0 ? '' : cleaned.slice(keep);
    return keep < 0 ? cleaned : cleaned.slice(0, keep);
  };
  const text = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const out = take(decoder.write(chunk), false);
      done(null, out || undefined);
    },
    flush(done) {
      const out = take(decoder.end(), true);
      done(null, out || undefined);
    },
  });
  text.setEncoding('utf8');
  return entry.pipe(text);
}

async function* decoded(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

class Utf8WorkbookReader extends ExcelJS.stream.xlsx.WorkbookReader {
  _parseRels(entry: Readable) {
    return base._parseRels.call(this, decodedStream(entry));
  }
  _parseWorkbook(entry: Readable) {
    return base._parseWorkbook.call(this, decodedStream(entry));
  }
  _parseStyles(entry: Readable) {
    return base._parseStyles.call(this, decodedStream(entry));
  }
  _parseSharedStrings(entry: Readable) {
    return base._parseSharedStrings.call(this, sharedStringsText(entry));
  }
  _parseWorksheet(chunks: AsyncIterable<Buffer | string>, sheetNo: string) {
    return base._parseWorksheet.call(this, decoded(chunks), sheetNo);
  }
}

export type SheetEvent = { type: 'row'; number: number; cells: Cell[] } | { type: 'fatal'; message: string };

/** One sheet's rows, read whole (for callers that need several sheets of one file). */
export interface SheetData {
  name: string;
  rows: { number: number; cells: Cell[] }[];
}
export type Sheets = { ok: true; names: string[]; sheets: SheetData[] } | { ok: false; message: string };

function newReader(stream: Readable): Utf8WorkbookReader {
  return new Utf8WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell date cells from numbers
    hyperlinks: 'ignore', // a hyperlink cell's value is already its text
    entries: 'ignore',
  });
}

/** The sheet names the workbook lists, known once workbook.xml is read (zip.ts puts it first). */
function sheetNames(reader: Utf8WorkbookReader): string[] {
  const model = (reader as unknown as { model?: { sheets?: { name: string }[] } }).model;
  return (model?.sheets ?? []).map((s) => s.name);
}

/**
 * Whether the sheet called `name` is the one spec asks for: spec.sheetName, else (unless that sheet is
 * required) the first one. A sheet whose name did not resolve (unusual writers) counts as the first one.
 */
export function isWantedSheet(name: string, names: string[], spec: TableSpec): boolean {
  const wanted = names.includes(spec.sheetName) ? spec.sheetName : spec.sheetRequired ? null : names[0];
  return name === wanted || (!names.includes(name) && !spec.sheetRequired);
}

export function missingSheetMessage(spec: TableSpec): string {
  return spec.sheetRequired ? `缺少工作表「${spec.sheetName}」` : '文件中没有可读取的工作表';
}

async function* rowsOf(sheet: unknown): AsyncGenerator<{ number: number; cells: Cell[] }> {
  for await (const row of sheet as AsyncIterable<{ number: number; values: unknown }>) {
    const values = row.values as unknown[];
    const cells: Cell[] = [];
    for (let c = 1; c < values.length; c++) cells[c] = normaliseCell(values[c]);
    yield { number: row.number, cells };
  }
}

/**
 * The rows (cells indexed from 1) of the sheet spec asks for; an exceljs failure ends the stream with
 * a fatal event instead of an exception.
 */
export async function* sheetRows(stream: Readable, spec: TableSpec): AsyncGenerator<SheetEvent> {
  const reader = newReader(stream);
  let found = false;
  try {
    for await (const sheet of reader) {
      const { name } = sheet as unknown as { name: string };
      if (!isWantedSheet(name, sheetNames(reader), spec)) continue;
      found = true;
      for await (const row of rowsOf(sheet)) yield { type: 'row', ...row };
      break;
    }
  } catch {
    yield { type: 'fatal', message: DAMAGED };
    return;
  }
  if (!found) yield { type: 'fatal', message: missingSheetMessage(spec) };
}

/** Every sheet's rows in one pass over the file (zip.ts has bounded how many cells that can be). */
export async function allSheets(stream: Readable): Promise<Sheets> {
  const reader = newReader(stream);
  const sheets: SheetData[] = [];
  try {
    for await (const sheet of reader) {
      const rows: SheetData['rows'] = [];
      for await (const row of rowsOf(sheet)) rows.push(row);
      sheets.push({ name: (sheet as unknown as { name: string }).name, rows });
    }
  } catch {
    return { ok: false, message: DAMAGED };
  }
  return { ok: true, names: sheetNames(reader), sheets };
}
