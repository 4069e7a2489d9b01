/**
 * Start-up housekeeping for the upload folder. Files are written before the database row that
 * records them, so a crash or a failed transaction can leave files nobody refers to, and a crash
 * mid-write leaves temp files. Run this at start, before uploads are accepted: a photo stored but
 * not yet recorded would look like a stray. Documents (材料任务 files, `documents/<shard>/<sha256>`)
 * are swept the same way, against the hashes document_files names.
 *
 * Display versions and thumbnails a power cut left cut short (they are written without fsync) are not
 * looked for here: that would open and read every version file at each start, and every reader already
 * asks isWholeJpeg (files.ts) and makes a cut one again.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SHA256, tmpDir } from './files.ts';
import { DOCUMENTS_DIR } from '../documents/store.ts';

type IsKnown = (sha256: string, displayKey?: string) => boolean;

const DISPLAY_FILE = /^([0-9a-f]{64})-([0-9a-f]{8,64})\.jpg$/;
const THUMB_FILE = /^([0-9a-f]{64})\.jpg$/;

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Every entry two levels down (`<kind>/<shard>/<file>`); anything else at shard level counts as a file. */
async function sharded(root: string): Promise<{ path: string; name: string }[]> {
  const found: { path: string; name: string }[] = [];
  let shards;
  try {
    shards = await readdir(root, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const shard of shards) {
    const dir = join(root, shard.name);
    if (!shard.isDirectory()) found.push({ path: dir, name: '' });
    else for (const name of await entries(dir)) found.push({ path: join(dir, name), name });
  }
  return found;
}

/**
 * Deletes everything in tmp/, every original, display version and thumbnail that `isKnown` does
 * not claim (display versions are asked with their displayKey), and every document that
 * `isKnownDocument` does not claim. Files whose names are not ours at all
 * are strays too. Returns the absolute paths removed.
 */
export async function sweepStrayFiles(
  uploadDir: string,
  isKnown: IsKnown,
  isKnownDocument: (sha256: string) => boolean = () => false,
): Promise<{ removed: string[] }> {
  const removed: string[] = [];
  const remove = async (path: string) => {
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  };
  for (const name of await entries(tmpDir(uploadDir))) await remove(join(tmpDir(uploadDir), name));
  for (const file of await sharded(join(uploadDir, 'originals'))) {
    if (!(SHA256.test(file.name) && isKnown(file.name))) await remove(file.path);
  }
  for (const file of await sharded(join(uploadDir, 'thumbs'))) {
    const sha = THUMB_FILE.exec(file.name)?.[1];
    if (!(sha && isKnown(sha))) await remove(file.path);
  }
  for (const file of await sharded(join(uploadDir, 'display'))) {
    const [, sha, key] = DISPLAY_FILE.exec(file.name) ?? [];
    if (!(sha && key && isKnown(sha, key))) await remove(file.path);
  }
  // a document's name is its hash, in the shard of its first two characters
  for (const file of await sharded(join(uploadDir, DOCUMENTS_DIR))) {
    const ok = SHA256.test(file.name) && file.path.endsWith(join(file.name.slice(0, 2), file.name));
    if (!(ok && isKnownDocument(file.name))) await remove(file.path);
  }
  return { removed };
}
