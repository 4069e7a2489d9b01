/**
 * Turns an accepted upload into the two JPEGs people look at: the display version (right way up,
 * longest side ≤ 1600 px including the caption band, no EXIF) and a small thumbnail. The upload is
 * decoded once, to its last byte, with sharp's strictest failOn level ('warning'): metadata() alone
 * accepts truncated or damaged files, and a photo that cannot be read completely is not evidence.
 * JPEG shrink-on-load (libjpeg still reads every block, at 1/2–1/8 scale) keeps the decode of a
 * 12-megapixel phone photo near 100 ms; display and thumbnail are both made from that one decode.
 */
import sharp, { type OutputInfo } from 'sharp';
import { bandFontSize, BAND_BACKGROUND, prepareLines, renderBand, type Band } from './watermark.ts';
import type { WatermarkFont } from './font.ts';

export const DISPLAY_MAX = 1600;
export const THUMB_MAX = 320;

export interface Rendered {
  display: Buffer;
  thumb: Buffer;
}

/** Raised when the pixels cannot be read; store.ts turns it into a PhotoRejected. */
export class UndecodablePhoto extends Error {}

interface Layout {
  width: number;
  height: number;
  band: Band | null;
}

/**
 * Picture size and band for a photo shown `width`×`height` (after EXIF rotation). The band's height
 * depends on the width it wraps in, so the fit is tried again with room for the band until both fit.
 */
async function layout(width: number, height: number, lines: string[], font: WatermarkFont): Promise<Layout> {
  let roomForPicture = DISPLAY_MAX;
  let result: Layout = { width, height, band: null };
  for (let attempt = 0; attempt < 4; attempt++) {
    const scale = Math.min(1, DISPLAY_MAX / width, roomForPicture / height);
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const band = await renderBand(w, bandFontSize(w, h), lines, font);
    result = { width: w, height: h, band };
    const total = h + (band?.height ?? 0);
    if (total <= DISPLAY_MAX && w <= DISPLAY_MAX) break;
    roomForPicture = Math.max(DISPLAY_MAX / 4, roomForPicture - (total - DISPLAY_MAX));
  }
  return result;
}

/**
 * `shown` is the photo's size as displayed (EXIF orientation applied), from its header. `maxPixels`
 * is passed on to libvips as a second guard against decompression bombs.
 */
export async function renderPhoto(
  buf: Buffer,
  shown: { width: number; height: number },
  captions: { lines: string[]; font: WatermarkFont },
  maxPixels: number,
): Promise<Rendered> {
  const lines = prepareLines(captions.lines, captions.font);
  const { width, height, band } = await layout(shown.width, shown.height, lines, captions.font);
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(buf, { failOn: 'warning', limitInputPixels: maxPixels, autoOrient: true })
      .resize({ width, height, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new UndecodablePhoto((err as Error).message);
  }
  const { data, info } = decoded;
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const display = sharp(data, raw);
  if (band) {
    display.extend({ bottom: band.height, background: BAND_BACKGROUND }).composite([
      {
        input: band.text,
        raw: { width: band.textWidth, height: band.textHeight, channels: 4 },
        left: band.pad,
        top: info.height + band.pad,
      },
    ]);
  }
  const [displayJpeg, thumbJpeg] = await Promise.all([
    display.jpeg({ quality: 82, optimiseCoding: false }).toBuffer(),
    sharp(data, raw)
      .resize({ width: THUMB_MAX, height: THUMB_MAX, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 78, optimiseCoding: false })
      .toBuffer(),
  ]);
  return { display: displayJpeg, thumb: thumbJpeg };
}
