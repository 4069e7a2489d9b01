/**
 * Photo intake: the one door every evidence photo comes through. Photos settle disputes over
 * rankings, so the door is strict: it refuses anything that is not a complete JPEG, PNG or WebP
 * within the size and pixel limits, with a message an inspector can act on, and it keeps the upload
 * byte for byte under its sha256. The versions people look at are made from that original afterwards.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp, { type Metadata } from 'sharp';
import { InvalidInput } from '../errors.ts';
import { readPhotoMeta, type PhotoMeta } from './exif.ts';
import { isWholeJpeg, photoPaths, writeOnce, writeVersionFile } from './files.ts';
import { missingFontMessage, watermarkFont } from './font.ts';
import { provenWholeJpeg } from './jpeg-band.ts';
import { renderBandedAsIs, renderPhoto } from './render.ts';
import { type PhotoMime } from './sniff.ts';
import { PHOTO_LIMITS, REJECTIONS, typeRefusal } from './intake-rules.ts';
import { formatShanghai, nowIso } from '../util/time.ts';

export { photoPaths } from './files.ts';
export { sweepStrayFiles } from './sweep.ts';
export { PHOTO_LIMITS, REJECTIONS } from './intake-rules.ts';

export interface StoredPhoto {
  sha256: string;
  mime: PhotoMime;
  bytes: number;
  /** As displayed, after EXIF rotation. */
  width: number;
  height: number;
  meta: PhotoMeta;
  /** Names this caption's display version: photoPaths(dir, sha256, displayKey).display. */
  displayKey: string;
  /** The caption band's lines, kept with the row so the display version can be made from the original. */
  caption: string[];
}

/** 400: the upload is not a photo we can keep as evidence; the message says why and what to do. */
export class PhotoRejected extends InvalidInput {}

/** 413: over PHOTO_LIMITS.maxBytes. */
export class PhotoTooLarge extends PhotoRejected {
  override readonly status: number = 413;
}

/** Not the upload's fault: the server cannot draw Chinese captions. A 500, and a reason not to start. */
export class WatermarkFontMissing extends Error {}

const SHARP_FORMAT: Record<PhotoMime, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/**
 * The caption band's lines (site, inspector…); with `timeFirst` the photo's time line (timeLine) goes
 * first, read from the photo's own EXIF where it is checked.
 */
export interface Watermark {
  lines: string[];
  timeFirst?: boolean;
}

/** Version 1 of the caption layout; bump it when the drawing changes so new keys are made. */
export function displayKeyFor(lines: string[]): string {
  return createHash('sha256')
    .update(`v1\n${lines.join('\n')}`)
    .digest('hex')
    .slice(0, 16);
}

function checkType(buf: Buffer): PhotoMime {
  const checked = typeRefusal(buf);
  if ('refusal' in checked) throw new PhotoRejected(checked.refusal);
  return checked.mime;
}

