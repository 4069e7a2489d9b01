/**
 * What a unit may upload for a document task, decided from the bytes of a file on disk: every accepted
 * kind passes, and every refusal (#18 "Bad input") carries its exact message. The PDFs are written by hand
 * with their cross-reference offsets computed here; the zips come from the hostile-workbook helper.
 */
import { mkdtemp, readFile, rm, truncate, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../src/errors.ts';
import { inspectDocument, safeDocumentName } from '../../src/documents/inspect.ts';
import { DOCUMENT_KINDS, DOCUMENT_LIMITS, kindOfExtension } from '../../src/documents/kinds.ts';
import { deflateBomb, zipOf } from '../helpers/hostile-xlsx.ts';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-documents-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes the bytes to a fresh temp file (as an upload would be) and inspects it under `name`. */
async function inspect(bytes: Buffer | string, name: string) {
  const path = join(dir, `upload-${n++}`);
  await writeFile(path, bytes);
  return inspectDocument(path, name);
}

async function refusal(bytes: Buffer | string, name: string): Promise<string> {
  const err = await inspect(bytes, name).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInput);
  return (err as InvalidInput).message;
}

const PAGES = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
];

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

/** A one-page PDF with a classic xref table; `shift` moves startxref off the table. */
function classicPdf(opts: { encrypt?: boolean; shift?: number } = {}): Buffer {
  const bodies = [...PAGES];
  if (opts.encrypt) bodies.push('<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 >>');
  const { text, offsets } = objects('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', bodies);
  const xrefAt = Buffer.byteLength(text, 'latin1');
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const encrypt = opts.encrypt ? ' /Encrypt 4 0 R /ID [<01> <01>]' : '';
  const tail =
    `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${rows}` +
    `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R${encrypt} >>\n` +
    `startxref\n${xrefAt + (opts.shift ?? 0)}\n%%EOF\n`;
  return Buffer.from(text + tail, 'latin1');
}

