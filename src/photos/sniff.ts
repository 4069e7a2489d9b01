/**
 * What kind of file an upload really is, from its first bytes: the browser's Content-Type and the file
 * name are whatever the client says, so the pipeline never trusts them. Only JPEG, PNG and WebP are
 * photos we accept; everything else is named (HEIC, SVG, PDF…) so the refusal can say what to do.
 */
export type PhotoMime = 'image/jpeg' | 'image/png' | 'image/webp';

/** `null` means the buffer is empty; `unsupported` is a format name for the message, or '未知'. */
export type SniffResult = PhotoMime | { unsupported: string } | null;

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

// plain Uint8Array access (no Buffer methods), so the tablet's script runs the same checks on the
// first bytes of a picked file before queuing it (client/photo-check.ts)
function startsWith(buf: Uint8Array, bytes: number[], at = 0): boolean {
  return buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
}

function ascii(buf: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...buf.subarray(start, Math.min(end, buf.length)));
}

/** ISO base media files (HEIC, AVIF, MP4, MOV) start with an `ftyp` box listing their brands. */
function isoBrand(buf: Uint8Array): string | null {
  if (buf.length < 16 || ascii(buf, 4, 8) !== 'ftyp') return null;
  const boxSize = Math.min(
    ((buf[0]! << 24) | (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!) >>> 0,
    buf.length,
    256,
  );
  const brands = [ascii(buf, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(buf, at, at + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'AVIF';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'HEIC';
  return '视频';
}

/** SVG is XML text: skip a BOM and whitespace, then look for an <svg element near the start. */
function looksLikeSvg(buf: Uint8Array): boolean {
  const head = new TextDecoder()
    .decode(buf.subarray(0, 4096))
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('<') && /<svg[\s>]/i.test(head);
}

export function sniffImageType(buf: Uint8Array): SniffResult {
  if (buf.length === 0) return null;
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'image/webp';
  const brand = isoBrand(buf);
  if (brand) return { unsupported: brand };
  if (ascii(buf, 0, 4) === 'GIF8') return { unsupported: 'GIF' };
  if (ascii(buf, 0, 5) === '%PDF-') return { unsupported: 'PDF' };
  if (ascii(buf, 0, 4) === 'II*\0' || ascii(buf, 0, 4) === 'MM\0*') return { unsupported: 'TIFF/RAW' };
  if (ascii(buf, 0, 2) === 'BM' && buf.length > 26) return { unsupported: 'BMP' };
  if (ascii(buf, 0, 4) === '8BPS') return { unsupported: 'PSD' };
  if (startsWith(buf, [0xff, 0x0a]) || ascii(buf, 4, 8) === 'JXL ') return { unsupported: 'JPEG XL' };
  if (looksLikeSvg(buf)) return { unsupported: 'SVG' };
  return { unsupported: '未知' };
}
