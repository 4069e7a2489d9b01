// The demo's PDFs are real: the upload check (inspectDocument) accepts them, a cut-off copy is refused,
// and the cross-reference table points at every object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { samplePdf } from '../../src/documents/sample-pdf.ts';
import { inspectDocument } from '../../src/documents/inspect.ts';
import { DOCUMENT_REFUSALS } from '../../src/documents/kinds.ts';

let dir: string;
let photo: { jpeg: Buffer; width: number; height: number };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sample-pdf-'));
  const { data, info } = await sharp('assets/demo-photos/street-1.jpg')
    .resize({ width: 400 })
    .jpeg({ quality: 70 })
    .toBuffer({ resolveWithObject: true });
  photo = { jpeg: data, width: info.width, height: info.height };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const saved = async (name: string, bytes: Buffer) => {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
};

describe('samplePdf', () => {
  it('writes a PDF the upload check accepts, with a page per photo and the photo untouched inside', async () => {
    const pdf = samplePdf('Volunteer records 2026 (Q4)', [photo, photo]);
    expect(pdf.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
    expect(await inspectDocument(await saved('a.pdf', pdf), '志愿服务记录.pdf')).toBe('pdf');
    const text = pdf.toString('latin1');
    expect(text).toContain('/Count 2');
    expect(text).toContain('(Volunteer records 2026 \\(Q4\\) \\(1/2\\)) Tj');
    expect(pdf.indexOf(photo.jpeg)).toBeGreaterThan(0);
  });

  it('gives every object its true offset in the cross-reference table', () => {
    const pdf = samplePdf('Offsets', [photo]);
    const text = pdf.toString('latin1');
    const start = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
    expect(text.slice(start, start + 4)).toBe('xref');
    const rows = text
      .slice(start)
      .split('\n')
      .slice(3)
      .filter((l) => / 00000 n $/.test(l));
    expect(rows).toHaveLength(6); // catalog, pages, font, page, content, image
    rows.forEach((row, i) =>
      expect(text.slice(Number(row.slice(0, 10)))).toMatch(new RegExp(`^${i + 1} 0 obj\\n`)),
    );
  });

  it('writes a title-only page without photos', async () => {
    const pdf = samplePdf('No photo');
    expect(await inspectDocument(await saved('b.pdf', pdf), 'b.pdf')).toBe('pdf');
    expect(pdf.toString('latin1')).toContain('/Count 1');
  });

  it('is refused when cut off (no %%EOF, no startxref)', async () => {
    const pdf = samplePdf('Cut', [photo]);
    const cut = pdf.subarray(0, Math.floor(pdf.length * 0.6));
    await expect(inspectDocument(await saved('c.pdf', cut), 'c.pdf')).rejects.toThrow(
      DOCUMENT_REFUSALS.pdfDamaged,
    );
  });
});
