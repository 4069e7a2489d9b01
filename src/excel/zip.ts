/**
 * Looks inside an upload before exceljs does. exceljs's streaming reader trusts its input: an empty
 * buffer or a damaged deflate stream leaves it waiting forever, and a workbook whose shared strings
 * come after its sheets (the order Excel writes) is spooled to temp files that are never removed if
 * reading stops early. So we read the zip's central directory from the buffer, check that it holds a
 * workbook, inflate the parts the reader needs once to verify their checksums (streamed, never kept),
 * and give exceljs a re-ordered stream — relationships, workbook, styles and shared strings first,
 * sheets last — whose entries all declare their sizes. Sheets then parse straight from memory and
 * reading can stop at any row. The zip bytes themselves are read and written by zip-format.ts.
 *
 * It is also where hostile workbooks stop. exceljs keeps every shared string in memory and walks every
 * cell, so a 600 KB upload whose shared-string table inflates to 250 MB took 15–27 s and up to 1 GB
 * before anything refused it. Every bound below is several times what the largest real import needs
 * (20,000 result rows of 9 columns ≈ 180,000 cells and a few MB of XML) and is checked in this order,
 * each before any more work: the sizes the central directory declares (per part, in total, and their
 * ratio to the compressed bytes: nothing is inflated when they are out of bounds); then, while each
 * part is inflated chunk by chunk, the actual size against the declared one (a part that lies is
 * refused at the first chunk past it), the number of shared strings and their characters, and the
 * number of rows and cells of the sheets. exceljs only ever sees a workbook within all of them.
 */
import type { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { listEntries, rebuild, stored, type Entry } from './zip-format.ts';

export const NOT_XLSX = '文件不是有效的 Excel（.xlsx）文件';
export const DAMAGED = `${NOT_XLSX}：文件已损坏或不完整，请在 Excel 中打开并重新保存后再导入`;

const MB = 1024 * 1024;
/** The bounds on what an upload may hold once inflated (see the module comment). */
export const XLSX_LIMITS = Object.freeze({
  /** one part (a sheet, the shared strings) inflated */
  partBytes: 48 * MB,
  /** all the parts read, inflated */
  totalBytes: 96 * MB,
  /** inflated ÷ compressed, for parts over 1 MB (XML a person typed compresses 5–30 times; Apache POI
   * refuses the same ratio by default) */
  ratio: 100,
  sheets: 50,
  sharedStrings: 300_000,
  sharedStringChars: 8_000_000,
  rows: 100_000,
  cells: 600_000,
});

const wan = (n: number) => (n >= 10_000 ? `${n / 10_000} 万` : n.toLocaleString('en-US'));
const LIMIT_MESSAGES = {
  size: `文件内容过大：解压后超过 ${XLSX_LIMITS.partBytes / MB} MB（全部合计不超过 ${XLSX_LIMITS.totalBytes / MB} MB），远超导入所需。请只保留要导入的工作表和数据，或分批导入`,
  ratio: `文件异常：内容的压缩比高得不正常（超过 ${XLSX_LIMITS.ratio} 倍），可能是恶意构造的文件，已拒绝导入。请在 Excel 中另存为新文件后再试`,
  sheets: `文件中的工作表过多（超过 ${XLSX_LIMITS.sheets} 个），请只保留要导入的工作表`,
  sharedStrings: `文件中不同的文字内容过多（超过 ${wan(XLSX_LIMITS.sharedStrings)}条），远超导入所需，请删除多余内容或分批导入`,
  sharedStringChars: `文件中的文字总量过大（超过 ${wan(XLSX_LIMITS.sharedStringChars)}字），远超导入所需，请删除多余内容或分批导入`,
  rows: `文件中的行过多（超过 ${wan(XLSX_LIMITS.rows)}行，含空行），请删除多余的行或分批导入`,
  cells: `文件中的单元格过多（超过 ${wan(XLSX_LIMITS.cells)}个，含只有格式的空单元格），请删除多余的行、列和工作表，或分批导入`,
} as const;

/** The stream for exceljs, or why the upload is refused; `inflated`: bytes inflated to decide. */
export type Container =
  { ok: true; stream: Readable; inflated: number } | { ok: false; reason: string; inflated: number };

/** A reason naming what the file seems to be instead, for the common mistakes. */
function notZipReason(buf: Buffer): string {
  if (buf.length === 0) return `${NOT_XLSX}：文件是空的`;
  if (buf.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])))
    return `${NOT_XLSX}：这是旧版 Excel（.xls）文件或设置了打开密码，请在 Excel 中取消密码并“另存为” .xlsx 格式后再导入`;
  if (buf.subarray(0, 5).toString('latin1') === '%PDF-') return `${NOT_XLSX}：这是 PDF 文件`;
  if (!buf.subarray(0, 4096).includes(0))
    return `${NOT_XLSX}：这是文本、CSV 或网页文件，请在 Excel 中“另存为” .xlsx 格式后再导入`;
  return NOT_XLSX;
}

