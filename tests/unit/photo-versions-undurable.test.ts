// Display versions and thumbnails are written without fsync (they can be made again from the kept original),
// while originals keep theirs. What is checked: no fsync of any kind while versions are written, by the
// worker's blocking way or the awaited way; a version a power cut left empty or cut short is found not
// whole (isWholeJpeg) and made again, whole, in place; an original is fsynced with its folders by either way
// (the worker's: blocking calls, only the fsyncs on the thread pool) and a failed write leaves nothing.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';

/** Every fsync or fdatasync asked for, by any of node's ways to ask. */
const syncs = vi.hoisted(() => ({ count: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const counted =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    (...args: A): R => {
      syncs.count++;
      return f(...args);
    };
  const wrapped = {
    ...fs,
    fsync: counted(fs.fsync),
    fsyncSync: counted(fs.fsyncSync),
    fdatasync: counted(fs.fdatasync),
    fdatasyncSync: counted(fs.fdatasyncSync),
  };
  return { ...wrapped, default: wrapped };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof FsPromises>();
  const open: typeof fsp.open = async (...args) => {
    const handle = await fsp.open(...args);
    const sync = handle.sync.bind(handle);
    const datasync = handle.datasync.bind(handle);
    handle.sync = () => {
      syncs.count++;
      return sync();
    };
    handle.datasync = () => {
      syncs.count++;
      return datasync();
    };
    return handle;
  };
  const wrapped = { ...fsp, open };
  return { ...wrapped, default: wrapped };
});

const { isWholeJpeg, photoPaths, tmpDir, writeOnce } = await import('../../src/photos/files.ts');
const { renderVersions, storePhoto } = await import('../../src/photos/store.ts');

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cc-versions-undurable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAPTION = { lines: ['点位 清河区幸福社区 农贸市场', '测评员 张三'] };

/** A photo kept as an upload is, its versions not made yet. */
async function kept(file = 'gps-DSCN0010.jpg') {
  const dir = mkdtempSync(join(root, 'upload-'));
  const stored = await storePhoto(dir, fixture(file), CAPTION);
  const photo = { sha256: stored.sha256, displayKey: stored.displayKey, caption: stored.caption };
  return { dir, photo, paths: photoPaths(dir, stored.sha256, stored.displayKey) };
}

/** Decoded to the last byte at sharp's strictest: a cut JPEG fails here. */
const decodesWhole = (file: string) => sharp(readFileSync(file), { failOn: 'warning' }).raw().toBuffer();

beforeEach(() => {
  syncs.count = 0;
});

describe('versions written without fsync', () => {
  for (const blocking of [true, false])
    it(`the original is made lasting (fsync counted), its versions are not (${blocking ? 'blocking' : 'awaited'} calls)`, async () => {
      const { dir, photo, paths } = await kept();
      // the count sees fsyncs: the original's write asked for them
      expect(syncs.count).toBeGreaterThan(0);
      syncs.count = 0;
      await renderVersions(dir, photo, blocking);
      expect(syncs.count).toBe(0);
      expect(isWholeJpeg(paths.display) && isWholeJpeg(paths.thumb)).toBe(true);
      await decodesWhole(paths.display);
      await decodesWhole(paths.thumb);
    });

  it('made again, whole, without fsync, when a power cut left them empty or cut short', async () => {
    const { dir, photo, paths } = await kept('Canon_40D.jpg');
    await renderVersions(dir, photo, true);
    const made = { display: readFileSync(paths.display), thumb: readFileSync(paths.thumb) };
    for (const cut of [() => 0, (n: number) => Math.floor(n / 2), (n: number) => n - 1]) {
      for (const which of ['display', 'thumb'] as const) {
        truncateSync(paths[which], cut(made[which].length));
        expect(isWholeJpeg(paths[which])).toBe(false);
        syncs.count = 0;
        await renderVersions(dir, photo, which === 'thumb');
        expect(syncs.count).toBe(0);
        expect(readFileSync(paths[which]).equals(made[which]), which).toBe(true);
        await decodesWhole(paths[which]);
      }
    }
  });
});

describe('originals written lastingly', () => {
  for (const blocking of [true, false])
    it(`fsynced with their folders, then kept as they are (${blocking ? 'blocking' : 'awaited'} calls)`, async () => {
      const dir = mkdtempSync(join(root, 'originals-'));
      const data = fixture('gps-DSCN0010.jpg');
      const path = photoPaths(dir, 'ab'.repeat(32)).original;
      syncs.count = 0;
      expect(await writeOnce(dir, path, data, blocking)).toBe(true);
      // the file, the folder it was renamed into, and the parent of the first folder made for it
      expect(syncs.count).toBe(3);
      expect(readFileSync(path).equals(data)).toBe(true);
      expect(readdirSync(tmpDir(dir))).toEqual([]);
      syncs.count = 0;
      expect(await writeOnce(dir, path, data, blocking)).toBe(false);
      expect(syncs.count).toBe(0);
    });

  it('a write that fails leaves no temporary file and nothing under the name (blocking calls)', async () => {
    const dir = mkdtempSync(join(root, 'originals-'));
    const path = photoPaths(dir, 'cd'.repeat(32)).original;
    // a folder where the file should go: the rename fails
    mkdirSync(join(path, 'x'), { recursive: true });
    await expect(writeOnce(dir, path, fixture('gps-DSCN0010.jpg'), true)).rejects.toThrow();
    expect(readdirSync(tmpDir(dir))).toEqual([]);
    expect(readdirSync(path)).toEqual(['x']);
  });
});

describe('isWholeJpeg', () => {
  it('asks for both JPEG markers and a file that is there', () => {
    const file = join(root, 'v.jpg');
    const soi = [0xff, 0xd8];
    const eoi = [0xff, 0xd9];
    const check = (bytes: number[]) => {
      writeFileSync(file, Buffer.from(bytes));
      return isWholeJpeg(file);
    };
    expect(isWholeJpeg(join(root, 'none.jpg'))).toBe(false);
    expect(check([])).toBe(false);
    expect(check([...soi, ...eoi])).toBe(true);
    expect(check([...soi, 1, 2, 3, ...eoi])).toBe(true);
    expect(check([...soi, 1, 2, 3])).toBe(false); // cut short
    expect(check([0, 0, 1, 2, 3, ...eoi])).toBe(false); // zeros where the start was
    expect(check([...soi, 1, 2, 3, 0, 0])).toBe(false); // zeros where the end was (a size with no data)
    expect(isWholeJpeg(root)).toBe(false); // a folder
  });
});
