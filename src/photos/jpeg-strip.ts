/**
 * A small JPEG's thumbnail without decoding it. A photo that already fits the thumbnail (≤ 320 px),
 * stands the right way up and has no colour profile looks exactly like itself: its thumbnail is the
 * original's own compressed picture with every metadata segment (EXIF with its GPS, XMP, comments,
 * maker data) left out and nothing after the image's end kept (a phone's "motion photo" video, for one).
 * Nothing is decoded or encoded again, so there is no second generation of JPEG loss either.
 *
 * Only what every browser draws the same way passes: 8-bit baseline, extended or progressive Huffman
 * JPEG with one or three components. Anything else (an Adobe colour-transform marker, arithmetic
 * coding, lossless, 12-bit, CMYK, a marker this walk does not know) answers null, and the caller
 * encodes the thumbnail from the pixels as before.
 */

/** Segments kept: frame headers (SOF0 baseline, SOF1 extended, SOF2 progressive), tables, restart interval. */
const SOF = new Set([0xc0, 0xc1, 0xc2]);
const TABLES = new Set([0xc4, 0xdb, 0xdd]);
const SOS = 0xda;
const EOI = 0xd9;
/** APP0–APP15 and COM: metadata, left out. APP14 (Adobe) is refused instead: it says how colours are coded. */
const isMetadata = (m: number) => (m >= 0xe0 && m <= 0xef && m !== 0xee) || m === 0xfe;

/** The end of a scan's entropy-coded data that starts at `at`: the position of the next real marker. */
export function scanEnd(buf: Buffer, at: number): number {
  for (let i = buf.indexOf(0xff, at); i !== -1 && i + 1 < buf.length; i = buf.indexOf(0xff, i + 1)) {
    const next = buf[i + 1]!;
    // 0xFF00 is a stuffed byte, 0xFFD0–D7 restart markers inside the scan, 0xFFFF fill
    if (next !== 0x00 && next !== 0xff && (next < 0xd0 || next > 0xd7)) return i;
  }
  return -1;
}

/** The JPEG `buf` with its metadata left out, or null when it is not one this module can vouch for. */
export function strippedJpeg(buf: Buffer): Buffer | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  const kept: Buffer[] = [buf.subarray(0, 2)];
  let at = 2;
  let frame = false;
  let scans = 0;
  while (at + 1 < buf.length) {
    if (buf[at] !== 0xff) return null;
    const marker = buf[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte before a marker
      continue;
    }
    if (marker === EOI) {
      if (!frame || scans === 0) return null;
      kept.push(buf.subarray(at, at + 2));
      return Buffer.concat(kept);
    }
    if (at + 4 > buf.length) return null;
    const end = at + 2 + buf.readUInt16BE(at + 2);
    if (end > buf.length || end < at + 4) return null;
    if (SOF.has(marker)) {
      const components = buf[at + 9];
      if (frame || buf[at + 4] !== 8 || (components !== 1 && components !== 3)) return null;
      frame = true;
      kept.push(buf.subarray(at, end));
    } else if (TABLES.has(marker)) {
      kept.push(buf.subarray(at, end));
    } else if (marker === SOS) {
      if (!frame) return null;
      const data = scanEnd(buf, end);
      if (data === -1) return null;
      kept.push(buf.subarray(at, data));
      scans++;
      at = data;
      continue;
    } else if (!isMetadata(marker)) {
      return null;
    }
    at = end;
  }
  return null;
}
