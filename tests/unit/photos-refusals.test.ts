// Refusals at the photo door: anything that is not a complete JPEG, PNG or WebP within the limits is
// refused with a Chinese reason an inspector can act on, and leaves nothing in the upload folder.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pngBomb } from '../helpers/images.ts';
import sharp from 'sharp';
import { PHOTO_LIMITS, PhotoRejected, storePhoto } from '../../src/photos/store.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cc-refusals-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAPTION = { lines: ['拍摄 2026-05-12 09:31', '清河区幸福社区 农贸市场', '测评员 张三'] };

/** Every file under `dir`, relative to it. */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

async function refusal(buf: Buffer): Promise<{ error: PhotoRejected; files: string[] }> {
  const dir = mkdtempSync(join(root, 'upload-'));
  const error = await storePhoto(dir, buf, CAPTION).then(
    () => {
      throw new Error('was accepted');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(PhotoRejected);
  return { error: error as PhotoRejected, files: walk(dir) };
}

describe('storePhoto refuses', () => {
  it('refuses an iPhone HEIC and says how to fix it', async () => {
    const { error, files } = await refusal(fixture('heic-IMG_5195.HEIC'));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/不支持 HEIC\/HEIF/);
    expect(error.message).toMatch(/兼容性最佳/);
    expect(error.message).toMatch(/JPEG/);
    expect(files).toEqual([]);
  });

  it.each([0.5, 0.97])('refuses a phone JPEG cut off at %s of its length, leaving no file', async (part) => {
    const whole = fixture('mobile-jolla.jpg');
    const cut = whole.subarray(0, Math.floor(whole.length * part));
    expect((await sharp(cut).metadata()).width).toBe(3264); // the header alone looks fine
    const { error, files } = await refusal(cut);
    expect(error.message).toBe('照片文件不完整或已损坏，无法完整读取，请重新拍摄或重新上传');
    expect(files).toEqual([]);
  });

  // JPEG has no checksum: damage is caught when the decoder notices it, as with this stray end marker.
  it('refuses a JPEG whose picture data is damaged in the middle', async () => {
    const damaged = Buffer.from(fixture('orientation-landscape_1.jpg'));
    damaged.writeUInt16BE(0xffd9, Math.floor(damaged.length / 2));
    expect((await refusal(damaged)).error.message).toMatch(/损坏/);
  });

  // a large photo is proven by decoding it at an eighth of its size: every block is still read
  it('refuses a phone JPEG of 8 megapixels whose picture data is damaged in the middle', async () => {
    const damaged = Buffer.from(fixture('mobile-jolla.jpg'));
    damaged.writeUInt16BE(0xffd9, Math.floor(damaged.length / 2));
    expect((await sharp(damaged).metadata()).width).toBe(3264); // the header alone looks fine
    const { error, files } = await refusal(damaged);
    expect(error.message).toBe('照片文件不完整或已损坏，无法完整读取，请重新拍摄或重新上传');
    expect(files).toEqual([]);
  });

  it('refuses an empty file', async () => {
    expect((await refusal(Buffer.alloc(0))).error.message).toBe('文件为空');
  });

  it('refuses a 20001×20001 PNG from its header, before decoding it', async () => {
    const bomb = pngBomb(20_001);
    expect(bomb.length).toBeLessThan(100_000);
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({
      width: 20001,
      height: 20001,
    });
    const { error, files } = await refusal(bomb);
    expect(error.message).toBe('照片尺寸过大（20001×20001 像素），不能超过 50 百万像素');
    expect(files).toEqual([]);
  });

  it('refuses an SVG, scripts and all', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
    expect((await refusal(Buffer.from(svg))).error.message).toMatch(/^不接受 SVG 文件/);
  });

  it('refuses a text file and other formats by name', async () => {
    expect((await refusal(Buffer.from('测评员手记：农贸市场东门有垃圾'))).error.message).toMatch(
      /不是可识别的图片/,
    );
    expect((await refusal(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).error.message).toMatch(
      /不支持 GIF 格式/,
    );
    expect((await refusal(Buffer.from('%PDF-1.4\n', 'latin1'))).error.message).toMatch(/不支持 PDF 格式/);
  });

  it('refuses a file over 20 MB with status 413', async () => {
    const big = Buffer.alloc(PHOTO_LIMITS.maxBytes + 1);
    fixture('orientation-landscape_1.jpg').copy(big);
    const { error, files } = await refusal(big);
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/照片文件太大（20\.0 MB），单张不能超过 20 MB/);
    expect(files).toEqual([]);
  });
});
