/**
 * Documents a unit might upload, built by hand for tests: a real one-page PDF (its cross-reference
 * offsets computed here, so viewers open it), a damaged one (no %%EOF, or startxref pointing nowhere),
 * an encrypted one, a .docx and an .xlsx, a .docx zip bomb (an entry that inflates far past the size
 * its header declares), a JPEG from the shared fixtures, and a multipart form to post them.
 */
import { readFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import type { Booted } from '../../src/boot.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { roundTasks, type DocumentTaskRow } from '../../src/db/repos/document-tasks.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';
import { unitIdOfUser, versionIdOf } from './ids.ts';

/** Objects 1…n in order after the header, each with its byte offset. */
function objects(header: string, bodies: string[]): { text: string; offsets: number[] } {
  let text = header;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text, 'latin1'));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  return { text, offsets };
}

/**
 * A one-page PDF with a line of text and a classic xref table. `encrypt` adds an /Encrypt dictionary,
 * `shift` moves startxref off the table, `noEof` leaves out the end marker.
 */
export function pdf(
  opts: { title?: string; encrypt?: boolean; shift?: number; noEof?: boolean; padding?: number } = {},
): Buffer {
  const title = (opts.title ?? 'Test document').replace(/[\\()]/g, '');
  const stream = `BT /F1 24 Tf 40 760 Td (${title}) Tj ET`;
  const bodies = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  // a comment before the objects makes the file as large as asked (a slow upload, a size limit)
  if (opts.padding) bodies.push(`<< /Padding (${'x'.repeat(opts.padding)}) >>`);
  if (opts.encrypt) bodies.push('<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 >>');
  const { text, offsets } = objects('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', bodies);
  const xrefAt = Buffer.byteLength(text, 'latin1');
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const encrypt = opts.encrypt ? ` /Encrypt ${bodies.length} 0 R /ID [<01> <01>]` : '';
  const tail =
    `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${rows}` +
    `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R${encrypt} >>\n` +
    `startxref\n${xrefAt + (opts.shift ?? 0)}\n${opts.noEof ? '' : '%%EOF\n'}`;
  return Buffer.from(text + tail, 'latin1');
}

export const validPdf = (title?: string): Buffer => pdf({ title });
export const damagedPdf = (): Buffer => pdf({ noEof: true });
export const badStartxrefPdf = (): Buffer => pdf({ shift: 7 });
export const encryptedPdf = (): Buffer => pdf({ encrypt: true });

interface Entry {
  name: string;
  data: Buffer;
  method: 0 | 8;
  crc: number;
  size: number;
}

/** A zip written by hand, so a test can make its headers say what it likes. */
export function zip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt32LE(e.crc, 16);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(e.size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    central.push(cd, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const deflated = (name: string, text: string | Buffer): Entry => {
  const raw = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return { name, data: deflateRawSync(raw), method: 8, crc: crc32(raw), size: raw.length };
};

const CONTENT_TYPES =
  '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';

export function docx(text = '志愿服务记录'): Buffer {
  return zip([
    deflated('[Content_Types].xml', CONTENT_TYPES),
    deflated('_rels/.rels', '<?xml version="1.0"?><Relationships/>'),
    deflated(
      'word/document.xml',
      `<?xml version="1.0"?><w:document><w:body><w:p>${text}</w:p></w:body></w:document>`,
    ),
  ]);
}

export function xlsx(): Buffer {
  return zip([
    deflated('[Content_Types].xml', CONTENT_TYPES),
    deflated('xl/workbook.xml', '<?xml version="1.0"?><workbook><sheets/></workbook>'),
  ]);
}

/** A .docx whose document inflates to `mb` MB while its header declares 1 KB (a lying zip bomb). */
export function docxBomb(mb = 8): Buffer {
  const body = deflated('word/document.xml', Buffer.alloc(mb * 1024 * 1024, 0x20));
  return zip([
    deflated('[Content_Types].xml', CONTENT_TYPES),
    deflated('_rels/.rels', '<?xml version="1.0"?><Relationships/>'),
    { ...body, size: 1024 },
  ]);
}

/** A real camera JPEG from the fixtures (tests/fixtures/photos: copies of the shared camera photos). */
export function jpeg(): Buffer {
  return readFileSync(new URL('../fixtures/photos/Canon_40D.jpg', import.meta.url));
}

/** A form with these files under `field` (each a name and its bytes) and other fields. */
export function filesForm(
  field: string,
  files: { name: string; bytes: Buffer; type?: string }[],
  fields: Record<string, string> = {},
): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  for (const f of files)
    form.append(
      field,
      new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }),
      f.name,
    );
  return form;
}

/**
 * Opens a 综合测评 round (field + document) on district-2026-2 in the test app's database, as the office
 * would through the services; its tasks go out to every 社区, 镇街, department and the district. Their
 * deadlines are then moved to `dueInDays` days from today, so the tests read the same on any date.
 */
export function openDocumentRound(
  booted: Booted,
  name = `综合测评 ${Math.random()}`,
  dueInDays = 19,
): number {
  const id = createRound({ db: booted.db, criteria: booted.criteria }, SYSTEM, {
    name,
    criteriaVersionId: versionIdOf(booted.db, 'district-2026-2'),
    startsOn: '2026-12-01',
    endsOn: '2026-12-31',
    selection: { mode: 'all' },
    methods: ['field', 'document'],
  });
  openRound(booted.db, SYSTEM, id);
  booted.db
    .prepare('UPDATE document_tasks SET due_on = ? WHERE round_id = ?')
    .run(addDays(shanghaiDate(), dueInDays), id);
  return id;
}

/** The round's tasks answered by this user's unit (not the units below it), in id order. */
export function tasksOfUser(booted: Booted, roundId: number, username: string): DocumentTaskRow[] {
  const unit = unitIdOfUser(booted.db, username);
  return roundTasks(booted.db, roundId).filter((t) => t.unit_id === unit);
}
