/**
 * Evidence photos on a scoring sheet: stored (decoded in full, original kept untouched under its SHA-256,
 * watermarked display and thumbnail made) BEFORE the transaction that inserts the row, since sharp and
 * file writes are slow and a better-sqlite3 transaction cannot wait. The client's id makes a retried
 * upload return the first one's row instead of a second photo. Evidence checks flag, never refuse.
 */
import { atomically, atomicallyTogether } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { insertInspection } from '../db/repos/inspections.ts';
import {
  findPhoto,
  findPhotoByClientId,
  insertPhoto,
  softDeletePhoto,
  type PhotoRow,
} from '../db/repos/photos.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { evidenceFlags } from '../photos/evidence.ts';
import { PHOTO_LIMITS } from '../photos/store.ts';
import { discardStoredPhoto } from './photo-files.ts';
import { storePhotoOffThread } from '../photos/off-thread.ts';
import { clientKey } from '../protocol/sheet.ts';
import { requireEditable, sheetScope, type SheetCtx } from './sheet-access.ts';

export interface EvidenceUpload {
  clientId: unknown;
  standard: unknown;
  buffer: Buffer | undefined;
  originalName: string;
}

function check(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number, standard: string) {
  const scope = sheetScope(ctx, user, roundId, siteId);
  requireEditable(ctx.db, user, scope);
  if (!scope.standards.some((s) => s.code === standard))
    throw new InvalidInput(`标准 ${standard} 不适用于该点位类型，不能上传照片`);
  return scope;
}

/** A photo checked and stored on disk, waiting for its row: commit inside a transaction, or discard. */
export interface PreparedEvidence {
  /** Inserts the row (or returns the earlier one for a retried client id); call inside a transaction. */
  commit(): PhotoRow;
  /** Removes the stored files unless a row refers to them (the step they were for did not happen). */
  discard(): void;
}

/**
 * Checks and stores one photo (sharp and file writes are slow, a better-sqlite3 transaction cannot
 * wait), without writing to the database, so a caller can commit several photos and answers at once.
 */
export async function prepareEvidencePhoto(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  upload: EvidenceUpload,
): Promise<PreparedEvidence> {
  const clientId = clientKey.safeParse(upload.clientId);
  if (!clientId.success) throw new InvalidInput('照片编号无效，请刷新页面后重试');
  if (typeof upload.standard !== 'string' || !upload.standard)
    throw new InvalidInput('缺少照片所属的测评标准');
  const standard = upload.standard;
  const earlier = findPhotoByClientId(ctx.db, clientId.data);
  if (earlier) {
    if (earlier.uploaded_by !== user.id) throw new Conflict('照片编号冲突，请重新选择照片');
    return { commit: () => earlier, discard: () => {} };
  }
  if (!upload.buffer) throw new InvalidInput('没有收到照片文件');
  if (upload.buffer.length > PHOTO_LIMITS.maxBytes)
    throw new InvalidInput('照片太大：单个文件不能超过 20 MB');
  const scope = check(ctx, user, roundId, siteId, standard);
  // the caption's time line comes from the photo's EXIF, read where the photo is checked
  const stored = await storePhotoOffThread(ctx.uploadDir, upload.buffer, {
    lines: [`点位 ${scope.site.name}`, `测评员 ${user.display_name}`],
    timeFirst: true,
  });
  const flags = evidenceFlags(
    stored.meta,
    { startsOn: scope.round.starts_on, endsOn: scope.round.ends_on },
    { lat: scope.site.lat, lng: scope.site.lng },
  );
  const commit = (): PhotoRow => {
    const again = findPhotoByClientId(ctx.db, clientId.data);
    if (again) return again;
    const fresh = check(ctx, user, roundId, siteId, standard);
    const sheet = fresh.sheet ?? insertInspection(ctx.db, roundId, siteId, user.id);
    const id = insertPhoto(ctx.db, {
      clientId: clientId.data,
      sha256: stored.sha256,
      displayKey: stored.displayKey,
      kind: 'evidence',
      inspectionId: sheet.id,
      standardCode: standard,
      problemId: null,
      originalName: upload.originalName.slice(0, 200),
      mime: stored.mime,
      bytes: stored.bytes,
      width: stored.width,
      height: stored.height,
      takenAt: stored.meta.takenAt,
      gpsLat: stored.meta.gps?.lat ?? null,
      gpsLng: stored.meta.gps?.lng ?? null,
      flags,
      uploadedBy: user.id,
      caption: stored.caption,
    });
    if (sheet.submitted_at)
      appendAudit(ctx.db, {
        userId: user.id,
        action: 'photo.add',
        entity: 'photo',
        entityId: id,
        roundId,
        siteId,
        detail: { standard, sha256: stored.sha256 },
      });
    return findPhoto(ctx.db, id) as PhotoRow;
  };
  return { commit, discard: () => discardStoredPhoto(ctx.db, ctx.uploadDir, stored) };
}

export async function addEvidencePhoto(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  upload: EvidenceUpload,
): Promise<PhotoRow> {
  const prepared = await prepareEvidencePhoto(ctx, user, roundId, siteId, upload);
  try {
    // its row committed with the saves and submits of the same turn of the event loop (group commit)
    return await atomicallyTogether(ctx.db, prepared.commit);
  } catch (err) {
    // the state changed while the photo was being processed: leave no file that no row refers to
    prepared.discard();
    throw err;
  }
}

export function deleteEvidencePhoto(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  photoId: number,
): void {
  atomically(ctx.db, () => {
    const photo = findPhoto(ctx.db, photoId);
    const scope = sheetScope(ctx, user, roundId, siteId);
    if (!photo || !scope.sheet || photo.inspection_id !== scope.sheet.id) throw new NotFound('找不到该照片');
    requireEditable(ctx.db, user, scope);
    if (photo.deleted_at) return;
    softDeletePhoto(ctx.db, photoId);
    if (scope.sheet.submitted_at)
      appendAudit(ctx.db, {
        userId: user.id,
        action: 'photo.delete',
        entity: 'photo',
        entityId: photoId,
        roundId,
        siteId,
        detail: { standard: photo.standard_code },
      });
  });
}