/** The parts exceljs's streaming reader uses, in the order it needs them. */
function rank(name: string): number {
  if (name === 'xl/_rels/workbook.xml.rels') return 0;
  if (name === 'xl/workbook.xml') return 1;
  if (name === 'xl/styles.xml') return 2;
  if (name === 'xl/sharedStrings.xml') return 3;
  const sheet = /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(name);
  return sheet ? 10 + Number(sheet[1]) : -1;
}

type Verified = { size: number } | { refused: string };

/**
 * Counts an XML start tag (`<si`, `<c`, `<row`) followed by a space, '>' or '/', across chunk
 * boundaries: the last bytes of a chunk are kept and searched again with the next one, and a match is
 * counted only once its following byte has arrived, so none is counted twice.
 */
class TagCounter {
  count = 0;
  private tail = Buffer.alloc(0);
  constructor(private readonly tag: Buffer) {}
  push(chunk: Buffer): void {
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    for (let p = buf.indexOf(this.tag); p >= 0; p = buf.indexOf(this.tag, p + 1)) {
      const next = buf[p + this.tag.length];
      if (next === undefined) break;
      if (next === 0x20 || next === 0x3e || next === 0x2f || next === 0x09 || next === 0x0a || next === 0x0d)
        this.count++;
    }
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - this.tag.length)));
  }
}

/** Characters in UTF-8 bytes: every byte that does not continue a character. */
function utf8Chars(chunk: Buffer): number {
  let n = 0;
  for (let i = 0; i < chunk.length; i++) if ((chunk[i]! & 0xc0) !== 0x80) n++;
  return n;
}

/** What is counted across the parts while they are inflated. */
interface Tally {
  inflated: number;
  strings: number;
  chars: number;
  rows: number;
  cells: number;
}

/**
 * Inflates one entry without keeping it, counting what exceljs would build from it; resolves to its
 * size when its checksum and size match, or to the reason it is refused. Stops at the first chunk
 * that goes past the declared size or past a bound.
 */
