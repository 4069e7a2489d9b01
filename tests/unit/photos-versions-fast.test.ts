// The shortcuts in making a photo's display version and thumbnail give what the long way gives: a small
// upright JPEG's thumbnail is its own picture without its metadata, and its display version is made
// without decoding it only when nothing in it asks for more (turned, profiled, too tall with the band);
// a caption band drawn once and kept is the band drawn afresh, whatever was drawn in between.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { photoPaths, renderVersions, storePhoto } from '../../src/photos/store.ts';
import { strippedJpeg } from '../../src/photos/jpeg-strip.ts';
import { forgetBands } from '../../src/photos/render.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cc-photos-fast-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(join(root, 'upload-'));
const CAPTION = { lines: ['点位 清河区幸福社区 农贸市场', '测评员 张三'] };

/** A 320×240 phone photo with EXIF (GPS included), as a tablet may send it; turned, it has a profile too. */
const small = (orientation = 1) => {
  const photo = sharp(fixture('gps-DSCN0010.jpg')).resize(320, 240).keepExif();
  if (orientation !== 1) photo.withMetadata({ orientation });
  return photo.jpeg({ quality: 70 }).toBuffer();
};
const pixels = (buf: Buffer) => sharp(buf).raw().toBuffer();

async function viaQueue(buf: Buffer, caption = CAPTION) {
  const dir = freshDir();
  const stored = await storePhoto(dir, buf, caption);
  await renderVersions(dir, {
    sha256: stored.sha256,
    displayKey: stored.displayKey,
    caption: stored.caption,
  });
  return photoPaths(dir, stored.sha256, stored.displayKey);
}

describe('strippedJpeg', () => {
  it('keeps the picture byte for byte and leaves out EXIF, GPS and whatever follows the image', async () => {
    const photo = await small();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const motion = Buffer.concat([photo, Buffer.from('ftypmp42 a phone video after the picture')]);
    const thumb = strippedJpeg(motion)!;
    expect(thumb).not.toBeNull();
    expect(thumb.length).toBeLessThan(photo.length);
    expect(thumb.includes(Buffer.from('ftypmp42'))).toBe(false);
    const meta = await sharp(thumb).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    expect([meta.exif, meta.xmp, meta.icc, meta.orientation]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect((await pixels(thumb)).equals(await pixels(photo))).toBe(true);
    // progressive scans (several SOS, tables between them) pass too
    const progressive = await sharp(photo).jpeg({ progressive: true }).toBuffer();
    expect((await pixels(strippedJpeg(progressive)!)).equals(await pixels(progressive))).toBe(true);
  });

  it('answers null for what it cannot vouch for', async () => {
    const photo = await small();
    const cmyk = await sharp(photo).toColourspace('cmyk').jpeg().toBuffer(); // an Adobe marker
    const png = await sharp(photo).png().toBuffer();
    for (const odd of [cmyk, png, photo.subarray(0, photo.length - 100), Buffer.alloc(0)])
      expect(strippedJpeg(odd)).toBeNull();
  });
});

describe('versions of a small photo', () => {
  it('take the thumbnail of an upright one as is and put the band under the picture as it is', async () => {
    const upright = await viaQueue(await small());
    expect((await pixels(readFileSync(upright.thumb))).equals(await pixels(await small()))).toBe(true);
    const display = await sharp(upright.display).raw().toBuffer({ resolveWithObject: true });
    expect(display.info.width).toBe(320);
    expect(display.info.height).toBeGreaterThan(240);
    // the first 224 rows (all but the last MCU row, blended with the band) are the photo's own pixels
    const own = await pixels(await small());
    expect(display.data.subarray(0, 320 * 224 * 3).equals(own.subarray(0, 320 * 224 * 3))).toBe(true);
    expect([...((await sharp(upright.display).metadata()).exif ?? [])]).toEqual([]);
  });

  it('turn a turned one upright', async () => {
    const turned = await viaQueue(await small(6));
    expect(await sharp(turned.thumb).metadata()).toMatchObject({ width: 240, height: 320 });
    expect(await sharp(turned.display).metadata()).toMatchObject({ width: 240 });
  });

  it('fit the band under the picture when it would make the version too tall', async () => {
    // 1584 px tall (MCU-aligned, under a megapixel): with the band the picture must be made smaller
    const tall = await sharp(fixture('gps-DSCN0010.jpg'))
      .resize(600, 1584, { fit: 'fill' })
      .jpeg()
      .toBuffer();
    const meta = await sharp((await viaQueue(tall)).display).metadata();
    expect(meta.height).toBeLessThanOrEqual(1600);
    expect(meta.width).toBeLessThan(600);
  });
});

describe('caption bands drawn once', () => {
  it('give the display version a band drawn afresh would, whatever came between', async () => {
    const photo = await small();
    const other = await sharp(fixture('Canon_40D.jpg')).jpeg().toBuffer();
    const captions = [CAPTION, { lines: ['点位 另一处', '测评员 李四'] }, { lines: ['只有一行'] }];
    forgetBands();
    const fresh = [];
    for (const caption of captions) {
      forgetBands();
      fresh.push(readFileSync((await viaQueue(photo, caption)).display));
    }
    // warm: each caption drawn for other widths and other lines in between, then this photo again
    for (let round = 0; round < 2; round++)
      for (const [i, caption] of captions.entries()) {
        await viaQueue(other, caption);
        expect(readFileSync((await viaQueue(photo, caption)).display).equals(fresh[i]!)).toBe(true);
      }
    expect(fresh[0]!.equals(fresh[1]!)).toBe(false);
  });
});
