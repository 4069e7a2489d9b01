/**
 * Which files the photo door accepts and the words it refuses them with — pure (no sharp, no Node), so
 * the server (photos/store.ts) and the tablet's script (client/photo-check.ts, on the first bytes of a
 * picked file) refuse the same files with the same message and advice: a HEIC queued offline used to be
 * refused only after the inspector had left the site.
 */
import { sniffImageType, type PhotoMime } from './sniff.ts';

export const PHOTO_LIMITS = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };

/** How many first bytes typeRefusal needs to see. */
export const SNIFF_BYTES = 4096;

const ACCEPTED = '请上传 JPEG、PNG 或 WebP 格式的照片';

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

/** The accepted type of these first bytes, or the refusal's message. */
export function typeRefusal(head: Uint8Array): { mime: PhotoMime } | { refusal: string } {
  const sniffed = sniffImageType(head);
  if (sniffed === null) return { refusal: REJECTIONS.empty };
  if (typeof sniffed === 'string') return { mime: sniffed };
  if (sniffed.unsupported === 'HEIC') return { refusal: REJECTIONS.heic };
  if (sniffed.unsupported === 'SVG') return { refusal: REJECTIONS.svg };
  if (sniffed.unsupported === '未知') return { refusal: REJECTIONS.unknown };
  return { refusal: REJECTIONS.unsupported(sniffed.unsupported) };
}
