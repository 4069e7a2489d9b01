/**
 * A checked document is kept byte for byte under its SHA-256 in UPLOAD_DIR/documents, once however
 * often it is uploaded, and the temp file it was streamed to is gone afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DOCUMENTS_DIR, documentPath, storeDocument } from '../../src/documents/store.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cc-documents-store-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(bytes: Buffer, name: string): Promise<string> {
  const path = join(root, name);
  await writeFile(path, bytes);
  return path;
}

describe('storeDocument', () => {
  it('moves the upload, untouched, to documents/<2 hex>/<sha256> and removes the temp file', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300_000)]);
    const uploadDir = join(root, 'uploads');
    const temp = await upload(bytes, 'upload-1');
    const stored = await storeDocument(uploadDir, temp);
    const hash = sha(bytes);
    expect(stored).toEqual({
      sha256: hash,
      bytes: bytes.length,
      relativePath: `documents/${hash.slice(0, 2)}/${hash}`,
    });
    expect(documentPath(uploadDir, hash)).toBe(join(uploadDir, DOCUMENTS_DIR, hash.slice(0, 2), hash));
    expect(sha(await readFile(documentPath(uploadDir, hash)))).toBe(hash);
    expect(existsSync(temp)).toBe(false);
  });

  it('keeps the same file uploaded twice once, and removes the second temp file', async () => {
    const bytes = randomBytes(50_000);
    const uploadDir = join(root, 'uploads');
    const first = await storeDocument(uploadDir, await upload(bytes, 'upload-1'));
    const second = await storeDocument(uploadDir, await upload(bytes, 'upload-2'));
    expect(second).toEqual(first);
    const shard = join(uploadDir, DOCUMENTS_DIR, first.sha256.slice(0, 2));
    expect(await readdir(shard)).toEqual([first.sha256]);
    expect((await readdir(root)).sort()).toEqual(['uploads']);
    expect(sha(await readFile(documentPath(uploadDir, first.sha256)))).toBe(first.sha256);
  });

  it('refuses a path that is not a sha256, so a value from a URL cannot leave the folder', () => {
    expect(() => documentPath(root, '../../etc/passwd')).toThrow('not a sha256');
    expect(() => documentPath(root, 'A'.repeat(64))).toThrow('not a sha256');
  });
});
