/**
 * Where photo files live under the upload folder, and how they get there without ever leaving a
 * half-written file under a real name: write to tmp/, fsync, rename into place, fsync the folder.
 * A crash leaves at most a stray temp file, which sweepStrayFiles deletes at the next start. Display
 * versions and thumbnails skip the fsyncs (they can be made again): after a power cut one may be cut
 * short, which isWholeJpeg tells.
 *
 *   originals/ab/<sha256>                  the upload, byte for byte (the evidence)
 *   display/ab/<sha256>-<displayKey>.jpg   rotated, ≤ 1600 px, with the caption band
 *   thumbs/ab/<sha256>.jpg                 rotated, ≤ 320 px
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
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
 * Whether a display version or thumbnail is whole: not empty, opening with the JPEG start marker (FF D8)
 * and closing with its end marker (FF D9). Versions are written without fsync (writeVersionFile), so
 * after a power cut one may be empty or cut short under its real name; every reader asks this, not
 * whether the file exists. One open and two 2-byte reads, no decode.
 */
export function isWholeJpeg(path: string): boolean {
  // asked first, without an exception: most versions asked about by the background are not made yet, and
  // a failed open builds an error with its stack (≈ 10 µs against ≈ 2 µs)
  if (!existsSync(path)) return false;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    if (!stat.isFile() || size < 4) return false;
    const ends = Buffer.alloc(4);
    if (readSync(fd, ends, 0, 2, 0) !== 2 || readSync(fd, ends, 2, 2, size - 2) !== 2) return false;
    return ends.readUInt32BE(0) === 0xffd8ffd9;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a display version or thumbnail: to tmp/, then renamed into place (replacing what is there), so
 * while the server runs nobody finds a half-written file under the real name. Nothing is fsynced, neither
 * the file nor its folder: a version can always be made again from the kept original, and its two fsyncs
 * were most of its cost (a small photo's versions take ≈ 2 ms of CPU). After a power cut a renamed
 * version may be empty or cut short; readers check isWholeJpeg and make it again. `blocking` uses
 * blocking calls (microseconds each, with no disk wait left among them): the photo worker's way, never
 * on the event loop.
 */
export async function writeVersionFile(
  uploadDir: string,
  path: string,
  data: Buffer,
  blocking: boolean,
): Promise<void> {
  const write = blocking ? writeVersionSync : writeVersionAsync;
  await againIfFolderGone(async () => write(uploadDir, path, data));
}

/**
 * Runs a write once more, with every folder made again, when it failed because a folder ensureDir knew
 * was removed behind our back (ENOENT).
 */
async function againIfFolderGone<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || knownDirs.size === 0) throw err;
    knownDirs.clear();
    return write();
  }
}

const tmpName = (uploadDir: string) => join(tmpDir(uploadDir), `${randomUUID()}.part`);

function writeVersionSync(uploadDir: string, path: string, data: Buffer): void {
  const tmp = tmpName(uploadDir);
  ensureDirSync(dirname(tmp));
  ensureDirSync(dirname(path));
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

async function writeVersionAsync(uploadDir: string, path: string, data: Buffer): Promise<void> {
  const tmp = tmpName(uploadDir);
  await ensureDir(dirname(tmp));
  await ensureDir(dirname(path));
  try {
    await writeFile(tmp, data, { flag: 'wx', mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes `data` to `path` crash-safely and lastingly (originals): the data is on disk before the file
 * gets its name, and the name before this returns. An existing file of the same size is kept (same
 * content by name). `blocking` (the photo worker's way, never on the event loop) makes the calls that
 * take microseconds blocking and only the two fsyncs, which wait for the disk, on the thread pool: each
 * call handed to the pool costs a wake of two threads, and a photo's eight cost more CPU than all of its
 * writing (tmp harness, 1,500 files of 16 KB: 0.38–0.40 ms of CPU a file against 0.68–1.17).
 */
export async function writeOnce(
  uploadDir: string,
  path: string,
  data: Buffer,
  blocking: boolean,
): Promise<boolean> {
  // a stat takes microseconds: asked without a promise, and without an exception for the usual answer
  if (statSync(path, { throwIfNoEntry: false })?.size === data.length) return false;
  return againIfFolderGone(() => (blocking ? writeNewBlocking : writeNew)(uploadDir, path, data));
}

/** fsync(2) of an open descriptor, on the thread pool. */
function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** fsyncDir with blocking open and close (writeOnce's `blocking`). */
async function fsyncDirBlocking(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // as fsyncDir: not every platform can open a directory
  }
  try {
    await fsyncFd(fd);
  } catch {
    // the rename itself has happened; only its durability across a power cut is not guaranteed
  } finally {
    closeSync(fd);
  }
}

async function writeNewBlocking(uploadDir: string, path: string, data: Buffer): Promise<boolean> {
  const tmp = tmpName(uploadDir);
  ensureDirSync(dirname(tmp));
  const createdDir = ensureDirSync(dirname(path));
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeFileSync(fd, data);
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  await fsyncDirBlocking(dirname(path));
  if (createdDir) await fsyncDirBlocking(dirname(createdDir));
  return true;
}

async function writeNew(uploadDir: string, path: string, data: Buffer): Promise<boolean> {
  const tmp = tmpName(uploadDir);
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
  await fsyncDir(dirname(path));
  if (createdDir) await fsyncDir(dirname(createdDir));
  return true;
}
