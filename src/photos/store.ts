/**
 * Photo intake: the one door every evidence photo comes through. Photos settle disputes over
 * rankings, so the door is strict: it refuses anything that is not a complete JPEG, PNG or WebP
 * within the size and pixel limits, with a message an inspector can act on, and it keeps the upload
 * byte for byte under its sha256 before making the versions people look at.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { InvalidInput } from '../errors.ts';
import { readPhotoMeta, type PhotoMeta } from './exif.ts';
import { photoPaths, writeOnce } from './files.ts';
import { missingFontMessage, watermarkFont } from './font.ts';
import { renderPhoto, UndecodablePhoto } from './render.ts';
import { sniffImageType, type PhotoMime } from './sniff.ts';

export { photoPaths } from './files.ts';
export { sweepStrayFiles } from './sweep.ts';

export const PHOTO_LIMITS = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };

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
}

/** 400: the upload is not a photo we can keep as evidence; the message says why and what to do. */
export class PhotoRejected extends InvalidInput {}

/** 413: over PHOTO_LIMITS.maxBytes. */
export class PhotoTooLarge extends PhotoRejected {
  override readonly status: number = 413;
}

/** Not the upload's fault: the server cannot draw Chinese captions. A 500, and a reason not to start. */
export class WatermarkFontMissing extends Error {}

const ACCEPTED = '请上传 JPEG、PNG 或 WebP 格式的照片';
const SHARP_FORMAT: Record<PhotoMime, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

export const REJECTIONS = {
  empty: '文件为空',
  heic:
    '不支持 HEIC/HEIF 格式（苹果手机默认的“高效”格式）。请在 iPhone「设置 → 相机 → 格式」中选择「兼容性最佳」后重新拍摄，' +
    '或把照片转换为 JPEG 后再上传',
  svg: `不接受 SVG 文件，${ACCEPTED}`,
  unknown: `文件不是可识别的图片，${ACCEPTED}`,
  corrupt: '照片文件不完整或已损坏，无法完整读取，请重新拍摄或重新上传',
  tooLarge: (bytes: number) =>
    `照片文件太大（${(bytes / 1024 / 1024).toFixed(1)} MB），单张不能超过 ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB`,
  tooManyPixels: (width: number, height: number) =>
    `照片尺寸过大（${width}×${height} 像素），不能超过 ${PHOTO_LIMITS.maxPixels / 1_000_000} 百万像素`,
  unsupported: (format: string) => `不支持 ${format} 格式，${ACCEPTED}`,
};

/** Version 1 of the caption layout; bump it when the drawing changes so new keys are made. */
export function displayKeyFor(lines: string[]): string {
  return createHash('sha256')
    .update(`v1\n${lines.join('\n')}`)
    .digest('hex')
    .slice(0, 16);
}

function checkType(buf: Buffer): PhotoMime {
  const sniffed = sniffImageType(buf);
  if (sniffed === null) throw new PhotoRejected(REJECTIONS.empty);
  if (typeof sniffed === 'string') return sniffed;
  if (sniffed.unsupported === 'HEIC') throw new PhotoRejected(REJECTIONS.heic);
  if (sniffed.unsupported === 'SVG') throw new PhotoRejected(REJECTIONS.svg);
  if (sniffed.unsupported === '未知') throw new PhotoRejected(REJECTIONS.unknown);
  throw new PhotoRejected(REJECTIONS.unsupported(sniffed.unsupported));
}

/** Size as displayed, from the header only: nothing is decoded before the pixel limit is checked. */
async function checkHeader(buf: Buffer, mime: PhotoMime): Promise<{ width: number; height: number }> {
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
  return { width, height };
}

/**
 * Checks, keeps and renders one upload. Writes nothing unless the whole photo decodes. `watermark.lines`
 * become the caption band of the display version (time taken, site, inspector…).
 */
export async function storePhoto(
  uploadDir: string,
  buf: Buffer,
  watermark: { lines: string[] },
): Promise<StoredPhoto> {
  const font = watermarkFont();
  if (!font) throw new WatermarkFontMissing(missingFontMessage);
  if (buf.length === 0) throw new PhotoRejected(REJECTIONS.empty);
  if (buf.length > PHOTO_LIMITS.maxBytes) throw new PhotoTooLarge(REJECTIONS.tooLarge(buf.length));
  const mime = checkType(buf);
  const shown = await checkHeader(buf, mime);
  let rendered;
  try {
    rendered = await renderPhoto(buf, shown, { lines: watermark.lines, font }, PHOTO_LIMITS.maxPixels);
  } catch (err) {
    if (err instanceof UndecodablePhoto) throw new PhotoRejected(REJECTIONS.corrupt);
    throw err;
  }
  const meta = await readPhotoMeta(buf);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const displayKey = displayKeyFor(watermark.lines);
  const paths = photoPaths(uploadDir, sha256, displayKey);
  // the three writes wait for their fsyncs side by side (each is a few milliseconds of disk)
  await Promise.all([
    writeOnce(uploadDir, paths.original, buf),
    writeOnce(uploadDir, paths.thumb, rendered.thumb),
    writeOnce(uploadDir, paths.display, rendered.display),
  ]);
  return { sha256, mime, bytes: buf.length, ...shown, meta, displayKey };
}