/** A one-page PDF 1.5 whose cross-reference is a stream (object 4). */
function xrefStreamPdf(encrypt = false): Buffer {
  const { text, offsets } = objects('%PDF-1.5\n', PAGES);
  const xrefAt = Buffer.byteLength(text, 'latin1');
  const row = (type: number, offset: number, gen: number) => {
    const b = Buffer.alloc(7);
    b.writeUInt8(type, 0);
    b.writeUInt32BE(offset, 1);
    b.writeUInt16BE(gen, 5);
    return b;
  };
  const data = Buffer.concat([row(0, 0, 65535), ...offsets.map((o) => row(1, o, 0)), row(1, xrefAt, 0)]);
  const dict = `<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Length ${data.length}${encrypt ? ' /Encrypt 9 0 R' : ''} >>`;
  return Buffer.concat([
    Buffer.from(`${text}4 0 obj\n${dict}\nstream\n`, 'latin1'),
    data,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`, 'latin1'),
  ]);
}

const DOCX = zipOf(
  {
    '[Content_Types].xml':
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    '_rels/.rels': '<?xml version="1.0"?><Relationships/>',
    'word/document.xml':
      '<?xml version="1.0"?><w:document><w:body><w:p>志愿服务记录</w:p></w:body></w:document>',
  },
  true,
);
const OFD = zipOf({
  'OFD.xml': '<ofd:OFD DocType="OFD" Version="1.0"/>',
  'Doc_0/Document.xml': '<ofd:Document/>',
});
const OLE2 = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
const HEIC = Buffer.concat([
  Buffer.from('00000018667479706865696300000000', 'hex'),
  Buffer.from('mif1heic'),
  Buffer.alloc(64),
]);

let jpeg: Buffer;
let png: Buffer;
let xlsx: Buffer;
beforeAll(async () => {
  jpeg = await readFile(new URL('../fixtures/photos/Canon_40D.jpg', import.meta.url));
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } })
    .png()
    .toBuffer();
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('台账').addRow(['社区', '志愿服务时长']);
  xlsx = Buffer.from(await wb.xlsx.writeBuffer());
});

describe('accepted kinds', () => {
  it('are served inline (PDF, images) or as attachments (Office, OFD), within 20 MB and 10 files', () => {
    expect(Object.values(DOCUMENT_KINDS).map((k) => `${k.kind}:${k.disposition}`)).toEqual([
      'pdf:inline',
      'docx:attachment',
      'xlsx:attachment',
      'ofd:attachment',
      'jpeg:inline',
      'png:inline',
    ]);
    expect(DOCUMENT_LIMITS).toMatchObject({ maxBytes: 20 * 1024 * 1024, maxFilesPerTask: 10 });
    expect(kindOfExtension('JPG')).toBe('jpeg');
    expect(kindOfExtension('doc')).toBeNull();
  });

  it('are told from their bytes', async () => {
    expect(await inspect(classicPdf(), '工作方案.pdf')).toBe('pdf');
    expect(await inspect(xrefStreamPdf(), '工作方案.PDF')).toBe('pdf');
    expect(await inspect(DOCX, '情况说明.docx')).toBe('docx');
    expect(await inspect(xlsx, '统计表格.xlsx')).toBe('xlsx');
    expect(await inspect(OFD, '规范文件.ofd')).toBe('ofd');
    expect(await inspect(jpeg, '实景图片.jpg')).toBe('jpeg');
    expect(await inspect(jpeg, '实景图片.jpeg')).toBe('jpeg');
    expect(await inspect(png, '截图.png')).toBe('png');
  });

  it('a PDF of exactly 20 MB is accepted, checked by position (head, tail, the xref it points at)', async () => {
    const small = classicPdf();
    const cut = small.indexOf('xref\n0 ');
    const size = DOCUMENT_LIMITS.maxBytes;
    // the same table, moved to the end of a 20 MB file; the gap is NUL bytes, which PDF reads as white space
    const table = small.subarray(cut).toString('latin1');
    const end = (at: number) => Buffer.from(table.replace(/startxref\n\d+/, `startxref\n${at}`), 'latin1');
    const tail = end(size - end(size).length);
    const path = join(dir, 'big.pdf');
    const fh = await open(path, 'w');
    await fh.write(small, 0, cut, 0);
    await fh.write(tail, 0, tail.length, size - tail.length);
    await fh.close();
    expect(await inspectDocument(path, '创建工作台账.pdf')).toBe('pdf');
  });

  it('the inspector never reads a whole file (design review, checked on its source)', async () => {
    const source = await readFile(new URL('../../src/documents/inspect.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/readFile|readFileSync/);
  });
});

describe('refusals', () => {
  it('an empty file, a file over 20 MB', async () => {
    expect(await refusal('', '空文件.pdf')).toBe('文件是空的（0 字节），请选择正确的文件后重新上传');
    const path = join(dir, 'sparse.pdf');
    await writeFile(path, classicPdf());
    await truncate(path, DOCUMENT_LIMITS.maxBytes + 1);
    await expect(inspectDocument(path, '大文件.pdf')).rejects.toThrow('文件超过 20 MB，请压缩或拆分后再上传');
  });

  it('names with path parts, control characters or over 200 characters', async () => {
    const path = '文件名不能包含路径（“/”“\\”或“..”），请重命名文件后再上传';
    expect(await refusal(classicPdf(), '../../etc/方案.pdf')).toBe(path);
    expect(await refusal(classicPdf(), '..\\方案.pdf')).toBe(path);
    expect(await refusal(classicPdf(), '方案\u0007.pdf')).toBe(
      '文件名含有不可见的控制字符，请重命名文件后再上传',
    );
    expect(await refusal(classicPdf(), `${'长'.repeat(197)}.pdf`)).toBe(
      '文件名过长（超过 200 个字符），请缩短文件名后再上传',
    );
    expect(await inspect(classicPdf(), `${'长'.repeat(196)}.pdf`)).toBe('pdf');
  });

  it('old Office / WPS files, by their bytes or their extension, with advice', async () => {
    const advice =
      '不支持旧版 Office / WPS 格式（.doc、.xls、.wps），请在 Word、Excel 或 WPS 中“另存为” PDF，或另存为 .docx / .xlsx（兼容格式）后再上传；如果文件设置了打开密码，请先取消密码';
    for (const name of ['情况说明.doc', '统计表.xls', '台账.wps', '改了扩展名.docx', '改了扩展名.pdf'])
      expect(await refusal(OLE2, name)).toBe(advice);
    expect(await refusal(classicPdf(), '其实是PDF.doc')).toBe(advice);
  });

  it('HEIC / HEIF photos, with the iPhone setting to change', async () => {
    const advice =
      '不支持 HEIC / HEIF 格式的照片，请改用 JPEG 格式（iPhone：设置 → 相机 → 格式 → 兼容性最佳）后重新拍摄或导出再上传';
    expect(await refusal(HEIC, 'IMG_0001.heic')).toBe(advice);
    expect(await refusal(HEIC, 'IMG_0001.jpg')).toBe(advice);
  });

  it('kinds outside the list, and bytes that do not match the extension', async () => {
    expect(await refusal('<html></html>', '页面.html')).toBe(
      '不支持此类型的文件，请上传 PDF、Word（.docx）、Excel（.xlsx）、OFD、JPEG 或 PNG 文件',
    );
    expect(await refusal(classicPdf(), '没有扩展名')).toBe(
      '不支持此类型的文件，请上传 PDF、Word（.docx）、Excel（.xlsx）、OFD、JPEG 或 PNG 文件',
    );
    const mismatch = '文件内容与扩展名不符，请确认选择的是正确的文件，不要手动修改扩展名';
    expect(await refusal(png, '截图.pdf')).toBe(mismatch);
    expect(await refusal(jpeg, '照片.png')).toBe(mismatch);
    expect(await refusal(classicPdf(), '方案.docx')).toBe(mismatch);
    expect(await refusal(DOCX, '情况说明.xlsx')).toBe(mismatch);
    expect(await refusal(xlsx, '统计表格.docx')).toBe(mismatch);
    expect(await refusal(OFD, '规范文件.docx')).toBe(mismatch);
  });

  it('damaged PDFs: no header, no %%EOF (truncated), startxref beside the table', async () => {
    const damaged = 'PDF 文件已损坏或不完整，请重新导出或“另存为” PDF 后再上传';
    expect(await refusal('这不是PDF', '方案.pdf')).toBe(damaged);
    const whole = classicPdf();
    expect(await refusal(whole.subarray(0, whole.length - 40), '方案.pdf')).toBe(damaged);
    expect(await refusal(classicPdf({ shift: 7 }), '方案.pdf')).toBe(damaged);
    expect(await refusal(classicPdf({ shift: -30 }), '方案.pdf')).toBe(damaged);
    const stream = xrefStreamPdf();
    const wrong = Buffer.from(
      stream.toString('latin1').replace(/startxref\n(\d+)/, 'startxref\n9'),
      'latin1',
    );
    expect(await refusal(wrong, '方案.pdf')).toBe(damaged);
  });

  it('encrypted PDFs: /Encrypt in the trailer or the xref stream', async () => {
    expect(await refusal(classicPdf({ encrypt: true }), '加密.pdf')).toBe('PDF 已加密，请去掉密码后再上传');
    expect(await refusal(xrefStreamPdf(true), '加密.pdf')).toBe('PDF 已加密，请去掉密码后再上传');
  });

  it('zips without the parts of their kind, or damaged', async () => {
    expect(await refusal(zipOf({ 'a.txt': 'hello' }), '情况说明.docx')).toBe(
      'Word 文档（.docx）已损坏或不完整，请重新打开并另存为新文件后再上传',
    );
    expect(await refusal(DOCX.subarray(0, DOCX.length - 30), '情况说明.docx')).toBe(
      'Word 文档（.docx）已损坏或不完整，请重新打开并另存为新文件后再上传',
    );
  });

  it('zip bombs, honest about their size or lying about it', async () => {
    const bomb = '文件解压后过大，可能已损坏或含有恶意内容，请重新保存为新文件后再上传';
    expect(await refusal(await deflateBomb(300), '统计表格.xlsx')).toBe(bomb);
    // declares 1 MB, inflates to 64 MB: refused at the first chunk past the 1 MB it declared
    expect(await refusal(await deflateBomb(64, 1), '统计表格.xlsx')).toBe(bomb);
  });
});

describe('safeDocumentName', () => {
  it('keeps a readable name without path, controls or characters Windows refuses, bounded', () => {
    expect(safeDocumentName('../../etc/志愿服务记录.pdf')).toBe('志愿服务记录.pdf');
    expect(safeDocumentName('C:\\Users\\a\\方案\u0000\u202e.docx')).toBe('方案.docx');
    expect(safeDocumentName('表<1>:"2"?.xlsx')).toBe('表_1___2__.xlsx');
    expect(safeDocumentName('   ')).toBe('未命名文件');
    const long = safeDocumentName(`${'长'.repeat(300)}.pdf`);
    expect([...long].length).toBe(200);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});
