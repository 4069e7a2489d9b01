/**
 * Turns a stored original into the two JPEGs people look at: the display version (right way up,
 * longest side ≤ 1600 px including the caption band, no EXIF) and a small thumbnail. The original is
 * decoded once (a 12-megapixel phone photo at full size: sharp decodes a JPEG at half size only for a
 * reduction of 3 or more, and 4000 → 1600 is 2.5; README, Performance, session 25); the caption band is
 * laid under the picture in plain memory (a few copies and an alpha blend: libvips' extend + composite
 * cost more than the pixels for the photos of a typical sheet), and both versions are encoded from that
 * one decode.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { jpegWithBand, parseForBand, type Parsed } from './jpeg-band.ts';
import { strippedJpeg } from './jpeg-strip.ts';
import { bandFontSize, BAND_BACKGROUND, prepareLines, renderBand, type Band } from './watermark.ts';
import type { WatermarkFont } from './font.ts';

export const DISPLAY_MAX = 1600;
export const THUMB_MAX = 320;

export interface Rendered {
  /** null when no caption was asked for (only the thumbnail was wanted) */
  display: Buffer | null;
  thumb: Buffer;
}

/**
 * Photos of up to this many pixels get their display version from bandedAsIs (measured: a 320×240 photo
 * ≈ 1 ms of CPU against 4–5 ms decoded and encoded).
 */
const BANDED_AS_IS_PIXELS = 1_000_000;

/** Raised when the pixels cannot be read; the caller decides what that means. */
export class UndecodablePhoto extends Error {}

/**
 * Bands drawn lately, by width, size and lines: the lines repeat from photo to photo (a sheet's photos
 * share the site and the inspector, and the time line its minute when the photo has none of its own),
 * and Pango's layout and rasterising are a third of a small photo's versions. Bounded; oldest out first.
 */
const bands = new Map<string, Band | null>();
const BANDS_KEPT = 64;

async function bandFor(
  width: number,
  size: number,
  lines: string[],
  font: WatermarkFont,
): Promise<Band | null> {
  const key = `${width}\n${size}\n${font.file}\n${font.family}\n${lines.join('\n')}`;
  const known = bands.get(key);
  if (known !== undefined) return known;
  const band = await renderBand(width, size, lines, font);
  if (bands.size >= BANDS_KEPT) bands.delete(bands.keys().next().value!);
  bands.set(key, band);
  return band;
}

/** Forgets the bands drawn so far (tests compare with bands drawn afresh). */
export function forgetBands(): void {
  bands.clear();
}

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
    const band = await bandFor(w, bandFontSize(w, h), lines, font);
    result = { width: w, height: h, band };
    const total = h + (band?.height ?? 0);
    if (total <= DISPLAY_MAX && w <= DISPLAY_MAX) break;
    roomForPicture = Math.max(DISPLAY_MAX / 4, roomForPicture - (total - DISPLAY_MAX));
  }
  return result;
}

/**
 * The picture (RGB, `width`×`height`) with the band under it: the band's background, then the band's
 * white-on-transparent text blended over it (straight alpha, as libvips draws it), clipped to the image.
 */
export function withBand(picture: Buffer, width: number, height: number, band: Band): Buffer {
  const out = Buffer.allocUnsafe(width * (height + band.height) * 3);
  picture.copy(out, 0, 0, width * height * 3);
  const bg = [BAND_BACKGROUND.r, BAND_BACKGROUND.g, BAND_BACKGROUND.b];
  const row = Buffer.allocUnsafe(width * 3);
  for (let x = 0; x < width; x++) {
    row[x * 3] = bg[0]!;
    row[x * 3 + 1] = bg[1]!;
    row[x * 3 + 2] = bg[2]!;
  }
  for (let y = 0; y < band.height; y++) row.copy(out, (height + y) * width * 3);
  const w = Math.min(band.textWidth, width - band.pad);
  const h = Math.min(band.textHeight, band.height - band.pad);
  const text = band.text;
  for (let y = 0; y < h; y++) {
    let o = ((height + band.pad + y) * width + band.pad) * 3;
    let t = y * band.textWidth * 4;
    for (let x = 0; x < w; x++, o += 3, t += 4) {
      const a = text[t + 3]!;
      if (a === 0) continue;
      const keep = 255 - a;
      out[o] = (text[t]! * a + out[o]! * keep + 127) / 255;
      out[o + 1] = (text[t + 1]! * a + out[o + 1]! * keep + 127) / 255;
      out[o + 2] = (text[t + 2]! * a + out[o + 2]! * keep + 127) / 255;
    }
  }
  return out;
}

