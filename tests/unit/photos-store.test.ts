// Photo intake as an inspector and a reviewer would check it: every photo comes out the right way up,
// the file on disk is the upload byte for byte under its sha256, a second upload of the same bytes
// adds no second original, and the start-up sweep removes only what the database does not know.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import {
  photoPaths,
  renderVersions,
  storePhoto,
  sweepStrayFiles,
  type StoredPhoto,
} from '../../src/photos/store.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cc-photos-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(join(root, 'upload-'));
const CAPTION = { lines: ['拍摄 2026-05-12 09:31', '清河区幸福社区 农贸市场', '测评员 张三'] };

/** Every file under `dir`, relative to it. */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** The picture as a 16×12 grid of RGB values, for comparing what is where. */
async function grid(path: string, height?: number): Promise<Buffer> {
  const image = sharp(path);
  if (height) image.extract({ left: 0, top: 0, width: (await image.metadata()).width, height });
  return image.resize(16, 12, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

/** An upload kept, then its display version and thumbnail made, as the app does after the commit. */
async function keep(dir: string, buf: Buffer, caption: { lines: string[] }): Promise<StoredPhoto> {
  const photo = await storePhoto(dir, buf, caption);
  await renderVersions(dir, { sha256: photo.sha256, displayKey: photo.displayKey, caption: photo.caption });
  return photo;
}

const meanDifference = (a: Buffer, b: Buffer) =>
  a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

describe('storePhoto: the right way up', () => {
  for (const shape of ['landscape', 'portrait'] as const) {
    it(`brings every EXIF orientation of the ${shape} scene out ${shape} and upright`, async () => {
      const dir = freshDir();
      const stored: StoredPhoto[] = [];
      for (let n = 1; n <= 8; n++)
        stored.push(await keep(dir, fixture(`orientation-${shape}_${n}.jpg`), CAPTION));
      const [w, h] = shape === 'landscape' ? [600, 450] : [450, 600];
      const upright = photoPaths(dir, stored[0]!.sha256, stored[0]!.displayKey);
      const thumbOfOne = await grid(upright.thumb);
      const topOfOne = await grid(upright.display, h / 3);
      for (const [i, photo] of stored.entries()) {
        const paths = photoPaths(dir, photo.sha256, photo.displayKey);
        const display = await sharp(paths.display).metadata();
        const thumb = await sharp(paths.thumb).metadata();
        expect([photo.width, photo.height], `${shape}_${i + 1}`).toEqual([w, h]);
        expect(display.width, `${shape}_${i + 1} display`).toBe(w);
        expect(display.height).toBeGreaterThan(h); // the picture plus its caption band
        expect(thumb.width > thumb.height, `${shape}_${i + 1} thumb`).toBe(shape === 'landscape');
        expect(Math.max(thumb.width, thumb.height)).toBe(320);
        expect(meanDifference(await grid(paths.thumb), thumbOfOne), `${shape}_${i + 1}`).toBeLessThan(6);
        expect(meanDifference(await grid(paths.display, h / 3), topOfOne), `${shape}_${i + 1}`).toBeLessThan(
          6,
        );
      }
      // The comparison can tell: the upright picture upside down, or mirrored, is far apart.
      for (const wrong of [sharp(upright.thumb).rotate(180), sharp(upright.thumb).flop()]) {
        const pixels = await wrong.resize(16, 12, { fit: 'fill' }).raw().toBuffer();
        expect(meanDifference(pixels, thumbOfOne)).toBeGreaterThan(20);
      }
    });
  }

  it('makes a phone photo into a 1600 px display version without EXIF and a 320 px thumbnail', async () => {
    const dir = freshDir();
    const photo = await keep(dir, fixture('mobile-jolla.jpg'), CAPTION);
    expect(photo).toMatchObject({ mime: 'image/jpeg', width: 3264, height: 2448, bytes: 811904 });
    expect(photo.meta.takenAt).toBe('2014-09-21T08:00:56.000Z');
    const paths = photoPaths(dir, photo.sha256, photo.displayKey);
    const display = await sharp(paths.display).metadata();
    expect(display).toMatchObject({ format: 'jpeg', width: 1600 });
    expect(display.height).toBeLessThanOrEqual(1600);
    expect(display.exif).toBeUndefined();
    expect(await sharp(paths.thumb).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
  });

  it('keeps a tall portrait within 1600 px including the caption band', async () => {
    const dir = freshDir();
    const tall = await sharp({ create: { width: 1500, height: 4000, channels: 3, background: '#3a7' } })
      .jpeg()
      .toBuffer();
    const photo = await keep(dir, tall, { lines: [...CAPTION.lines, '第四行', '第五行'] });
    const display = await sharp(photoPaths(dir, photo.sha256, photo.displayKey).display).metadata();
    expect(display.height).toBeLessThanOrEqual(1600);
    expect(display.height).toBeGreaterThan(1500);
  });
});

describe('storePhoto: the files on disk', () => {
  it('keeps the upload byte for byte, named by its sha256, and nothing in tmp/', async () => {
    const dir = freshDir();
    const upload = fixture('gps-DSCN0010.jpg');
    const photo = await storePhoto(dir, upload, CAPTION);
    const sha = createHash('sha256').update(upload).digest('hex');
    expect(photo.sha256).toBe(sha);
    expect(photo.caption).toEqual(CAPTION.lines);
    const { original, thumb, display } = photoPaths(dir, sha, photo.displayKey);
    expect(original).toBe(join(dir, 'originals', sha.slice(0, 2), sha));
    expect(basename(original)).toBe(sha);
    expect(readFileSync(original).equals(upload)).toBe(true);
    // the upload alone keeps only the original; the versions are made afterwards from it
    expect(walk(dir)).toEqual([original.slice(dir.length + 1)]);
    await renderVersions(dir, { sha256: sha, displayKey: photo.displayKey, caption: photo.caption });
    expect(walk(dir).sort()).toEqual([original, thumb, display].map((p) => p.slice(dir.length + 1)).sort());
    expect(display).toBe(join(dir, 'display', sha.slice(0, 2), `${sha}-${photo.displayKey}.jpg`));
    expect(thumb).toBe(join(dir, 'thumbs', sha.slice(0, 2), `${sha}.jpg`));
  });

  it('stores the same bytes twice as one original, with one display version per caption', async () => {
    const dir = freshDir();
    const upload = fixture('Canon_40D.jpg');
    const first = await keep(dir, upload, CAPTION);
    const mtime = statSync(photoPaths(dir, first.sha256).original).mtimeMs;
    const again = await keep(dir, upload, CAPTION);
    const elsewhere = await keep(dir, upload, { lines: ['幸福社区 公厕', '测评员 李四'] });
    expect(again).toEqual(first);
    expect(elsewhere.sha256).toBe(first.sha256);
    expect(elsewhere.displayKey).not.toBe(first.displayKey);
    const files = walk(dir);
    expect(files.filter((f) => f.startsWith('originals/'))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('thumbs/'))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('display/'))).toHaveLength(2);
    expect(files.filter((f) => f.startsWith('tmp/'))).toEqual([]);
    expect(statSync(photoPaths(dir, first.sha256).original).mtimeMs).toBe(mtime);
  });

  it('accepts PNG and WebP, flattening transparency onto white', async () => {
    const dir = freshDir();
    const clear = { create: { width: 40, height: 30, channels: 4 as const, background: '#0000' } };
    for (const [mime, buf] of [
      ['image/png', await sharp(clear).png().toBuffer()],
      ['image/webp', await sharp(clear).webp({ lossless: true }).toBuffer()],
    ] as const) {
      const photo = await keep(dir, buf, CAPTION);
      expect(photo).toMatchObject({ mime, width: 40, height: 30 });
      const corner = await sharp(photoPaths(dir, photo.sha256).thumb).extract({
        left: 0,
        top: 0,
        width: 4,
        height: 4,
      });
      expect((await corner.stats()).channels.map((c) => Math.round(c.mean))).toEqual([255, 255, 255]);
    }
  });

  it('makes only the thumbnail when there is no caption, and nothing again when both exist', async () => {
    const dir = freshDir();
    const photo = await storePhoto(dir, fixture('Canon_40D.jpg'), CAPTION);
    const paths = photoPaths(dir, photo.sha256, photo.displayKey);
    await renderVersions(dir, { sha256: photo.sha256, displayKey: photo.displayKey, caption: null });
    expect([existsSync(paths.thumb), existsSync(paths.display)]).toEqual([true, false]);
    await renderVersions(dir, { sha256: photo.sha256, displayKey: photo.displayKey, caption: photo.caption });
    const made = [statSync(paths.thumb).mtimeMs, statSync(paths.display).mtimeMs];
    await renderVersions(dir, { sha256: photo.sha256, displayKey: photo.displayKey, caption: photo.caption });
    expect([statSync(paths.thumb).mtimeMs, statSync(paths.display).mtimeMs]).toEqual(made);
  });

  it('puts the time the photo was taken first, or when it came in when it has no EXIF time', async () => {
    const dir = freshDir();
    const taken = await storePhoto(dir, fixture('mobile-jolla.jpg'), { lines: ['点位 A'], timeFirst: true });
    expect(taken.caption).toEqual(['拍摄 2014-09-21 16:00', '点位 A']); // 08:00:56 UTC in Shanghai
    const untimed = await storePhoto(dir, fixture('xmp-no_exif.jpg'), { lines: ['点位 B'], timeFirst: true });
    expect(untimed.caption[0]).toMatch(/^上传 \d{4}-\d\d-\d\d \d\d:\d\d（照片无拍摄时间）$/);
    expect(untimed.displayKey).not.toBe(
      (await storePhoto(dir, fixture('xmp-no_exif.jpg'), { lines: ['点位 B'] })).displayKey,
    );
  });

  it('refuses names that could point outside the upload folder', () => {
    expect(() => photoPaths('/up', '../../etc/passwd')).toThrow();
    expect(() => photoPaths('/up', 'a'.repeat(64), '../x')).toThrow();
  });
});

describe('sweepStrayFiles', () => {
  it('removes temp leftovers and files the database does not know, and keeps the rest', async () => {
    const dir = freshDir();
    const kept = await keep(dir, fixture('Canon_40D.jpg'), CAPTION);
    const keptOther = await keep(dir, fixture('Canon_40D.jpg'), { lines: ['另一处点位'] });
    const stray = await keep(dir, fixture('xmp-no_exif.jpg'), CAPTION);
    const leftovers = [join(dir, 'tmp', 'crashed.part'), join(dir, 'tmp', 'nested', 'half.part')];
    const junk = join(dir, 'originals', 'zz', 'not-a-photo.txt');
    for (const file of [...leftovers, junk]) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, 'x');
    }
    const known = (sha: string, key?: string) =>
      sha === kept.sha256 && (key === undefined || key === kept.displayKey);

    const { removed } = await sweepStrayFiles(dir, known);

    const strayPaths = photoPaths(dir, stray.sha256, stray.displayKey);
    const otherDisplay = photoPaths(dir, kept.sha256, keptOther.displayKey).display;
    expect(removed.sort()).toEqual(
      [
        join(dir, 'tmp', 'crashed.part'),
        join(dir, 'tmp', 'nested'),
        junk,
        strayPaths.original,
        strayPaths.thumb,
        strayPaths.display,
        otherDisplay,
      ].sort(),
    );
    const keptPaths = photoPaths(dir, kept.sha256, kept.displayKey);
    expect(walk(dir).sort()).toEqual(
      [keptPaths.original, keptPaths.thumb, keptPaths.display].map((p) => p.slice(dir.length + 1)).sort(),
    );
    expect(await sweepStrayFiles(dir, known)).toEqual({ removed: [] });
  });
});
