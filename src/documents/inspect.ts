/**
 * Decides what an uploaded document is from its bytes, for a file already streamed to disk. The name's
 * extension is only a claim: the bytes must agree with it. Nothing reads the whole file: a file handle
 * reads the head (magic bytes), the tail (a PDF's `%%EOF`, `startxref` and trailer; a zip's end of central
 * directory) and what those point at, by position. A PDF must have its header, its end marker and a
 * `startxref` that lands on a cross-reference, and no `/Encrypt`. A .docx / .xlsx / .ofd is a zip: its
 * central directory must list the parts of its kind, the sizes it declares must be bounded, and since
 * declared sizes can lie every entry is then inflated as a stream, chunk by chunk and nothing kept,
 * refused at the first chunk past a bound (the model is src/excel/zip.ts, which does this for imports
 * from a buffer; this reader works from a file handle instead). JPEG and PNG need only their magic
 * bytes: documents are kept untouched, so nothing here decodes pixels.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import { InvalidInput } from '../errors.ts';
import { DOCUMENT_KINDS, DOCUMENT_LIMITS, DOCUMENT_REFUSALS as R, kindOfExtension } from './kinds.ts';
import type { DocumentKind } from './kinds.ts';

const MB = 1024 * 1024;
/** Bounds on what a document zip may inflate to; a real report with photos is well within them. */
export const DOCUMENT_ZIP_LIMITS = Object.freeze({
  totalBytes: 200 * MB,
  entries: 10_000,
  /** inflated ÷ compressed, for entries over 1 MB (as in src/excel/zip.ts) */
  ratio: 100,
  /** bytes of central directory read at most (10,000 entries with long names) */
  directoryBytes: 4 * MB,
});

const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const OLD_OFFICE_EXTENSIONS = new Set(['doc', 'xls', 'wps', 'et', 'dps', 'ppt']);
const HEIF_EXTENSIONS = new Set(['heic', 'heif']);
// C0 and C1 controls, DEL, and the bidirectional overrides that can disguise an extension
const isControl = (ch: string): boolean => {
  const c = ch.codePointAt(0)!;
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
};

/** A name cleaned for display and storage: no path, controls or characters Windows refuses, bounded length. */
export function safeDocumentName(name: string): string {
  const base = [...(name.split(/[/\\]/).pop() ?? '')].filter((ch) => !isControl(ch)).join('');
  // Windows refuses :*?"<>| in names; leading or trailing dots and spaces vanish or hide files
  let clean = base
    .replace(/[:*?"<>|]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.\s]+|[.\s]+$/g, '');
  const chars = [...clean];
  if (chars.length > DOCUMENT_LIMITS.maxNameLength) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : '';
    clean = chars.slice(0, DOCUMENT_LIMITS.maxNameLength - ext.length).join('') + ext;
  }
  return clean || '未命名文件';
}

function checkName(name: string): string {
  if (name.includes('/') || name.includes('\\') || name.includes('..')) throw new InvalidInput(R.nameHasPath);
  if ([...name].some(isControl)) throw new InvalidInput(R.nameHasControl);
  if ([...name].length > DOCUMENT_LIMITS.maxNameLength) throw new InvalidInput(R.nameTooLong);
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(Math.max(0, length));
  const { bytesRead } = await fh.read(buf, 0, buf.length, position);
  return buf.subarray(0, bytesRead);
}

type Sniffed = DocumentKind | 'zip' | 'ole2' | 'heif' | null;

function sniff(head: Buffer): Sniffed {
  if (head.subarray(0, 8).equals(OLE2)) return 'ole2';
  if (head.subarray(0, 8).equals(PNG)) return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (head.toString('latin1', 4, 8) === 'ftyp') {
    const box = Math.min(head.readUInt32BE(0), head.length);
    for (let p = 8; p + 4 <= box; p += 4)
      if (HEIF_BRANDS.has(head.toString('latin1', p, p + 4))) return 'heif';
  }
  if (head.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  return null;
}

/** The kind the upload is, or why it is refused; never reads more of the file than it needs. */
export async function inspectDocument(path: string, originalName: string): Promise<DocumentKind> {
  const ext = checkName(originalName);
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) throw new InvalidInput(R.empty);
    if (size > DOCUMENT_LIMITS.maxBytes) throw new InvalidInput(R.tooLarge);
    const head = await readAt(fh, 0, 1024);
    const found = head.length >= 8 ? sniff(head) : null;
    if (found === 'ole2' || OLD_OFFICE_EXTENSIONS.has(ext)) throw new InvalidInput(R.oldOffice);
    if (found === 'heif' || HEIF_EXTENSIONS.has(ext)) throw new InvalidInput(R.heic);
    const claimed = kindOfExtension(ext);
    if (!claimed) throw new InvalidInput(R.unsupported);
    if (claimed === 'pdf') {
      if (found !== 'pdf') throw new InvalidInput(found ? R.mismatch : R.pdfDamaged);
      await checkPdf(fh, size, head.indexOf('%PDF-'));
      return 'pdf';
    }
    if (claimed === 'docx' || claimed === 'xlsx' || claimed === 'ofd') {
      if (found !== 'zip')
        throw new InvalidInput(found ? R.mismatch : R.zipDamaged(DOCUMENT_KINDS[claimed].label));
      const inZip = await checkZip(fh, path, size, DOCUMENT_KINDS[claimed].label);
      if (inZip !== claimed)
        throw new InvalidInput(inZip ? R.mismatch : R.zipDamaged(DOCUMENT_KINDS[claimed].label));
      return claimed;
    }
    if (found !== claimed) throw new InvalidInput(R.mismatch);
    return claimed;
  } finally {
    await fh.close();
  }
}

