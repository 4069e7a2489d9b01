// Caption bands are composed from glyphs Pango drew once each (src/photos/glyphs.ts) instead of by
// Pango whole, and a reader must not see the difference: each band is compared with Pango's drawing of
// the same caption (the way bands were drawn before) for as many rows of text, the same size within a
// pixel or two, ink in the same places, and no row of text wider than the band leaves for it. Captions
// that need Pango's shaping (combining marks, emoji) are still drawn by Pango, pixel for pixel.
import { describe, expect, it } from 'vitest';
import { drawText, prepareLines, renderBand, type Band } from '../../src/photos/watermark.ts';
import { composeText } from '../../src/photos/glyphs.ts';
import { watermarkFont } from '../../src/photos/font.ts';

const font = watermarkFont()!;

const CAPTIONS: string[][] = [
  ['2026-12-03 10:05', '点位 清河区第12社区居委会 标准 1.2.3', '测评员 测评员一'],
  [
    '拍摄时间 2026-05-12 09:31',
    '点位 清河区幸福街道幸福社区农贸市场（东门）',
    '测评员 张三 第3轮：整改·复查',
  ],
  ['Site: Qinghe District community centre, east gate', 'Inspector Zhang San, round 3 (re-check)'],
  ['点位：清河区幸福街道，幸福社区。农贸市场、超市；“东门”？是！《标准》「条款」『附件』'],
  ['备注 Pneumonoultramicroscopicsilicovolcanoconiosis 编号 A-12/3 温度 25℃ 合格率 85%'],
  // 堃 is not in the bundled subset: a system font draws it
  ['点位 清河区第3社区', '测评员 张堃'],
];
/** Long enough to wrap at 320 px (12 and 40 px text) and at 1600 px (40 px text). */
const LONG = [
  '点位 清河区幸福街道幸福社区农贸市场（东门）北侧停车场入口处及周边道路，含公交站台、共享单车停放点和沿街商铺门前三包责任区（第2轮复查）',
];

interface Text {
  data: Buffer;
  width: number;
  height: number;
}

const padFor = (size: number) => Math.round(size * 0.6);
const roomFor = (width: number, size: number) => Math.max(1, width - 2 * padFor(size));
const draw = (size: number) => (text: string) => drawText(text, font, size, { raw: true });
const pango = (lines: string[], width: number, size: number) =>
  drawText(lines.join('\n'), font, size, { width: roomFor(width, size), raw: true });
const bandText = (band: Band): Text => ({ data: band.text, width: band.textWidth, height: band.textHeight });

/** The runs of rows with ink, top to bottom, and how wide each one's ink is. */
function textRows(t: Text): { top: number; inkWidth: number }[] {
  const rows: { top: number; inkWidth: number }[] = [];
  let left = Infinity;
  let right = -1;
  let top = -1;
  for (let y = 0; y <= t.height; y++) {
    let inked = false;
    for (let x = 0; y < t.height && x < t.width; x++)
      if (t.data[(y * t.width + x) * 4 + 3]! > 0) {
        inked = true;
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    if (inked && top < 0) top = y;
    if (!inked && top >= 0) {
      rows.push({ top, inkWidth: right - left + 1 });
      top = -1;
      left = Infinity;
      right = -1;
    }
  }
  return rows;
}

/**
 * Intersection over union of the pixels inked more than half, top-left corners together, or one of
 * them moved by a pixel (a shift of the whole text by one pixel is not something anyone would see).
 */
function inkOverlap(a: Text, b: Text): number {
  const inked = (t: Text, x: number, y: number) =>
    x >= 0 && y >= 0 && x < t.width && y < t.height && t.data[(y * t.width + x) * 4 + 3]! > 128;
  let best = 0;
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      let both = 0;
      let either = 0;
      for (let y = -1; y <= Math.max(a.height, b.height); y++)
        for (let x = -1; x <= Math.max(a.width, b.width); x++) {
          const p = inked(a, x, y);
          const q = inked(b, x - dx, y - dy);
          if (p && q) both++;
          if (p || q) either++;
        }
      best = Math.max(best, either ? both / either : 1);
    }
  return best;
}

