/**
 * A tiny writer of real PDF 1.4 files, for the demo's 材料审核 submissions and for tests: a catalog, a
 * page tree, and one A4 page per JPEG photo (embedded untouched as a /DCTDecode image XObject, scaled to
 * the page's width) under a one-line ASCII title in Helvetica. The cross-reference table carries the
 * byte offset of every object and `startxref` points at it, so the file passes inspectDocument and opens
 * in any viewer. Not a general PDF library: no fonts beyond the base 14, hence ASCII titles only.
 */

/** A JPEG to put on a page, with its size in pixels (sharp's metadata gives it). */
export interface PdfImage {
  jpeg: Buffer;
  width: number;
  height: number;
}

const PAGE = { width: 595, height: 842, margin: 40 };

/** Text in a PDF literal string: ASCII only (the base font has no CJK), with \ ( ) escaped. */
function literal(text: string): string {
  const ascii = [...text].map((ch) => (ch >= ' ' && ch <= '~' ? ch : '?')).join('');
  return `(${ascii.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

/** The page's drawing: the title at the top, then the image scaled into the rest of the page. */
function pageContent(title: string, image: PdfImage | null): string {
  const lines = [
    'BT',
    '/F1 14 Tf',
    `${PAGE.margin} ${PAGE.height - PAGE.margin - 14} Td`,
    `${literal(title)} Tj`,
    'ET',
  ];
  if (image) {
    const maxW = PAGE.width - 2 * PAGE.margin;
    const maxH = PAGE.height - 2 * PAGE.margin - 40;
    const scale = Math.min(maxW / image.width, maxH / image.height);
    const w = +(image.width * scale).toFixed(2);
    const h = +(image.height * scale).toFixed(2);
    const y = +(PAGE.height - PAGE.margin - 40 - h).toFixed(2);
    lines.push('q', `${w} 0 0 ${h} ${PAGE.margin} ${y} cm`, '/Im1 Do', 'Q');
  }
  return lines.join('\n');
}

/**
 * A PDF of one page per image (one page with the title alone when there are none). Every page carries
 * the title, followed by the page number when there are several.
 */
export function samplePdf(title: string, images: readonly PdfImage[] = []): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  const offsets: number[] = [];
  const write = (chunk: string | Buffer) => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    parts.push(b);
    length += b.length;
  };
  const object = (id: number, ...body: (string | Buffer)[]) => {
    offsets[id] = length;
    write(`${id} 0 obj\n`);
    for (const b of body) write(b);
    write('\nendobj\n');
  };

  const pages = images.length ? images.map((img) => img as PdfImage | null) : [null];
  // objects: 1 catalog, 2 page tree, 3 font, then per page: page, content, image (when there is one)
  const pageIds: number[] = [];
  let next = 4;
  const layout = pages.map((img) => {
    const ids = { page: next, content: next + 1, image: img ? next + 2 : 0 };
    next += img ? 3 : 2;
    pageIds.push(ids.page);
    return ids;
  });

  write('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(
    2,
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`,
  );
  object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  pages.forEach((img, i) => {
    const ids = layout[i]!;
    const pageTitle = pages.length > 1 ? `${title} (${i + 1}/${pages.length})` : title;
    const resources = img
      ? `<< /Font << /F1 3 0 R >> /XObject << /Im1 ${ids.image} 0 R >> >>`
      : '<< /Font << /F1 3 0 R >> >>';
    object(
      ids.page,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources ${resources} /Contents ${ids.content} 0 R >>`,
    );
    const content = pageContent(pageTitle, img);
    object(
      ids.content,
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n`,
      content,
      '\nendstream',
    );
    if (img)
      object(
        ids.image,
        `<< /Type /XObject /Subtype /Image /Width ${img.width} /Height ${img.height} /ColorSpace /DeviceRGB ` +
          `/BitsPerComponent 8 /Filter /DCTDecode /Length ${img.jpeg.length} >>\nstream\n`,
        img.jpeg,
        '\nendstream',
      );
  });

  const xref = length;
  const size = next;
  write(`xref\n0 ${size}\n0000000000 65535 f \n`);
  for (let id = 1; id < size; id++) write(`${String(offsets[id]).padStart(10, '0')} 00000 n \n`);
  write(`trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts, length);
}