/**
 * Header, end marker, a `startxref` that points at `xref` or at an `N G obj` cross-reference stream, and
 * no `/Encrypt` in the trailer or that stream's dictionary. Offsets are tried as written and, when the
 * header does not open the file, relative to it (as readers do).
 */
async function checkPdf(fh: FileHandle, size: number, header: number): Promise<void> {
  const tailStart = Math.max(0, size - 2048);
  const tail = (await readAt(fh, tailStart, size - tailStart)).toString('latin1');
  const eof = tail.lastIndexOf('%%EOF');
  const at = tail.lastIndexOf('startxref', eof);
  if (eof < 0 || at < 0) throw new InvalidInput(R.pdfDamaged);
  const offset = /^startxref\s+(\d{1,12})\s/.exec(tail.slice(at, eof));
  if (!offset) throw new InvalidInput(R.pdfDamaged);
  for (const start of new Set([Number(offset[1]), Number(offset[1]) + header])) {
    if (start >= size) continue;
    const text = (await readAt(fh, start, 4096)).toString('latin1');
    if (/^\s*xref\s/.test(text)) {
      // the trailer that goes with this table is the last one before startxref
      const trailerAt = tail.lastIndexOf('trailer', at);
      const ours = trailerAt >= 0 && tailStart + trailerAt > start;
      const trailer = ours ? tail.slice(trailerAt, at) : await trailerAfter(fh, start, size);
      if (/\/Encrypt\b/.test(trailer)) throw new InvalidInput(R.pdfEncrypted);
      return;
    }
    const obj = /^\s*\d+\s+\d+\s+obj\s*<<([\s\S]*?)(?:\bstream\b|\bendobj\b|$)/.exec(text);
    if (obj && /\/Type\s*\/XRef\b/.test(obj[1]!)) {
      if (/\/Encrypt\b/.test(obj[1]!)) throw new InvalidInput(R.pdfEncrypted);
      return;
    }
  }
  throw new InvalidInput(R.pdfDamaged);
}

/** A trailer outside the last 2 KB (a long trailer): read forward from the table in 64 KB steps. */
async function trailerAfter(fh: FileHandle, start: number, size: number): Promise<string> {
  for (let p = start; p < size; p += 64 * 1024 - 16) {
    const text = (await readAt(fh, p, 64 * 1024)).toString('latin1');
    const t = text.indexOf('trailer');
    if (t >= 0) return (await readAt(fh, p + t, 4096)).toString('latin1').split('startxref')[0]!;
  }
  return '';
}

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  local: number;
}

