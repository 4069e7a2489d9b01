/**
 * Photo files and the rows that refer to them: a photo for someone to view (its row and where its
 * files are, for an actor access.ts lets see it), and removing the files of a photo whose row was never
 * written.
 */
import { rmSync } from 'node:fs';
import type { Db } from '../db/connection.ts';
import { findPhoto, isKnownPhotoFile, type PhotoRow } from '../db/repos/photos.ts';
import { photoPaths } from '../photos/files.ts';
import { NotFound } from '../errors.ts';
import { canOrReject, type Actor } from './access.ts';

export interface ViewablePhoto {
  photo: PhotoRow;
  paths: { original: string; thumb: string; display: string };
}

/** A photo and its files, for an actor who may see it (404 when there is none, 403 when not theirs). */
export function photoForViewing(ctx: { db: Db; uploadDir: string }, actor: Actor, id: number): ViewablePhoto {
  const photo = findPhoto(ctx.db, id);
  if (!photo) throw new NotFound('找不到该照片');
  canOrReject(ctx.db, actor, 'photo.read', photo);
  return { photo, paths: photoPaths(ctx.uploadDir, photo.sha256, photo.display_key) };
}

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