/**
 * The thumbnail of a photo that needs no work to be one (jpeg-strip.ts): a JPEG within THUMB_MAX, the
 * right way up, with no colour profile (its pixels are already what the thumbnail would show); else null.
 */
export function thumbAsIs(buf: Buffer, header: Metadata): Buffer | null {
  const fits = header.autoOrient.width <= THUMB_MAX && header.autoOrient.height <= THUMB_MAX;
  if (header.format !== 'jpeg' || !fits || (header.orientation ?? 1) !== 1 || header.hasProfile) return null;
  if (header.space !== 'srgb' && header.space !== 'b-w') return null;
  return strippedJpeg(buf);
}

/** A photo decoded for its versions: the picture at its display size and what goes with it. */
export interface Decoded {
  data: Buffer;
  info: OutputInfo;
  band: Band | null;
  captioned: boolean;
  /** the thumbnail when the original can be it (thumbAsIs) */
  asIs: Buffer | null;
}

/**
 * Decodes `buf` (strictly, at sharp's failOn 'warning') to the display version's picture size: the
 * one decode both versions are made from. `header` is the photo's sharp metadata (the size shown is
 * after EXIF rotation); `maxPixels` is passed on to libvips as a second guard against decompression
 * bombs. Without `captions` there is no band (only the thumbnail will be made).
 */