function verify(entry: Entry, tally: Tally): Promise<Verified> {
  const L = XLSX_LIMITS;
  const sharedStrings = entry.name === 'xl/sharedStrings.xml';
  const sheet = rank(entry.name) >= 10;
  const strings = new TagCounter(Buffer.from('<si'));
  const rows = new TagCounter(Buffer.from('<row'));
  const cells = new TagCounter(Buffer.from('<c'));
  let chars = 0;
  const check = (chunk: Buffer): string | null => {
    if (sharedStrings) {
      strings.push(chunk);
      chars += utf8Chars(chunk);
      if (tally.strings + strings.count > L.sharedStrings) return LIMIT_MESSAGES.sharedStrings;
      if (tally.chars + chars > L.sharedStringChars) return LIMIT_MESSAGES.sharedStringChars;
    } else if (sheet) {
      rows.push(chunk);
      cells.push(chunk);
      if (tally.rows + rows.count > L.rows) return LIMIT_MESSAGES.rows;
      if (tally.cells + cells.count > L.cells) return LIMIT_MESSAGES.cells;
    }
    return null;
  };
  const done = (size: number): Verified => {
    tally.strings += strings.count;
    tally.chars += chars;
    tally.rows += rows.count;
    tally.cells += cells.count;
    return { size };
  };
  if (entry.method === 0) {
    tally.inflated += entry.data.length;
    const ok = crc32(entry.data) === entry.crc && entry.data.length === entry.size;
    if (!ok) return Promise.resolve({ refused: DAMAGED });
    const refused = check(entry.data);
    return Promise.resolve(refused ? { refused } : done(entry.size));
  }
  return new Promise((resolve) => {
    // 128 KB chunks: each chunk is a round trip to the thread pool, and 16 KB ones made that most of the time
    const inflate = createInflateRaw({ chunkSize: 128 * 1024 });
    let crc = 0;
    let size = 0;
    let settled = false;
    const finish = (v: Verified) => {
      if (settled) return;
      settled = true;
      inflate.destroy();
      resolve(v);
    };
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      tally.inflated += chunk.length;
      // a part longer than its central directory entry says is damaged, or built to deceive the size checks
      if (size > entry.size) return finish({ refused: DAMAGED });
      crc = crc32(chunk, crc);
      const refused = check(chunk);
      if (refused) finish({ refused });
    });
    inflate.on('error', () => finish({ refused: DAMAGED }));
    inflate.on('end', () =>
      finish(crc === entry.crc && size === entry.size ? done(size) : { refused: DAMAGED }),
    );
    inflate.end(entry.data);
  });
}

/** The refusal for the sizes the central directory declares, before anything is inflated. */
function declaredProblem(needed: Entry[]): string | null {
  const L = XLSX_LIMITS;
  if (needed.filter((e) => rank(e.name) >= 10).length > L.sheets) return LIMIT_MESSAGES.sheets;
  let total = 0;
  for (const e of needed) {
    // 0xffffffff is a ZIP64 entry (over 4 GB), which no import needs
    if (e.size > L.partBytes || e.size === 0xffffffff) return LIMIT_MESSAGES.size;
    if (e.size > MB && e.size > L.ratio * e.compressedSize) return LIMIT_MESSAGES.ratio;
    total += e.size;
  }
  return total > L.totalBytes ? LIMIT_MESSAGES.size : null;
}

const EMPTY_SST =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>';

/** Checks an upload and, if it is a readable workbook, returns the stream to give exceljs. */
export async function openXlsx(buf: Buffer): Promise<Container> {
  if (buf.length < 4 || buf.readUInt32LE(0) !== 0x04034b50)
    return { ok: false, reason: notZipReason(buf), inflated: 0 };
  const entries = listEntries(buf);
  if (!entries) return { ok: false, reason: DAMAGED, inflated: 0 };
  const needed = entries.filter((e) => rank(e.name) >= 0).sort((a, b) => rank(a.name) - rank(b.name));
  if (!needed.some((e) => e.name === 'xl/workbook.xml'))
    return { ok: false, reason: `${NOT_XLSX}：压缩包里没有 Excel 工作簿`, inflated: 0 };
  for (const e of needed)
    if (e.flags & 0x0001 || (e.method !== 0 && e.method !== 8))
      return { ok: false, reason: DAMAGED, inflated: 0 };
  const declared = declaredProblem(needed);
  if (declared) return { ok: false, reason: declared, inflated: 0 };
  const tally: Tally = { inflated: 0, strings: 0, chars: 0, rows: 0, cells: 0 };
  for (const e of needed) {
    const verified = await verify(e, tally);
    if ('refused' in verified) return { ok: false, reason: verified.refused, inflated: tally.inflated };
  }
  // Without a shared-string table exceljs spools every sheet to a temp file first; an empty table keeps it streaming.
  if (!needed.some((e) => e.name === 'xl/sharedStrings.xml'))
    needed.push(stored('xl/sharedStrings.xml', EMPTY_SST));
  return {
    ok: true,
    stream: rebuild(needed.sort((a, b) => rank(a.name) - rank(b.name))),
    inflated: tally.inflated,
  };
}
