/**
 * The font that watermarks are drawn with. Chinese text drawn without a CJK font comes out as boxes
 * (tofu), which would make every evidence photo's caption unreadable, so the project ships its own:
 * assets/fonts/CCWatermarkSans-Regular.otf, a 1.8 MB subset of Noto Sans CJK SC (SIL OFL 1.1) with
 * all of GB2312. sharp draws text with Pango and fontconfig; passing the file as `fontfile` makes it
 * available even on a machine with no fonts installed, and characters outside the subset fall back to
 * whatever CJK fonts fontconfig finds on the system (Debian's fonts-noto-cjk on servers and CI).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WatermarkFont {
  file: string;
  family: string;
  /** Unicode code points the file has glyphs for; empty when unknown. */
  covers: Set<number>;
  /** Whether fontconfig has a system CJK font to draw characters the file lacks. */
  fallback: boolean;
}

export const BUNDLED_FONT = fileURLToPath(
  new URL('../../assets/fonts/CCWatermarkSans-Regular.otf', import.meta.url),
);
const BUNDLED_FAMILY = 'CCWatermarkSans';

/** Fonts with Simplified Chinese, by the paths common distributions install them at. */
const SYSTEM_FONTS: [string, string][] = [
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'Noto Sans CJK SC'],
  ['/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', 'Noto Sans CJK SC'],
  ['/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc', 'Noto Sans CJK SC'],
  ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', 'WenQuanYi Micro Hei'],
  ['/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', 'WenQuanYi Zen Hei'],
];

/** Asks fontconfig (if its tools are installed) for any font that covers Simplified Chinese. */
function fontconfigCjkFont(): [string, string] | null {
  try {
    const out = execFileSync('fc-list', [':lang=zh-cn', 'file', 'family'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    const line = out.split('\n').find((l) => l.includes(':'));
    if (!line) return null;
    const [file, families = ''] = line.split(/:\s*/);
    const family = families.split(',')[0]?.trim();
    return file && family ? [file.trim(), family] : null;
  } catch {
    return null;
  }
}

/** A CJK font installed on the system, or null: the fallback for characters outside the bundled subset. */
export function systemCjkFont(): [file: string, family: string] | null {
  return SYSTEM_FONTS.find(([file]) => existsSync(file)) ?? fontconfigCjkFont();
}

/**
 * Path of the font watermarks will use: the bundled subset, else a system CJK font, else null. The
 * server can call this at start and refuse to start on null, with missingFontMessage.
 */
export function findCjkFont(): string | null {
  if (existsSync(BUNDLED_FONT)) return BUNDLED_FONT;
  return systemCjkFont()?.[0] ?? null;
}

export const missingFontMessage = `找不到中文字体，照片水印会显示成方框：请恢复 ${BUNDLED_FONT}，或安装 fonts-noto-cjk（apt-get install -y fonts-noto-cjk）`;

let cached: WatermarkFont | null | undefined;

/** The font to draw with, loaded once; null when there is none (storePhoto then refuses to work). */
export function watermarkFont(): WatermarkFont | null {
  if (cached !== undefined) return cached;
  const system = systemCjkFont();
  if (existsSync(BUNDLED_FONT)) {
    const covers = fontCoverage(readFileSync(BUNDLED_FONT));
    cached = { file: BUNDLED_FONT, family: BUNDLED_FAMILY, covers, fallback: system !== null };
  } else {
    cached = system ? { file: system[0], family: system[1], covers: new Set(), fallback: true } : null;
  }
  return cached;
}

/**
 * Code points in an OpenType/TrueType file's Unicode cmap (formats 4 and 12). Font collections
 * (.ttc) and other formats give an empty set, meaning "unknown".
 */
export function fontCoverage(font: Buffer): Set<number> {
  const covers = new Set<number>();
  if (font.length < 12 || font.toString('latin1', 0, 4) === 'ttcf') return covers;
  const tables = font.readUInt16BE(4);
  let cmap = -1;
  for (let i = 0; i < tables; i++) {
    const rec = 12 + i * 16;
    if (font.toString('latin1', rec, rec + 4) === 'cmap') cmap = font.readUInt32BE(rec + 8);
  }
  if (cmap < 0) return covers;
  const subtables = font.readUInt16BE(cmap + 2);
  for (let i = 0; i < subtables; i++) {
    const rec = cmap + 4 + i * 8;
    const platform = font.readUInt16BE(rec);
    const at = cmap + font.readUInt32BE(rec + 4);
    if (platform !== 0 && platform !== 3) continue;
    const format = font.readUInt16BE(at);
    if (format === 4) readFormat4(font, at, covers);
    if (format === 12) readFormat12(font, at, covers);
  }
  return covers;
}

function readFormat4(font: Buffer, at: number, covers: Set<number>): void {
  const segments = font.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const offsets = deltas + segments * 2;
  for (let s = 0; s < segments; s++) {
    const end = font.readUInt16BE(ends + s * 2);
    const start = font.readUInt16BE(starts + s * 2);
    const delta = font.readUInt16BE(deltas + s * 2);
    const offsetAt = offsets + s * 2;
    const offset = font.readUInt16BE(offsetAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      const glyph =
        offset === 0 ? (c + delta) & 0xffff : font.readUInt16BE(offsetAt + offset + (c - start) * 2);
      if (glyph !== 0) covers.add(c);
    }
  }
}

function readFormat12(font: Buffer, at: number, covers: Set<number>): void {
  const groups = font.readUInt32BE(at + 12);
  for (let g = 0; g < groups; g++) {
    const rec = at + 16 + g * 12;
    const start = font.readUInt32BE(rec);
    const end = Math.min(font.readUInt32BE(rec + 4), start + 0xffff);
    if (font.readUInt32BE(rec + 8) === 0 && start === end) continue;
    for (let c = start; c <= end; c++) covers.add(c);
  }
}
