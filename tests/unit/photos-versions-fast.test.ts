// The shortcuts in making a photo's display version and thumbnail give what the long way gives: a small
// upright JPEG's thumbnail is its own picture without its metadata; a small upload's versions made from
// the decode that checked it are the bytes renderVersions makes later from the kept original; a caption
// band drawn once and kept is the band drawn afresh, whatever was drawn in between.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { keepPhoto, photoPaths, renderVersions, storePhoto } from '../../src/photos/store.ts';
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

async function viaUpload(buf: Buffer, caption = CAPTION) {
  const dir = freshDir();
  const { stored, versions } = await keepPhoto(dir, buf, caption, true);
  await versions?.();
  return { dir, stored, versions, paths: photoPaths(dir, stored.sha256, stored.displayKey) };
}
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

describe('versions made from the upload', () => {
  it('are the bytes renderVersions makes from the kept original', async () => {
    for (const buf of [
      await small(),
      await small(6),
      fixture('Canon_40D.jpg'),
      fixture('gps-DSCN0010.jpg'),
    ]) {
      const up = await viaUpload(buf);
      expect(up.versions).not.toBeNull();
      const later = await viaQueue(buf);
      expect(readFileSync(up.paths.display).equals(readFileSync(later.display))).toBe(true);
      expect(readFileSync(up.paths.thumb).equals(readFileSync(later.thumb))).toBe(true);
    }
  });

  it('turn a small photo upright and take its thumbnail as is only when it already is', async () => {
    const upright = await viaUpload(await small());
    expect((await pixels(readFileSync(upright.paths.thumb))).equals(await pixels(await small()))).toBe(true);
    const turned = await viaUpload(await small(6));
    expect(await sharp(turned.paths.thumb).metadata()).toMatchObject({ width: 240, height: 320 });
    expect(await sharp(turned.paths.display).metadata()).toMatchObject({ width: 240 });
  });

  it('are left to the queue for a photo larger than 2 megapixels, or one the band would shrink', async () => {
    const { versions } = await viaUpload(fixture('mobile-jolla.jpg'));
    expect(versions).toBeNull();
    // and for one whose band needs the picture smaller than it is (1590 px tall: the band makes it > 1600)
    const tall = await sharp(fixture('gps-DSCN0010.jpg'))
      .resize(1000, 1590, { fit: 'fill' })
      .jpeg()
      .toBuffer();
    const up = await viaUpload(tall);
    expect([existsSync(up.paths.display), existsSync(up.paths.thumb)]).toEqual([false, false]);
    const later = await viaQueue(tall);
    expect((await sharp(later.display).metadata()).height).toBeLessThanOrEqual(1600);
  });

  it('refuse a damaged small photo as the check does', async () => {
    const photo = await small();
    const cut = photo.subarray(0, photo.length - 200);
    await expect(keepPhoto(freshDir(), cut, CAPTION, true)).rejects.toThrow(/不完整或已损坏/);
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