describe('caption bands composed from cached glyphs', () => {
  for (const width of [320, 1600])
    for (const size of [12, 40])
      it(`look like Pango's at ${width} px with ${size} px text`, async () => {
        for (const caption of [...CAPTIONS, LONG]) {
          const lines = prepareLines(caption, font);
          const composed = await composeText(lines, font, size, roomFor(width, size), draw(size));
          expect(composed, caption.join(' / ')).not.toBeNull();
          const band = (await renderBand(width, size, lines, font))!;
          // renderBand took the glyphs' way
          expect(band.text.equals(composed!.data)).toBe(true);
          expect(band.height).toBe(band.textHeight + 2 * band.pad);
          const ours = bandText(band);
          const theirs = await pango(lines, width, size);
          const label = `${caption[0]} at ${width} px, ${size} px text`;
          expect(textRows(ours).length, label).toBe(textRows(theirs).length);
          expect(Math.abs(ours.width - theirs.width), label).toBeLessThanOrEqual(2);
          expect(Math.abs(ours.height - theirs.height), label).toBeLessThanOrEqual(2);
          expect(inkOverlap(ours, theirs), label).toBeGreaterThanOrEqual(0.8);
          for (const row of textRows(ours))
            expect(row.inkWidth, label).toBeLessThanOrEqual(roomFor(width, size));
          // white text on transparent, as Pango draws it
          for (let i = 0; i < band.text.length; i += 4) {
            const white = band.text[i + 3]! > 0 ? 255 : 0;
            if (band.text[i] !== white || band.text[i + 1] !== white || band.text[i + 2] !== white)
              throw new Error(`pixel ${i / 4} of ${label} is not white text on transparent`);
          }
        }
      });

  it('wrap a long line where Pango does, a word too long for the line between its letters', async () => {
    for (const [width, size] of [
      [320, 12],
      [320, 40],
      [1600, 40],
    ] as const) {
      const lines = prepareLines(LONG, font);
      const band = (await renderBand(width, size, lines, font))!;
      const rows = textRows(bandText(band));
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.length).toBe(textRows(await pango(lines, width, size)).length);
    }
    const word = prepareLines(['备注 Pneumonoultramicroscopicsilicovolcanoconiosis'], font);
    const band = (await renderBand(320, 40, word, font))!;
    expect(textRows(bandText(band)).length).toBe(textRows(await pango(word, 320, 40)).length);
    expect(textRows(bandText(band)).length).toBeGreaterThan(3);
  });

  it('are the same whatever was drawn before them', async () => {
    const lines = prepareLines(CAPTIONS[1]!, font);
    const first = (await renderBand(640, 16, lines, font))!;
    for (const caption of CAPTIONS) await renderBand(640, 17, prepareLines(caption, font), font);
    await renderBand(900, 16, prepareLines(LONG, font), font);
    const again = (await renderBand(640, 16, lines, font))!;
    expect(again).toEqual(first);
  });
});

describe('captions Pango must shape itself', () => {
  const shaped: string[][] = [
    ['测评员 Zoe\u0308 张三'], // e + combining diaeresis
    ['点位 清河区 👍', '测评员 李四'], // a surrogate pair
    ['拍摄 2026-05-12 09:31 ✅'], // an emoji in the BMP
    ['点位 清河区', '备注 שלום עולם'], // right to left
  ];

  for (const caption of shaped)
    it(`are drawn by Pango: ${caption.join(' / ')}`, async () => {
      const lines = prepareLines(caption, font);
      for (const [width, size] of [
        [320, 12],
        [1600, 40],
      ] as const) {
        expect(await composeText(lines, font, size, roomFor(width, size), draw(size))).toBeNull();
        const band = (await renderBand(width, size, lines, font))!;
        const theirs = await pango(lines, width, size);
        expect([band.textWidth, band.textHeight]).toEqual([theirs.width, theirs.height]);
        expect(band.text.equals(theirs.data)).toBe(true);
      }
    });
});
