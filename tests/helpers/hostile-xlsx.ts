/**
 * Hostile workbooks, as an attack run uploads them: small files that inflate to far more than any import
 * needs (a shared-string table of 250 MB, a deflate bomb, a million cells, too many strings or
 * characters). Built in memory without ever holding the inflated content whole (yazl and zlib streams);
 * used by the unit and HTTP tests and by the bench's `bomb` phase.
 */
import { Readable } from 'node:stream';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import yazl from 'yazl';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
export const WORKBOOK_XML =
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
  '<sheets><sheet name="点位" sheetId="1" r:id="rId1"/></sheets></workbook>';
export const RELS_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;
const SHEET_HEAD = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN_NS}"><sheetData>`;
const SHEET_TAIL = '</sheetData></worksheet>';
/** a header row of the sites import, as shared strings 0 and 1 */
const HEADER_ROW = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>';
const SST_HEAD = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="${MAIN_NS}">`;
const SST_TAIL = '</sst>';
const SMALL_SST = `${SST_HEAD}<si><t>点位名称</t></si><si><t>点位类型</t></si>${SST_TAIL}`;

/** Text made of `count` pieces produced by `piece(i)`, streamed in chunks of about 1 MB. */
function streamed(head: string, count: number, piece: (i: number) => string, tail: string): Readable {
  return Readable.from(
    (function* () {
      yield Buffer.from(head);
      let chunk = '';
      for (let i = 0; i < count; i++) {
        chunk += piece(i);
        if (chunk.length > 1 << 20) {
          yield Buffer.from(chunk);
          chunk = '';
        }
      }
      yield Buffer.from(chunk + tail);
    })(),
  );
}

/** A workbook of one sheet with the given sheet and shared-string parts, zipped by yazl. */
function workbook(sheet: Readable | string, sst: Readable | string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const add = (content: Readable | string, name: string) =>
    typeof content === 'string'
      ? zip.addBuffer(Buffer.from(content), name)
      : zip.addReadStream(content, name);
  add(RELS_XML, 'xl/_rels/workbook.xml.rels');
  add(WORKBOOK_XML, 'xl/workbook.xml');
  add(sst, 'xl/sharedStrings.xml');
  add(sheet, 'xl/worksheets/sheet1.xml');
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

const SMALL_SHEET = SHEET_HEAD + HEADER_ROW + SHEET_TAIL;

/** The attack run's file: a shared-string table of about `mb` MB (250) in a file of well under 1 MB. */
export function sharedStringsBomb(mb = 250): Promise<Buffer> {
  const si = `<si><t>${'文明城市创建测评'.repeat(20)}</t></si>`; // 499 bytes
  const count = Math.ceil((mb * 1024 * 1024) / Buffer.byteLength(si));
  return workbook(
    SMALL_SHEET,
    streamed(SST_HEAD, count, () => si, SST_TAIL),
  );
}

/** 400,000 different short strings (≈ 9 MB): more strings than any import has cells for. */
export function manySharedStrings(count = 400_000): Promise<Buffer> {
  return workbook(
    SMALL_SHEET,
    streamed(SST_HEAD, count, (i) => `<si><t>点位${i}</t></si>`, SST_TAIL),
  );
}

/** About 9 million characters of text that does not compress (base64 of random bytes) in 900 strings. */
export function longSharedStrings(chars = 9_000_000): Promise<Buffer> {
  const per = 10_000;
  return workbook(
    SMALL_SHEET,
    streamed(
      SST_HEAD,
      Math.ceil(chars / per),
      () => `<si><t>${randomBytes((per * 3) / 4).toString('base64')}</t></si>`,
      SST_TAIL,
    ),
  );
}

/** A sheet of `rows` rows × 20 numeric cells: a million cells in ≈ 2 MB. */
export function millionCells(rows = 50_000): Promise<Buffer> {
  const cols = 'ABCDEFGHIJKLMNOPQRST';
  const row = (i: number) => {
    const r = i + 2;
    let s = `<row r="${r}">`;
    for (let c = 0; c < cols.length; c++) s += `<c r="${cols[c]}${r}"><v>${(r * 7 + c * 13) % 997}</v></c>`;
    return `${s}</row>`;
  };
  return workbook(streamed(SHEET_HEAD + HEADER_ROW, rows, row, SHEET_TAIL), SMALL_SST);
}

/** `rows` rows without cells, as a sheet formatted down to row 150,000 may have. */
export function manyRows(rows = 150_000): Promise<Buffer> {
  return workbook(
    streamed(
      SHEET_HEAD + HEADER_ROW,
      rows,
      (i) => `<row r="${i + 2}" ht="20" customHeight="1"/>`,
      SHEET_TAIL,
    ),
    SMALL_SST,
  );
}

/** `mb` MB of one byte repeated, deflated as a stream (never held inflated). */
async function deflatedRepeat(mb: number, byte = 0x20): Promise<{ data: Buffer; crc: number; size: number }> {
  const block = Buffer.alloc(1 << 20, byte);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  let crc = 0;
  for (let i = 0; i < mb; i++) {
    crc = crc32(block, crc);
    if (!deflate.write(block)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await ended;
  return { data: Buffer.concat(out), crc, size: mb << 20 };
}

interface RawEntry {
  name: string;
  method: 0 | 8;
  data: Buffer;
  crc: number;
  /** the uncompressed size written in the headers (a bomb may lie) */
  size: number;
}

/** A zip written by hand, so an entry can declare any size. */
function handZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const n = Buffer.from(e.name);
    const fields = (b: Buffer, at: number) => {
      b.writeUInt16LE(e.method, at);
      b.writeUInt32LE(e.crc, at + 6);
      b.writeUInt32LE(e.data.length, at + 10);
      b.writeUInt32LE(e.size, at + 14);
      b.writeUInt16LE(n.length, at + 18);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 8);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    fields(central, 10);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, e.data);
    centrals.push(central, n);
    offset += 30 + n.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A zip of the given files with honest headers, deflated or stored: workbooks made by hand, and non-workbooks. */
export function zipOf(files: Record<string, string>, deflate = false): Buffer {
  return handZip(
    Object.entries(files).map(([name, content]) => {
      const raw = Buffer.from(content);
      const data = deflate ? deflateRawSync(raw) : raw;
      return { name, method: deflate ? 8 : 0, data, crc: crc32(raw), size: raw.length };
    }),
  );
}

const stored = (name: string, text: string): RawEntry => {
  const data = Buffer.from(text);
  return { name, method: 0, data, crc: crc32(data), size: data.length };
};

/**
 * A sheet entry that inflates to `mb` MB of spaces. Honest, its header says so; lying (`declaredMb`),
 * it claims a size within every bound and only inflating it shows the truth.
 */
export async function deflateBomb(mb = 1024, declaredMb?: number): Promise<Buffer> {
  const bomb = await deflatedRepeat(mb);
  return handZip([
    stored('xl/_rels/workbook.xml.rels', RELS_XML),
    stored('xl/workbook.xml', WORKBOOK_XML),
    stored('xl/sharedStrings.xml', SMALL_SST),
    {
      name: 'xl/worksheets/sheet1.xml',
      method: 8,
      data: bomb.data,
      crc: bomb.crc,
      size: declaredMb === undefined ? bomb.size : declaredMb << 20,
    },
  ]);
}
