/**
 * Where photo files live under the upload folder, and how they get there without ever leaving a
 * half-written file under a real name: write to tmp/, fsync, rename into place, fsync the folder.
 * A crash leaves at most a stray temp file, which sweepStrayFiles deletes at the next start.
 *
 *   originals/ab/<sha256>                  the upload, byte for byte (the evidence)
 *   display/ab/<sha256>-<displayKey>.jpg   rotated, ≤ 1600 px, with the caption band
 *   thumbs/ab/<sha256>.jpg                 rotated, ≤ 320 px
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const SHA256 = /^[0-9a-f]{64}$/;
export const DISPLAY_KEY = /^[0-9a-f]{8,64}$/;

export interface PhotoFiles {
  original: string;
  thumb: string;
}

function checkSha(sha256: string): void {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
}

/**
 * Paths of one photo's files. The display path needs the displayKey, because one original can be
 * filed with different captions (another site, another inspector). Both arguments are checked, so a
 * value from a URL can never point outside the upload folder.
 */
export function photoPaths(uploadDir: string, sha256: string): PhotoFiles;
export function photoPaths(
  uploadDir: string,
  sha256: string,
  displayKey: string,
): PhotoFiles & { display: string };
export function photoPaths(
  uploadDir: string,
  sha256: string,
  displayKey?: string,
): PhotoFiles & { display?: string } {
  checkSha(sha256);
  const shard = sha256.slice(0, 2);
  const files: PhotoFiles & { display?: string } = {
    original: join(uploadDir, 'originals', shard, sha256),
    thumb: join(uploadDir, 'thumbs', shard, `${sha256}.jpg`),
  };
  if (displayKey !== undefined) {
    if (!DISPLAY_KEY.test(displayKey)) throw new Error(`not a display key: ${JSON.stringify(displayKey)}`);
    files.display = join(uploadDir, 'display', shard, `${sha256}-${displayKey}.jpg`);
  }
  return files;
}

export function tmpDir(uploadDir: string): string {
  return join(uploadDir, 'tmp');
}

/** Makes the rename durable. Not every platform can open a directory (Windows), so failure is ignored. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // the rename itself has happened; only its durability across a power cut is not guaranteed
  }
}

/**
 * Folders known to exist, so a write does not ask again (two fewer file-system calls for each file; under
 * load each call waits for its turn on the event loop). Forgotten when a write finds one gone.
 */
const knownDirs = new Set<string>();

/** mkdir -p, remembered; returns the first folder it had to create, as mkdir does. */
async function ensureDir(dir: string): Promise<string | undefined> {
  if (knownDirs.has(dir)) return undefined;
  const created = await mkdir(dir, { recursive: true });
  if (knownDirs.size > 10_000) knownDirs.clear();
  knownDirs.add(dir);
  return created;
}

function ensureDirSync(dir: string): string | undefined {
  if (knownDirs.has(dir)) return undefined;
  const created = mkdirSync(dir, { recursive: true });
  if (knownDirs.size > 10_000) knownDirs.clear();
  knownDirs.add(dir);
  return created;
}

/**
 * writeOnce with blocking calls, not lasting, but for its one long wait, the fsync, handed to the thread
 * pool: the other calls block for microseconds and cost a third of the CPU of awaiting each (≈ 2.2 ms a
 * file against 0.75: a promise, a trip through libuv's pool and, for the missing file's stat, an
 * exception each), and the waits for the disk of several files overlap. Only off the event loop.
 * For the photo worker's display versions and thumbnails: made one after another with every call
 * blocking, each waited for its fsync in turn (measured on a busy disk: 5.7 ms a file, 0.7 ms of it CPU;
 * overlapped, 1.5 ms a file).
 */
export async function writeOnceOverlapped(uploadDir: string, path: string, data: Buffer): Promise<boolean> {
  if (statSync(path, { throwIfNoEntry: false })?.size === data.length) return false;
  try {
    return await writeNewOverlapped(uploadDir, path, data);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || knownDirs.size === 0) throw err;
    knownDirs.clear();
    return writeNewOverlapped(uploadDir, path, data);
  }
}

async function writeNewOverlapped(uploadDir: string, path: string, data: Buffer): Promise<boolean> {
  const tmp = join(tmpDir(uploadDir), `${randomUUID()}.part`);
  ensureDirSync(dirname(tmp));
  ensureDirSync(dirname(path));
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at);
      await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return true;
}

/**
 * Writes `data` to `path` crash-safely. An existing file of the same size is kept (same content by name).
 * With `lasting` false (display versions and thumbnails) the data is on disk before the file gets its
 * name, but the name is not made durable (no fsync of the folder): a crash can only lose the file whole,
 * and a view that finds a version missing makes it again (versions.ts ensure).
 */
export async function writeOnce(
  uploadDir: string,
  path: string,
  data: Buffer,
  lasting = true,
): Promise<boolean> {
  // a stat takes microseconds: asked without a promise, and without an exception for the usual answer
  if (statSync(path, { throwIfNoEntry: false })?.size === data.length) return false;
  try {
    return await writeNew(uploadDir, path, data, lasting);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || knownDirs.size === 0) throw err;
    knownDirs.clear(); // a folder was removed behind our back: make it again
    return writeNew(uploadDir, path, data, lasting);
  }
}

async function writeNew(uploadDir: string, path: string, data: Buffer, lasting: boolean): Promise<boolean> {
  const tmp = join(tmpDir(uploadDir), `${randomUUID()}.part`);
  await ensureDir(dirname(tmp));
  const createdDir = await ensureDir(dirname(path));
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (!lasting) return true;
  await fsyncDir(dirname(path));
  if (createdDir) await fsyncDir(dirname(createdDir));
  return true;
}