/** The entries the central directory lists (read by position), or null when it is not a readable zip. */
async function centralDirectory(fh: FileHandle, size: number): Promise<ZipEntry[] | 'tooMany' | null> {
  const tailStart = Math.max(0, size - 22 - 0xffff);
  const tail = await readAt(fh, tailStart, size - tailStart);
  let eocd = -1;
  for (let p = tail.length - 22; p >= 0; p--)
    if (tail.readUInt32LE(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd < 0) return null;
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count > DOCUMENT_ZIP_LIMITS.entries || cdSize > DOCUMENT_ZIP_LIMITS.directoryBytes) return 'tooMany';
  if (count === 0xffff || cdOffset === 0xffffffff || cdOffset + cdSize > size) return null;
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  for (let i = 0, p = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) return null;
    const nameLength = cd.readUInt16LE(p + 28);
    entries.push({
      name: cd.toString('utf8', p + 46, p + 46 + nameLength),
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressed: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      local: cd.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
  }
  return entries;
}

function zipKind(names: Set<string>): DocumentKind | null {
  if (names.has('[Content_Types].xml') && names.has('word/document.xml')) return 'docx';
  if (names.has('xl/workbook.xml')) return 'xlsx';
  if (names.has('OFD.xml')) return 'ofd';
  return null;
}

/** The kind of document zip this is (null: none of ours); throws when it is damaged or a bomb. */
async function checkZip(
  fh: FileHandle,
  path: string,
  size: number,
  label: string,
): Promise<DocumentKind | null> {
  const entries = await centralDirectory(fh, size);
  if (entries === 'tooMany') throw new InvalidInput(R.zipBomb);
  if (!entries) throw new InvalidInput(R.zipDamaged(label));
  const kind = zipKind(new Set(entries.map((e) => e.name)));
  if (!kind) return null;
  let declared = 0;
  for (const e of entries) {
    // 0xffffffff marks a ZIP64 entry (over 4 GB): no document needs one
    if (e.size === 0xffffffff || e.compressed === 0xffffffff) throw new InvalidInput(R.zipBomb);
    if (e.size > MB && e.size > DOCUMENT_ZIP_LIMITS.ratio * e.compressed) throw new InvalidInput(R.zipBomb);
    declared += e.size;
  }
  if (declared > DOCUMENT_ZIP_LIMITS.totalBytes) throw new InvalidInput(R.zipBomb);
  let inflated = 0;
  for (const e of entries) {
    if (e.flags & 0x0001 || (e.method !== 0 && e.method !== 8)) throw new InvalidInput(R.zipDamaged(label));
    const local = await readAt(fh, e.local, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50)
      throw new InvalidInput(R.zipDamaged(label));
    const start = e.local + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (start + e.compressed > size) throw new InvalidInput(R.zipDamaged(label));
    const result = await inflateEntry(path, start, e, DOCUMENT_ZIP_LIMITS.totalBytes - inflated);
    if (result === 'bomb') throw new InvalidInput(R.zipBomb);
    if (result === 'damaged') throw new InvalidInput(R.zipDamaged(label));
    inflated += result;
  }
  return kind;
}

/**
 * Inflates one entry from the file without keeping it. Resolves to its size, or 'bomb' at the first
 * chunk past its declared size or past what the total still allows, or 'damaged' (bad deflate data,
 * wrong checksum or short).
 */
function inflateEntry(
  path: string,
  start: number,
  e: ZipEntry,
  room: number,
): Promise<number | 'bomb' | 'damaged'> {
  if (e.compressed === 0) return Promise.resolve(e.size === 0 ? 0 : 'damaged');
  return new Promise((resolve) => {
    const source = createReadStream(path, { start, end: start + e.compressed - 1, highWaterMark: 64 * 1024 });
    const sink = e.method === 8 ? createInflateRaw({ chunkSize: 64 * 1024 }) : null;
    let crc = 0;
    let bytes = 0;
    let settled = false;
    const finish = (v: number | 'bomb' | 'damaged') => {
      if (settled) return;
      settled = true;
      source.destroy();
      sink?.destroy();
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > e.size || bytes > room) return finish('bomb');
      crc = crc32(chunk, crc);
    };
    const onEnd = () => finish(bytes === e.size && crc === e.crc ? bytes : 'damaged');
    source.on('error', () => finish('damaged'));
    if (!sink) {
      source.on('data', (c) => onData(c as Buffer));
      source.on('end', onEnd);
      return;
    }
    sink.on('data', onData);
    sink.on('end', onEnd);
    sink.on('error', () => finish('damaged'));
    source.pipe(sink);
  });
}