/** Size as displayed, from the header only: nothing is decoded before the pixel limit is checked. */
async function checkHeader(buf: Buffer, mime: PhotoMime): Promise<Metadata> {
  let header: Metadata;
  try {
    header = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch {
    throw new PhotoRejected(REJECTIONS.corrupt);
  }
  const { width, height } = header.autoOrient;
  if (header.format !== SHARP_FORMAT[mime] || !(width > 0 && height > 0))
    throw new PhotoRejected(REJECTIONS.corrupt);
  if (width * height > PHOTO_LIMITS.maxPixels)
    throw new PhotoRejected(REJECTIONS.tooManyPixels(width, height));
  return header;
}

/**
 * Photos up to this size may be proven whole by provenWholeJpeg (measured: 0.7 ms for a 320×240 phone
 * photo against 2.8 for libvips' header and decode, 11 against 24 ms at 2 megapixels); larger ones are
 * decoded by libvips at an eighth of their size (checkPixels), which reads every block all the same.
 */
const PROVEN_HERE_PIXELS = 2_000_000;
/** The largest original the photo worker writes with blocking calls (writeOnce). */
const BLOCKING_WRITE_MAX_BYTES = 1_000_000;

/**
 * Proves the pixels whole: every byte decoded, at sharp's strictest failOn level ('warning'), since
 * metadata() alone accepts truncated or damaged files and a photo that cannot be read completely is not
 * evidence. A large JPEG is decoded at an eighth of its size (libjpeg still reads every block, so a cut or
 * damaged file fails the same way): 45 ms instead of 110 for 12 megapixels. A small one is decoded as
 * it is, which costs less than setting up the reduction.
 *
 * The resize asks for a ninth, not an eighth: sharp decodes at an eighth for any factor of 8 or more, but
 * halves that choice when the factor's whole part equals it (its guard against libjpeg's rounding), so a
 * factor of exactly 8 was decoded at a quarter and then reduced (a 12 MP photo: 24–26 ms of CPU, against
 * 20–21.5 asked for a ninth).
 */
async function checkPixels(buf: Buffer, shown: { width: number; height: number }): Promise<void> {
  const image = sharp(buf, { failOn: 'warning', limitInputPixels: PHOTO_LIMITS.maxPixels });
  if (shown.width * shown.height > 2_000_000)
    image.resize({
      width: Math.max(1, Math.floor(shown.width / 9)),
      height: Math.max(1, Math.floor(shown.height / 9)),
      fit: 'inside',
    });
  try {
    await image.raw().toBuffer();
  } catch {
    throw new PhotoRejected(REJECTIONS.corrupt);
  }
}

/** The caption's first line for an evidence photo: when it was taken (EXIF), or else when it came in. */
export function timeLine(takenAt: string | null, now = nowIso()): string {
  return takenAt ? `拍摄 ${formatShanghai(takenAt)}` : `上传 ${formatShanghai(now)}（照片无拍摄时间）`;
}

/**
 * Checks and keeps one upload: writes nothing unless the whole photo decodes, then the original under
 * its SHA-256. `watermark.lines` will be the caption band of the display version (time taken, site,
 * inspector…); the display version and the thumbnail are made after the photo's row is committed
 * (versions.ts), from the kept original, so an upload is acknowledged without waiting for them. (Making
 * them on the worker right after the answer was tried: with versions at ≈ 10 ms it cut the burst from
 * 123 to 85–93 sheets/s; at ≈ 1 ms, with their two fsyncs on the thread pool the originals' writes also
 * wait on, the photo's answer p50 went from 72 to 192 ms on a loaded machine.)
 */
export async function storePhoto(uploadDir: string, buf: Buffer, watermark: Watermark): Promise<StoredPhoto> {
  const font = watermarkFont();
  if (!font) throw new WatermarkFontMissing(missingFontMessage);
  if (buf.length === 0) throw new PhotoRejected(REJECTIONS.empty);
  if (buf.length > PHOTO_LIMITS.maxBytes) throw new PhotoTooLarge(REJECTIONS.tooLarge(buf.length));
  const mime = checkType(buf);
  // a phone's usual JPEG is proven whole by reading its blocks here (a fifth of libvips' header and
  // decode); anything else, or any doubt, goes to libvips as before
  const proven = mime === 'image/jpeg' ? provenWholeJpeg(buf, PROVEN_HERE_PIXELS) : null;
  const shown = proven ?? (await checkHeader(buf, mime)).autoOrient;
  const meta = await readPhotoMeta(buf);
  const lines = watermark.timeFirst ? [timeLine(meta.takenAt), ...watermark.lines] : watermark.lines;
  if (!proven) await checkPixels(buf, shown);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const displayKey = displayKeyFor(lines);
  // blocking file calls on the worker for a phone's usual photo (a call handed to the pool costs more CPU
  // than writing 20 KB); a large one is written by the pool while this thread checks the next upload
  const blocking = !isMainThread && buf.length <= BLOCKING_WRITE_MAX_BYTES;
  await writeOnce(uploadDir, photoPaths(uploadDir, sha256, displayKey).original, buf, blocking);
  return { sha256, mime, bytes: buf.length, ...shown, meta, displayKey, caption: lines };
}

/**
 * Makes the display version (with the caption band of `caption`) and the thumbnail of a kept original,
 * whichever is missing or not whole (isWholeJpeg); only the thumbnail when there is no caption. Throws
 * when the original is gone or cannot be read (it was proven whole at upload, so either means the disk
 * lost it). The versions are written without fsync (writeVersionFile). `blocking` reads and writes the
 * files with blocking calls, a third of the CPU of awaiting each call: the default off the main thread
 * (the photo worker), never on the event loop.
 */
export async function renderVersions(
  uploadDir: string,
  photo: { sha256: string; displayKey: string; caption: string[] | null },
  blocking = !isMainThread,
): Promise<void> {
  const font = watermarkFont();
  if (!font) throw new WatermarkFontMissing(missingFontMessage);
  const paths = photoPaths(uploadDir, photo.sha256, photo.displayKey);
  // missing, or cut short by a power cut (versions are written without fsync): made again
  const needDisplay = photo.caption !== null && !isWholeJpeg(paths.display);
  const needThumb = !isWholeJpeg(paths.thumb);
  if (!needDisplay && !needThumb) return;
  const buf = blocking ? readFileSync(paths.original) : await readFile(paths.original);
  const captions = needDisplay ? { lines: photo.caption!, font } : null;
  const rendered =
    (captions && (await renderBandedAsIs(buf, captions, PHOTO_LIMITS.maxPixels))) ||
    (await renderPhoto(
      buf,
      await sharp(buf, { limitInputPixels: false }).metadata(),
      captions,
      PHOTO_LIMITS.maxPixels,
    ));
  await Promise.all([
    needThumb ? writeVersionFile(uploadDir, paths.thumb, rendered.thumb, blocking) : null,
    rendered.display ? writeVersionFile(uploadDir, paths.display, rendered.display, blocking) : null,
  ]);
}
