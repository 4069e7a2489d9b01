/**
 * Keeps an accepted document byte for byte under its SHA-256, in a folder of its own beside the
 * photos': `<UPLOAD_DIR>/documents/<first 2 hex>/<sha256>`. The upload was streamed to a temp file and
 * checked there (inspect.ts); here it is hashed as a stream and moved into place — renamed when the temp
 * file is on the same filesystem, else copied to the upload folder's tmp/ (which the start-up sweep empties) and renamed from there, so a
 * crash never leaves a half-written file under a real name. The same file uploaded twice is kept once.
 * DOCUMENTS_DIR and documentPath are for the start-up sweep of stray files and for backup / restore,
 * which do not know about this folder yet (wired in with the task pages).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, SHA256, tmpDir } from '../photos/files.ts';

export const DOCUMENTS_DIR = 'documents';

export interface StoredDocument {
  sha256: string;
  bytes: number;
  /** under the upload folder, with `/` on every platform: `documents/ab/<sha256>` */
  relativePath: string;
}

/** Where a document is kept; the hash is checked, so a value from a URL cannot point elsewhere. */
export function documentPath(uploadDir: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
  return join(uploadDir, DOCUMENTS_DIR, sha256.slice(0, 2), sha256);
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Moves across filesystems: copy into the upload folder's tmp/, flush, rename into place. */
async function copyInto(tempPath: string, uploadDir: string, dest: string): Promise<void> {
  const tmp = tmpDir(uploadDir);
  await mkdir(tmp, { recursive: true });
  const staged = join(tmp, `document-${randomUUID()}`);
  try {
    await copyFile(tempPath, staged);
    const fh = await open(staged, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(staged, dest);
  } finally {
    await rm(staged, { force: true });
  }
  await rm(tempPath, { force: true });
}

/**
 * Moves a checked upload to its place under its SHA-256, untouched; when the same bytes are already
 * kept, the temp file is just removed. The temp file is gone afterwards either way.
 */
export async function storeDocument(uploadDir: string, tempPath: string): Promise<StoredDocument> {
  const { sha256, bytes } = await hashFile(tempPath);
  const dest = documentPath(uploadDir, sha256);
  const relativePath = `${DOCUMENTS_DIR}/${sha256.slice(0, 2)}/${sha256}`;
  if (await exists(dest)) {
    await rm(tempPath, { force: true });
    return { sha256, bytes, relativePath };
  }
  const dir = join(uploadDir, DOCUMENTS_DIR, sha256.slice(0, 2));
  await mkdir(dir, { recursive: true });
  try {
    await rename(tempPath, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyInto(tempPath, uploadDir, dest);
  }
  await fsyncDir(dir);
  return { sha256, bytes, relativePath };
}
