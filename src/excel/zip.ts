/**
 * Looks inside an upload before exceljs does. exceljs's streaming reader trusts its input: an empty
 * buffer or a damaged deflate stream leaves it waiting forever, and a workbook whose shared strings
 * come after its sheets (the order Excel writes) is spooled to temp files that are never removed if
 * reading stops early. So we read the zip's central directory from the buffer, check that it holds a
 * workbook, inflate the parts the reader needs once to verify their checksums (streamed, with a size
 * cap against zip bombs), and give exceljs a re-ordered stream — relationships, workbook, styles and
 * shared strings first, sheets last — whose entries all declare their sizes. Sheets then parse
 * straight from memory and reading can stop at any row.
 */
import { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

export const NOT_XLSX = '文件不是有效的 Excel（.xlsx）文件';
export const DAMAGED = `${NOT_XLSX}：文件已损坏或不完整，请在 Excel 中打开并重新保存后再导入`;
/** Uncompressed bytes we are willing to inflate; a 5,000-row sheet is a few megabytes. */
const MAX_INFLATED = 256 * 1024 * 1024;

interface Entry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  data: Buffer;
}

export type Container = { ok: true; stream: Readable } | { ok: false; reason: string };

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

/** The entries listed in the central directory, each with its compressed bytes; null if malformed. */
function listEntries(buf: Buffer): Entry[] | null {
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--)
    if (buf.readUInt32LE(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd < 0) return null;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return null;
    const nameLength = buf.readUInt16LE(p + 28);
    const local = buf.readUInt32LE(p + 42);
    const compressedSize = buf.readUInt32LE(p + 20);
    const entry = {
      name: buf.toString('utf8', p + 46, p + 46 + nameLength),
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize,
      size: buf.readUInt32LE(p + 24),
    };
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) return null;
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressedSize > buf.length) return null;
    entries.push({ ...entry, data: buf.subarray(start, start + compressedSize) });
  }
  return entries;
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

type Verified = number | 'damaged' | 'too big';

/** Inflates one entry without keeping it; resolves to its size when its checksum and size match. */
function verify(entry: Entry, budget: number): Promise<Verified> {
  if (entry.method === 0) {
    if (entry.size > budget) return Promise.resolve('too big');
    const ok = crc32(entry.data) === entry.crc && entry.data.length === entry.size;
    return Promise.resolve(ok ? entry.size : 'damaged');
  }
  return new Promise((resolve) => {
    const inflate = createInflateRaw();
    let crc = 0;
    let size = 0;
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      crc = crc32(chunk, crc);
      if (size > budget) {
        inflate.destroy();
        resolve('too big');
      }
    });
    inflate.on('error', () => resolve('damaged'));
    inflate.on('end', () => resolve(crc === entry.crc && size === entry.size ? size : 'damaged'));
    inflate.end(entry.data);
  });
}

const EMPTY_SST =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>';

function stored(name: string, content: string): Entry {
  const data = Buffer.from(content, 'utf8');
  return {
    name,
    flags: 0,
    method: 0,
    crc: crc32(data),
    compressedSize: data.length,
    size: data.length,
    data,
  };
}

/** A zip stream of the given entries with sizes in every local header (no data descriptors). */
function rebuild(entries: Entry[]): Readable {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(e.flags & 0x0800, 6);
    header.writeUInt16LE(e.method, 8);
    header.writeUInt32LE(e.crc, 14);
    header.writeUInt32LE(e.compressedSize, 18);
    header.writeUInt32LE(e.size, 22);
    header.writeUInt16LE(name.length, 26);
    parts.push(header, name, e.data);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  parts.push(end);
  return Readable.from(parts, { objectMode: false });
}

/** Checks an upload and, if it is a readable workbook, returns the stream to give exceljs. */
export async function openXlsx(buf: Buffer): Promise<Container> {
  if (buf.length < 4 || buf.readUInt32LE(0) !== 0x04034b50) return { ok: false, reason: notZipReason(buf) };
  const entries = listEntries(buf);
  if (!entries) return { ok: false, reason: DAMAGED };
  const needed = entries.filter((e) => rank(e.name) >= 0).sort((a, b) => rank(a.name) - rank(b.name));
  if (!needed.some((e) => e.name === 'xl/workbook.xml'))
    return { ok: false, reason: `${NOT_XLSX}：压缩包里没有 Excel 工作簿` };
  let budget = MAX_INFLATED;
  for (const e of needed) {
    if (e.flags & 0x0001 || (e.method !== 0 && e.method !== 8)) return { ok: false, reason: DAMAGED };
    const size = await verify(e, budget);
    if (size === 'damaged') return { ok: false, reason: DAMAGED };
    if (size === 'too big') return { ok: false, reason: '文件解压后超过 256 MB，请删除多余内容或分批导入' };
    budget -= size;
  }
  // Without a shared-string table exceljs spools every sheet to a temp file first; an empty table keeps it streaming.
  if (!needed.some((e) => e.name === 'xl/sharedStrings.xml'))
    needed.push(stored('xl/sharedStrings.xml', EMPTY_SST));
  return { ok: true, stream: rebuild(needed.sort((a, b) => rank(a.name) - rank(b.name))) };
}
