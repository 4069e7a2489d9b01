// The photo worker thread answers exactly as the functions it runs: the same stored photo, the same
// refusals (class, message, HTTP status), the same files; and a stopped worker is replaced at next use.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhotoRejected, PhotoTooLarge, photoPaths, REJECTIONS, storePhoto } from '../../src/photos/store.ts';
import {
  renderVersionsOffThread,
  stopPhotoWorker,
  storePhotoOffThread,
  waitingPerWorker,
} from '../../src/photos/off-thread.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cc-offthread-'));
afterAll(async () => {
  await stopPhotoWorker();
  rmSync(root, { recursive: true, force: true });
});
const CAPTION = { lines: ['拍摄 2026-05-12 09:31', '幸福社区 农贸市场', '测评员 张三'] };

describe('photos on the worker thread', () => {
  it('stores the same photo as the main thread would, and makes its versions', async () => {
    const upload = fixture('orientation-portrait_6.jpg');
    const there = await storePhotoOffThread(mkdtempSync(join(root, 'a-')), upload, CAPTION);
    const dir = mkdtempSync(join(root, 'b-'));
    const here = await storePhoto(dir, upload, CAPTION);
    expect(there).toEqual(here);
    const paths = photoPaths(dir, here.sha256, here.displayKey);
    await renderVersionsOffThread(dir, {
      sha256: here.sha256,
      displayKey: here.displayKey,
      caption: here.caption,
    });
    expect(existsSync(paths.display) && existsSync(paths.thumb)).toBe(true);
  });

  it('refuses with the same class, message and status', async () => {
    const dir = mkdtempSync(join(root, 'c-'));
    const cut = fixture('gps-DSCN0010.jpg').subarray(0, 30_000);
    const refused = await storePhotoOffThread(dir, cut, CAPTION).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PhotoRejected);
    expect((refused as PhotoRejected).message).toBe(REJECTIONS.corrupt);
    expect((refused as PhotoRejected).status).toBe(400);
    const heic = await storePhotoOffThread(dir, fixture('heic-IMG_5195.HEIC'), CAPTION).catch(
      (e: unknown) => e,
    );
    expect((heic as Error).message).toBe(REJECTIONS.heic);
    const big = await storePhotoOffThread(dir, Buffer.alloc(21 * 1024 * 1024, 1), CAPTION).catch(
      (e: unknown) => e,
    );
    expect(big).toBeInstanceOf(PhotoTooLarge);
    expect((big as PhotoTooLarge).status).toBe(413);
    // a version of an original that is not there fails, as it would here
    await expect(
      renderVersionsOffThread(dir, { sha256: 'a'.repeat(64), displayKey: 'b'.repeat(16), caption: null }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('makes versions on both normal workers, uploads on the first', async () => {
    const dir = mkdtempSync(join(root, 'e-'));
    const photos = await Promise.all(
      ['Canon_40D.jpg', 'orientation-portrait_6.jpg', 'gps-DSCN0010.jpg'].map((name) =>
        storePhoto(dir, fixture(name), CAPTION),
      ),
    );
    expect(waitingPerWorker()).toEqual([0, 0, 0]);
    const upload = storePhotoOffThread(dir, fixture('Canon_40D.jpg'), CAPTION);
    expect(waitingPerWorker()).toEqual([1, 0, 0]);
    const versions = photos.map((p) =>
      renderVersionsOffThread(dir, { sha256: p.sha256, displayKey: p.displayKey, caption: p.caption }),
    );
    // the second worker takes the first version (the first is busy with the upload), then whichever has
    // less waiting
    expect(waitingPerWorker()).toEqual([2, 2, 0]);
    await Promise.all([upload, ...versions]);
    expect(waitingPerWorker()).toEqual([0, 0, 0]);
    for (const p of photos) {
      const paths = photoPaths(dir, p.sha256, p.displayKey);
      expect(existsSync(paths.display) && existsSync(paths.thumb)).toBe(true);
    }
  });

  it.runIf(process.platform === 'linux')(
    'makes background versions on a third thread, at nice 19 while the rest of the process stays at 0',
    async () => {
      const dir = mkdtempSync(join(root, 'f-'));
      const p = await storePhoto(dir, fixture('gps-DSCN0010.jpg'), CAPTION);
      const made = renderVersionsOffThread(
        dir,
        { sha256: p.sha256, displayKey: p.displayKey, caption: p.caption },
        true,
      );
      expect(waitingPerWorker()).toEqual([0, 0, 1]);
      await made;
      const paths = photoPaths(dir, p.sha256, p.displayKey);
      expect(existsSync(paths.display) && existsSync(paths.thumb)).toBe(true);
      // nice is the 19th field of /proc/<pid>/task/<tid>/stat (after the parenthesised name)
      const nice = readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
      expect(nice.filter((n) => n === 19)).toHaveLength(1);
      expect(nice.filter((n) => n !== 19 && n !== 0)).toEqual([]);
    },
  );

  it('starts a new worker after the old one was stopped', async () => {
    await stopPhotoWorker();
    const dir = mkdtempSync(join(root, 'd-'));
    const photo = await storePhotoOffThread(dir, fixture('Canon_40D.jpg'), CAPTION);
    expect(existsSync(photoPaths(dir, photo.sha256).original)).toBe(true);
  });

  it("keeps a worker's young generation at what it asks for when node is given a larger one", () => {
    // a start command with --max-semi-space-size (an operator's own): V8 would apply it to every worker too
    const flags = ['--max-semi-space-size=32'];
    // a script file, not -e: a worker inherits the process's flags, and --input-type would refuse its file
    const script = join(mkdtempSync(join(root, 'heap-')), 'limits.mjs');
    writeFileSync(
      script,
      `import { getHeapStatistics } from 'node:v8';
      const { workerHeapLimit, stopPhotoWorker } = await import(${JSON.stringify(new URL('../../src/photos/off-thread.ts', import.meta.url).href)});
      const worker = await workerHeapLimit(0);
      console.log(JSON.stringify({ worker, main: getHeapStatistics().heap_size_limit }));
      await stopPhotoWorker();`,
    );
    const limits = (nodeFlags: string[]) => {
      const run = spawnSync(
        process.execPath,
        [...nodeFlags, '--max-old-space-size=512', '--import', 'tsx', script],
        { cwd: new URL('../..', import.meta.url), encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { worker: number; main: number };
    };
    const plain = limits([]);
    const started = limits(flags);
    // the main thread has the larger young generation (V8's default here is 16 MB or less) …
    expect(started.main).toBeGreaterThan(plain.main);
    // … and the photo worker the 8 MB it asks for in both
    expect(started.worker).toBe(plain.worker);
  }, 60_000);
});
