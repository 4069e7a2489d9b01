/**
 * Child process of the `versions` benchmark: what the display version (with its caption band) and the
 * thumbnail of one photo cost, made as the server makes them — renderVersions on originals kept by
 * storePhoto in a temporary upload folder. Each photo is a different picture (the test fixtures, made
 * 320×240 as a phone's small photo, or 4000×3000 as a 12-megapixel one), so no cache sees the same
 * pixels twice. Prints the CPU (process.cpuUsage: libvips' threads included) and wall milliseconds of
 * each photo as JSON; the parent takes the medians. Its own process, so nothing else runs in it.
 * What the versions add to a small upload is measured too: the upload's CPU (checked and kept) alone,
 * and with its versions made right after it (renderVersions, as the queue makes them).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { renderVersions, storePhoto, type StoredPhoto } from '../src/photos/store.ts';

const fixtures = fileURLToPath(new URL('../tests/fixtures/photos/', import.meta.url));
// the fixtures' different pictures (the orientation set is one picture eight ways: one of it is enough)
const sources = readdirSync(fixtures)
  .filter((f) => f.endsWith('.jpg') && !/orientation-.*_[2-8]\.jpg$/.test(f))
  .sort()
  .map((f) => readFileSync(join(fixtures, f)));
const caption = { lines: ['点位 清河区第一社区居委会', '测评员 测评员一'], timeFirst: true };

/**
 * Stores photos `from`…`to`-1 of `width`×`height`: photo n is fixture n (turned upright), a little larger
 * than asked and cropped at an offset that differs each time round the fixtures, so no two are the same.
 */
async function keep(dir: string, from: number, to: number, width: number, height: number, quality: number) {
  const kept: StoredPhoto[] = [];
  for (const jpeg of await photos(from, to, width, height, quality))
    kept.push(await storePhoto(dir, jpeg, caption));
  return kept;
}

async function photos(from: number, to: number, width: number, height: number, quality: number) {
  const made: Buffer[] = [];
  for (let n = from; n < to; n++) {
    const round = Math.floor(n / sources.length);
    const jpeg = await sharp(sources[n % sources.length]!)
      .rotate()
      .resize(width + 32, height + 24, { fit: 'fill' })
      .extract({ left: round % 32, top: Math.floor(round / 32) % 24, width, height })
      .jpeg({ quality })
      .toBuffer();
    made.push(jpeg);
  }
  return made;
}

/**
 * A small upload as the photo worker takes it: checked and kept, then (with `versions`) its versions
 * made as the worker makes them. CPU of each, with and without.
 */
async function atUpload(dir: string, uploads: Buffer[], versions: boolean) {
  const cpu: number[] = [];
  for (const buf of uploads) {
    const c = process.cpuUsage();
    const kept = await storePhoto(dir, buf, caption);
    if (versions)
      await renderVersions(
        dir,
        { sha256: kept.sha256, displayKey: kept.displayKey, caption: kept.caption },
        true,
      );
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return cpu;
}

async function measure(dir: string, kept: StoredPhoto[]) {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (const photo of kept) {
    const c = process.cpuUsage();
    const t = performance.now();
    // as on the photo worker thread: blocking calls, but for the fsyncs
    await renderVersions(
      dir,
      { sha256: photo.sha256, displayKey: photo.displayKey, caption: photo.caption },
      true,
    );
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { cpu, wall };
}

const dir = mkdtempSync(join(tmpdir(), 'cc-bench-versions-'));
try {
  // the first photos of a process pay for loading libraries and the font: warmed up on photos of their own
  await measure(dir, await keep(dir, 0, 10, 320, 240, 70));
  const small = await measure(dir, await keep(dir, 10, 50, 320, 240, 70));
  const big = await measure(dir, await keep(dir, 0, 7, 4000, 3000, 92));
  // alternately, so both see the same machine
  const uploads = await photos(100, 180, 320, 240, 70);
  const upload = { plain: [] as number[], withVersions: [] as number[] };
  for (let i = 0; i < uploads.length; i += 10) {
    upload.plain.push(...(await atUpload(dir, uploads.slice(i, i + 5), false)));
    upload.withVersions.push(...(await atUpload(dir, uploads.slice(i + 5, i + 10), true)));
  }
  console.log(JSON.stringify({ small, big, upload }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