export async function decodePhoto(
  buf: Buffer,
  header: Metadata,
  captions: { lines: string[]; font: WatermarkFont } | null,
  maxPixels: number,
): Promise<Decoded> {
  const shown = header.autoOrient;
  const lines = captions ? prepareLines(captions.lines, captions.font) : [];
  const { width, height, band } = captions
    ? await layout(shown.width, shown.height, lines, captions.font)
    : { width: shown.width, height: shown.height, band: null };
  try {
    const { data, info } = await sharp(buf, {
      failOn: 'warning',
      limitInputPixels: maxPixels,
      autoOrient: true,
    })
      .resize({ width, height, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, info, band, captioned: captions !== null, asIs: thumbAsIs(buf, header) };
  } catch (err) {
    throw new UndecodablePhoto((err as Error).message);
  }
}

/** The display version (when captioned) and the thumbnail, encoded from one decode. */
export async function encodeVersions(decoded: Decoded): Promise<Rendered> {
  const { data, info, band, asIs } = decoded;
  const raw = { raw: { width: info.width, height: info.height, channels: 3 as const } };
  const thumbSharp = sharp(data, raw);
  if (info.width > THUMB_MAX || info.height > THUMB_MAX)
    thumbSharp.resize({ width: THUMB_MAX, height: THUMB_MAX, fit: 'inside' });
  const [display, thumb] = await Promise.all([
    decoded.captioned
      ? sharp(band ? withBand(data, info.width, info.height, band) : data, {
          raw: { width: info.width, height: info.height + (band?.height ?? 0), channels: 3 },
        })
          .jpeg({ quality: 82, optimiseCoding: false })
          .toBuffer()
      : Promise.resolve(null),
    asIs ?? thumbSharp.jpeg({ quality: 78, optimiseCoding: false }).toBuffer(),
  ]);
  return { display, thumb };
}

/** The photo's header as jpeg-band.ts reads it, when bandedAsIs may take the photo. */
function bandable(buf: Buffer, header: Metadata): Parsed | null {
  if (header.format !== 'jpeg' || (header.orientation ?? 1) !== 1 || header.hasProfile) return null;
  if (header.space !== 'srgb' && header.space !== 'b-w') return null;
  if (header.width * header.height > BANDED_AS_IS_PIXELS) return null;
  const parsed = parseForBand(buf);
  if (!parsed || parsed.width !== header.width || parsed.height !== header.height) return null;
  return parsed;
}

/**
 * The display version of a JPEG shown at its own size, without decoding it: the original's coefficients
 * with the band's appended (jpeg-band.ts), when the photo stands the right way up, has no colour profile
 * and is coded in a way that module takes; the thumbnail as is (thumbAsIs) or from a shrink-on-load
 * decode. Null when any of that does not hold.
 */
async function bandedAsIs(
  buf: Buffer,
  header: Metadata,
  captions: { lines: string[]; font: WatermarkFont },
  maxPixels: number,
): Promise<Rendered | null> {
  const parsed = bandable(buf, header);
  return parsed ? banded(buf, parsed, captions, maxPixels, thumbAsIs(buf, header)) : null;
}

/**
 * bandedAsIs for a kept original whose header sharp has not read (renderVersions): jpeg-band.ts reads
 * what the choice needs from the JPEG's segments (size, EXIF orientation, ICC profile). Null when the
 * photo is not one it takes; the caller then reads the header and calls renderPhoto.
 */
export async function renderBandedAsIs(
  buf: Buffer,
  captions: { lines: string[]; font: WatermarkFont },
  maxPixels: number,
): Promise<Rendered | null> {
  // whatever goes wrong in reading the coded data by hand, the photo is then decoded and encoded
  try {
    const parsed = parseForBand(buf);
    if (!parsed || parsed.orientation !== 1 || parsed.icc) return null;
    if (parsed.width * parsed.height > BANDED_AS_IS_PIXELS) return null;
    const fits = parsed.width <= THUMB_MAX && parsed.height <= THUMB_MAX;
    return await banded(buf, parsed, captions, maxPixels, fits ? strippedJpeg(buf) : null);
  } catch {
    return null;
  }
}

async function banded(
  buf: Buffer,
  parsed: Parsed,
  captions: { lines: string[]; font: WatermarkFont },
  maxPixels: number,
  asIs: Buffer | null,
): Promise<Rendered | null> {
  const fit = await layout(
    parsed.width,
    parsed.height,
    prepareLines(captions.lines, captions.font),
    captions.font,
  );
  const band = fit.band;
  if (!band || fit.width !== parsed.width || fit.height !== parsed.height) return null;
  const display = jpegWithBand(buf, parsed, band, () => withBand(Buffer.alloc(0), fit.width, 0, band));
  if (!display) return null;
  let thumb = asIs;
  if (!thumb) {
    try {
      thumb = await sharp(buf, { failOn: 'warning', limitInputPixels: maxPixels })
        .resize({ width: THUMB_MAX, height: THUMB_MAX, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 78, optimiseCoding: false })
        .toBuffer();
    } catch (err) {
      throw new UndecodablePhoto((err as Error).message);
    }
  }
  return { display, thumb };
}

/**
 * The display version (with the band of `captions`) and the thumbnail: without decoding when bandedAsIs
 * can, else decodePhoto then encodeVersions; only the thumbnail, with nothing decoded, when thumbAsIs has it.
 */
export async function renderPhoto(
  buf: Buffer,
  header: Metadata,
  captions: { lines: string[]; font: WatermarkFont } | null,
  maxPixels: number,
): Promise<Rendered> {
  if (!captions) {
    const asIs = thumbAsIs(buf, header);
    if (asIs) return { display: null, thumb: asIs };
  } else {
    // whatever goes wrong in reading the coded data by hand, the photo is then decoded and encoded
    const banded = await bandedAsIs(buf, header, captions, maxPixels).catch(() => null);
    if (banded) return banded;
  }
  return encodeVersions(await decodePhoto(buf, header, captions, maxPixels));
}
