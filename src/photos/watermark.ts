/**
 * The caption band under a display photo: time taken, site, inspector — whatever lines the caller
 * passes. It is added below the picture rather than over it, so no part of the evidence is hidden.
 * Text is drawn by sharp's Pango text input with our own font file (see font.ts), so Chinese never
 * turns into boxes; long lines wrap instead of running off the edge. Pango draws each character once
 * and captions are put together from those glyphs (glyphs.ts), as Pango would lay them out.
 */
import sharp from 'sharp';
import type { WatermarkFont } from './font.ts';
import { composeText } from './glyphs.ts';

export interface Band {
  /** Height of the whole band, padding included. */
  height: number;
  /** White text on transparent, raw RGBA pixels (`textWidth`×`textHeight`), composited at (pad, top + pad). */
  text: Buffer;
  textWidth: number;
  textHeight: number;
  pad: number;
}

export const BAND_BACKGROUND = { r: 24, g: 24, b: 24 };
const MAX_LINES = 6;
const MAX_LINE_CHARS = 120;
/** 〓 (GB2312 A1FA) is the typesetter's mark for a character the font cannot show. */
const GETA = '〓';

/** Font size in pixels for a band under a picture of this size: about 2.5% of the longer side. */
export function bandFontSize(width: number, height: number): number {
  return Math.max(12, Math.min(40, Math.round(Math.max(width, height) / 40)));
}

function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cleans caller text for drawing: no control characters, a bounded number of bounded lines, and —
 * only when the font's coverage is known and no system font can stand in — a visible 〓 for
 * characters the font lacks instead of an unreadable box.
 */
export function prepareLines(lines: string[], font: WatermarkFont): string[] {
  return lines
    .map((line) =>
      Array.from(line.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim())
        .slice(0, MAX_LINE_CHARS)
        .map((ch) => {
          const code = ch.codePointAt(0) ?? 0;
          const missing = font.covers.size > 0 && !font.covers.has(code) && !/\s/.test(ch);
          return missing && !font.fallback ? GETA : ch;
        })
        .join(''),
    )
    .filter((line) => line.length > 0)
    .slice(0, MAX_LINES);
}

/**
 * Draws white text on transparent (PNG, or raw RGBA with `raw`; cropped to the ink by libvips). `onlyThisFont` turns off
 * Pango's fallback to other installed fonts, so a missing glyph shows as a box: tests use it to prove
 * the bundled font itself has the characters.
 */
export async function drawText(
  text: string,
  font: WatermarkFont,
  fontSize: number,
  options: { width?: number; onlyThisFont?: boolean; raw?: boolean } = {},
): Promise<{ data: Buffer; width: number; height: number }> {
  const fallback = options.onlyThisFont ? ' fallback="false"' : '';
  const { data, info } = await sharp({
    text: {
      text: `<span foreground="#ffffff"${fallback}>${escapeMarkup(text)}</span>`,
      font: `${font.family} ${fontSize}`,
      fontfile: font.file,
      dpi: 72,
      rgba: true,
      ...(options.width ? { width: options.width, wrap: 'word-char' as const } : {}),
    },
  })
    .toFormat(options.raw ? 'raw' : 'png', { compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Draws `lines` (already prepared) for a band `width` pixels wide; null when there is nothing to draw.
 * The text is composed from glyphs Pango drew once each (glyphs.ts); text that needs Pango's shaping
 * is drawn by Pango whole, as drawText does.
 */
export async function renderBand(
  width: number,
  fontSize: number,
  lines: string[],
  font: WatermarkFont,
): Promise<Band | null> {
  if (lines.length === 0) return null;
  const pad = Math.round(fontSize * 0.6);
  const wrapWidth = Math.max(1, width - 2 * pad);
  const composed = await composeText(lines, font, fontSize, wrapWidth, (text) =>
    drawText(text, font, fontSize, { raw: true }),
  );
  // raw pixels rather than a PNG: nothing to compress here and decompress in the composite
  const text =
    composed ?? (await drawText(lines.join('\n'), font, fontSize, { width: wrapWidth, raw: true }));
  return {
    height: text.height + 2 * pad,
    text: text.data,
    textWidth: text.width,
    textHeight: text.height,
    pad,
  };
}
