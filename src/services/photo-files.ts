/** Photo files and the rows that refer to them. */
import { rmSync } from 'node:fs';
import type { Db } from '../db/connection.ts';
import { isKnownPhotoFile } from '../db/repos/photos.ts';
import { photoPaths } from '../photos/files.ts';

/**
 * Removes the files of a photo stored for a step that did not happen (its row was never written),
 * except what a row refers to: the original and thumbnail are shared by every row with the same
 * bytes, the display version by those with the same caption too.
 */
export function discardStoredPhoto(
  db: Db,
  uploadDir: string,
  photo: { sha256: string; displayKey: string },
): void {
  const paths = photoPaths(uploadDir, photo.sha256, photo.displayKey);
  if (!isKnownPhotoFile(db, photo.sha256, photo.displayKey)) rmSync(paths.display, { force: true });
  if (!isKnownPhotoFile(db, photo.sha256))
    for (const p of [paths.original, paths.thumb]) rmSync(p, { force: true });
}
