// A small photo's display version made without decoding it (src/photos/jpeg-band.ts): the picture is the
// original's pixels exactly (its coded data is kept, or only re-coded losslessly), the band under it is the
// band the decode-and-encode way draws, within JPEG loss, and what the module cannot vouch for is left to
// that way (null).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { jpegWithBand, parseForBand } from '../../src/photos/jpeg-band.ts';
import { renderBandedAsIs, renderPhoto, withBand } from '../../src/photos/render.ts';
import { scanEnd } from '../../src/photos/jpeg-strip.ts';
import { prepareLines, renderBand, type Band } from '../../src/photos/watermark.ts';
import { watermarkFont } from '../../src/photos/font.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const font = watermarkFont()!;
const LINES = ['拍摄 2026-12-02 09:30', '点位 清河区幸福社区 农贸市场', '测评员 张三'];

async function bandFor(width: number): Promise<Band> {
  return (await renderBand(width, 12, prepareLines(LINES, font), font))!;
}
const bandPixels = (width: number, band: Band) => () => withBand(Buffer.alloc(0), width, 0, band);

async function decoded(buf: Buffer) {
  const { data, info } = await sharp(buf, { failOn: 'warning' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Largest difference of a channel value over rows [from, to) of two RGB images of the same width. */
function maxDiff(a: Buffer, b: Buffer, width: number, from: number, to: number, channels = 3): number {
  let max = 0;
  for (let i = from * width * channels; i < to * width * channels; i++)
    max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
function meanDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

const base = () => sharp(fixture('gps-DSCN0010.jpg')).resize(320, 240, { fit: 'fill' });
const codings: [string, () => Promise<Buffer>][] = [
  ['4:2:0, optimised tables', () => base().jpeg({ quality: 70 }).toBuffer()],
  ['4:2:0, standard tables', () => base().jpeg({ quality: 80, optimiseCoding: false }).toBuffer()],
  ['4:4:4, quality 95', () => base().jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()],
  ['greyscale', () => base().greyscale().jpeg({ quality: 85 }).toBuffer()],
  ['a camera original, 640×480', () => Promise.resolve(fixture('gps-DSCN0010.jpg'))],
];

describe('jpegWithBand', () => {
  for (const [name, make] of codings)
    for (const way of ['any', 'transcoded'] as const)
      it(`${name} (${way}): the picture exact, the band as drawn`, async () => {
        const photo = await make();
        const p = parseForBand(photo)!;
        expect(p).not.toBeNull();
        const band = await bandFor(p.width);
        const out = jpegWithBand(photo, p, band, bandPixels(p.width, band), way)!;
        expect(out).not.toBeNull();
        const before = await decoded(photo);
        const after = await decoded(out);
        expect([after.width, after.height]).toEqual([p.width, p.height + band.height]);
        // the picture: every pixel as in the original, but for the last MCU row of a subsampled photo,
        // whose colours the decoder blends with the band's below
        const exactRows = p.height - (p.vmax > 1 ? 8 * p.vmax : 0);
        const ch = before.channels;
        expect(maxDiff(before.data, after.data, p.width, 0, exactRows, ch)).toBe(0);
        expect(maxDiff(before.data, after.data, p.width, 0, p.height, ch)).toBeLessThan(48);
        // the band: the drawn pixels within JPEG loss (dark background, white text)
        const drawn = withBand(Buffer.alloc(0), p.width, 0, band);
        const got = after.data.subarray(p.width * p.height * ch);
        const asRgb = ch === 3 ? got : Buffer.from(Array.from(got, (v) => [v, v, v]).flat());
        expect(meanDiff(asRgb, drawn)).toBeLessThan(6);
        const white = Array.from(asRgb).filter((v) => v > 200).length;
        expect(white).toBeGreaterThan(drawn.filter((v) => v > 200).length * 0.5);
      });

  it('reads restart intervals (its own output, extended again)', async () => {
    const photo = await base().jpeg({ quality: 80, optimiseCoding: false }).toBuffer();
    const first = parseForBand(photo)!;
    const band = await bandFor(320);
    const once = jpegWithBand(photo, first, band, bandPixels(320, band))!;
    const p = parseForBand(once)!;
    expect(p.restartInterval).toBe(20 * 15); // the picture, one interval
    const twice = jpegWithBand(once, p, band, bandPixels(320, band))!;
    expect(twice).not.toBeNull();
    const a = await decoded(once);
    const b = await decoded(twice);
    expect(b.height).toBe(a.height + band.height);
    expect(maxDiff(a.data, b.data, 320, 0, a.height - 16)).toBe(0);
  });

  it('leaves to the long way what it cannot vouch for', async () => {
    const photo = await base().jpeg({ quality: 80 }).toBuffer();
    const cmyk = await sharp(photo).toColourspace('cmyk').jpeg().toBuffer(); // Adobe marker, 4 components
    const progressive = await sharp(photo).jpeg({ progressive: true }).toBuffer();
    const unaligned = await sharp(photo).resize(320, 250, { fit: 'fill' }).jpeg().toBuffer(); // 250 % 16
    const png = await sharp(photo).png().toBuffer();
    for (const odd of [cmyk, progressive, unaligned, png, Buffer.alloc(0), photo.subarray(0, 300)])
      expect(parseForBand(odd)).toBeNull();
    // a scan cut short: the header reads, the data does not
    const cut = photo.subarray(0, photo.length - 400);
    const p = parseForBand(cut)!;
    const band = await bandFor(320);
    expect(jpegWithBand(cut, p, band, bandPixels(320, band))).toBeNull();
    expect(jpegWithBand(cut, p, band, bandPixels(320, band), 'transcoded')).toBeNull();
  });
});

describe('hostile or odd originals (each passes the upload’s full decode)', () => {
  const REAL = ['拍摄 2026-12-02 09:30', '点位 清河区幸福社区 农贸市场', '测评员 张三'];
  const FAKE = ['拍摄 2020-01-01 00:00', '点位 别处', '测评员 李四'];
  const captions = (lines: string[]) => ({ lines, font });
  const plain = () =>
    sharp(fixture('gps-DSCN0010.jpg'))
      .resize(320, 240, { fit: 'fill' })
      .jpeg({ quality: 80, optimiseCoding: false })
      .toBuffer();
  const display = async (buf: Buffer, lines: string[]) =>
    (await renderPhoto(buf, await sharp(buf).metadata(), captions(lines), 50e6)).display!;

  it('an uploader’s own caption band hidden after the picture (RST0 + band) is never the one shown', async () => {
    const orig = await plain();
    // what the attacker appends: an RST0 and a band coded for the picture's tables, taken from a display
    // version made with their caption
    const fake = (await renderBandedAsIs(orig, captions(FAKE), 50e6))!.display!;
    const p = parseForBand(orig)!;
    const end = scanEnd(orig, p.scanStart);
    const fakeScanEnd = scanEnd(fake, parseForBand(fake)!.scanStart);
    const rst = fake.lastIndexOf(Buffer.from([0xff, 0xd0]), fakeScanEnd);
    const forged = Buffer.concat([orig.subarray(0, end), fake.subarray(rst)]);
    // the upload's check takes it: the picture decodes whole and libjpeg stops after its rows
    await expect(decoded(forged)).resolves.toMatchObject({ width: 320, height: 240 });
    const shown = await decoded(await display(forged, REAL));
    const real = await decoded(await display(orig, REAL));
    const faked = await decoded(fake);
    // the band rows: ours, not theirs
    expect(maxDiff(shown.data, real.data, 320, 240, shown.height)).toBeLessThan(24);
    expect(meanDiff(shown.data.subarray(320 * 240 * 3), faked.data.subarray(320 * 240 * 3))).toBeGreaterThan(
      3,
    );
  });

  it('a photo shorter than its band gets a band that decodes whole', async () => {
    for (const [w, h] of [
      [320, 16],
      [200, 32],
      [320, 48],
    ] as const) {
      const orig = await sharp({ create: { width: w, height: h, channels: 3, background: '#6a8' } })
        .jpeg({ quality: 80, optimiseCoding: false })
        .toBuffer();
      const out = await display(orig, REAL);
      // failOn 'warning': an RST the decoder waits for and never finds is refused
      const d = await decoded(out);
      expect([d.width, d.height > h]).toEqual([w, true]);
    }
  });

  it('a photo the standard tables cannot code again still gets its display version', async () => {
    for (const name of ['crafted-dc-restart.jpg', 'crafted-ac15.jpg']) {
      const orig = fixture(name);
      await expect(decoded(orig), name).resolves.toMatchObject({ width: 320, height: 16 });
      await expect(renderBandedAsIs(orig, captions(REAL), 50e6), name).resolves.toBeNull();
      const d = await decoded(await display(orig, REAL));
      expect([d.width, d.height > 16], name).toEqual([320, true]);
    }
  });
});
