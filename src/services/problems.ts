/**
 * The rectification loop (问题整改): 待整改 (open) → the unit reports the fix with after-photos and a note →
 * 已整改待复查 (fixed) → re-inspection with a photo by someone other than the fixer → 已销号 (closed), or
 * 退回 (back to open, with the reason). A problem from a document task is fixed with corrected documents
 * and closed by the office's review of them instead (problem-documents.ts). While open, a unit may ask for 申诉 (dispute), 转办 (transfer) or
 * 延期 (extension); the office decides (problem-requests.ts). Every step is a problem_events row (the
 * problem's own history) and an audit_log entry (the office's one log of who changed what).
 */
import { now as clockNow } from '../util/clock.ts';
import { atomically, type Db } from '../db/connection.ts';
import { z } from 'zod';
import { parseField } from './validate.ts';
import type { UserRow } from '../db/repos/users.ts';
import { addProblemEvent, findProblem, updateProblem, type ProblemRow } from '../db/repos/problems.ts';
import { findSiteById, type SiteRow } from '../db/repos/places.ts';
import { insertPhoto, type PhotoKind } from '../db/repos/photos.ts';
import { discardStoredPhoto } from './photo-files.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import type { StoredPhoto } from '../photos/store.ts';
import { fixPhotoFlags, type EvidenceFlag } from '../photos/evidence.ts';
import { storePhotoOffThread } from '../photos/off-thread.ts';
import { formatShanghai, nowIso } from '../util/time.ts';
import { PROBLEM_STATUS_NAMES } from '../labels.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import { deadlinePassed } from './deadlines.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { IndexedStandard } from '../criteria/load.ts';

export type ProblemCtx = { db: Db; uploadDir: string };

export type UploadedPhoto = { buffer: Buffer; originalName: string };

export const text = (what: string, max = 500) =>
  z.string().trim().min(1, `请填写${what}`).max(max, `${what}不能超过${max}个字符`);

export function requireProblem(db: Db, id: number): ProblemRow {
  const p = findProblem(db, id);
  if (!p) throw new NotFound('找不到该问题');
  return p;
}

/**
 * The problem the actor may do `verb` on, as the user who does it: 404 when there is no such problem,
 * 403 (with the rule's reason) when it is not theirs to act on.
 */
export function problemFor(
  db: Db,
  actor: Actor,
  verb: 'problem.fix' | 'problem.request' | 'problem.reinspect' | 'problem.decide',
  id: number,
): { p: ProblemRow; user: UserRow } {
  const p = requireProblem(db, id);
  canOrReject(db, actor, verb, p);
  return { p, user: userOf(actor) };
}

/** An open problem past its stored deadline (one in hours: to the minute, by the app's clock). */
export function isOverdue(
  p: Pick<ProblemRow, 'status' | 'deadline' | 'deadline_time'>,
  today?: string,
): boolean {
  if (p.status !== 'open') return false;
  return today === undefined ? deadlinePassed(p) : p.deadline < today;
}

/**
 * The criteria version a problem's standard is read in: its round's, or for a problem from outside
 * rounds the one it was recorded under (null: recorded without a standard).
 */
export function problemVersionId(
  db: Db,
  p: Pick<ProblemRow, 'round_id' | 'criteria_version_id'>,
): number | null {
  if (p.round_id !== null) return findRoundById(db, p.round_id)?.criteria_version_id ?? null;
  return p.criteria_version_id;
}

/** The standard a problem is under, as its version states it (undefined: none, or not in the version). */
export function problemStandard(
  db: Db,
  criteria: CriteriaCache,
  p: Pick<ProblemRow, 'round_id' | 'criteria_version_id' | 'standard_code'>,
): IndexedStandard | undefined {
  const versionId = problemVersionId(db, p);
  if (versionId === null || p.standard_code === null) return undefined;
  return criteria.get(versionId).byCode.get(p.standard_code);
}

/**
 * Stores photos before the transaction (sharp and disk are slow), then runs `write`, which inserts the
 * rows inside it. A photo refused halfway through, or a write that fails, leaves no file behind.
 */
export async function withPhotos(
  ctx: ProblemCtx,
  p: ProblemRow,
  user: UserRow,
  label: string,
  photos: UploadedPhoto[],
  write: (stored: PreparedPhoto[]) => void,
  check: (file: StoredPhoto, site: SiteRow | undefined) => EvidenceFlag[] = () => [],
): Promise<void> {
  const site = p.site_id === null ? undefined : findSiteById(ctx.db, p.site_id);
  const place = site || !p.address ? `点位 ${site?.name ?? ''}` : `地点 ${p.address}`; // no site: its address
  const stored: PreparedPhoto[] = [];
  try {
    for (const ph of photos.slice(0, 10)) {
      const file = await storePhotoOffThread(ctx.uploadDir, ph.buffer, {
        lines: [`${label} ${formatShanghai(nowIso())}`, place, `${user.display_name}`],
      });
      stored.push({ original: ph.originalName, file, flags: check(file, site) });
    }
    write(stored);
  } catch (err) {
    for (const { file } of stored) discardStoredPhoto(ctx.db, ctx.uploadDir, file);
    throw err;
  }
}

export interface PreparedPhoto {
  original: string;
  file: StoredPhoto;
  /** doubts about the photo as evidence, worked out from its metadata */
  flags: EvidenceFlag[];
}

/** Rows for stored photos: a problem's, by `user`; or (`p` and `user` null) a 随手拍 report's, `reportId`. */
export function insertPhotos(
  db: Db,
  p: Pick<ProblemRow, 'id' | 'standard_code'> | null,
  user: UserRow | null,
  kind: PhotoKind,
  stored: PreparedPhoto[],
  reportId: number | null = null,
): number[] {
  return stored.map(({ original, file, flags }) =>
    insertPhoto(db, {
      clientId: null,
      sha256: file.sha256,
      displayKey: file.displayKey,
      kind,
      inspectionId: null,
      standardCode: p?.standard_code ?? null,
      problemId: p?.id ?? null,
      reportId,
      originalName: original.slice(0, 200),
      mime: file.mime,
      bytes: file.bytes,
      width: file.width,
      height: file.height,
      takenAt: file.meta.takenAt,
      gpsLat: file.meta.gps?.lat ?? null,
      gpsLng: file.meta.gps?.lng ?? null,
      flags,
      uploadedBy: user?.id ?? null,
      caption: file.caption,
    }),
  );
}

/**
 * One step of the loop in the office's audit log: `problem.<action>` with the problem, its standard and
 * what the step changed (`{ old, new }` for a value that changed), in the shape the audit page names.
 */
export function auditStep(
  db: Db,
  p: ProblemRow,
  user: UserRow,
  action: string,
  detail: Record<string, unknown>,
): void {
  appendAudit(db, {
    userId: user.id,
    action: `problem.${action}`,
    entity: 'problem',
    entityId: p.id,
    roundId: p.round_id,
    siteId: p.site_id,
    detail: { problem: p.id, standard: p.standard_code, ...detail },
  });
}

/** A change of status: the problem row, its history and the audit log, with the same words. */
export function transition(
  db: Db,
  p: ProblemRow,
  user: UserRow,
  action: string,
  to: ProblemRow['status'],
  fields: Partial<ProblemRow>,
  note = '',
  data?: Record<string, unknown>,
) {
  updateProblem(db, p.id, { ...fields, status: to });
  addProblemEvent(db, { problemId: p.id, userId: user.id, action, from: p.status, to, note, data });
  const photos = Array.isArray(data?.photos) ? data.photos.length : undefined;
  const documents = Array.isArray(data?.documents) ? data.documents.length : undefined;
  auditStep(db, p, user, action, {
    status: { old: p.status, new: to },
    note,
    ...(photos === undefined ? {} : { photos }),
    ...(documents === undefined ? {} : { documents }),
    ...(data?.flagged ? { flaggedPhotos: data.flagged } : {}),
  });
}

/** 整改: the unit reports the fix with at least one after-photo and a note. */
export async function reportFix(
  ctx: ProblemCtx,
  actor: Actor,
  id: number,
  noteIn: unknown,
  photos: UploadedPhoto[],
): Promise<void> {
  const { p, user } = problemFor(ctx.db, actor, 'problem.fix', id);
  if (p.source === 'document') throw new InvalidInput('该问题来自材料审核，请上传整改后的材料文件');
  if (p.status !== 'open') throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能报告整改`);
  const note = parseField(text('整改情况'), noteIn, 'note');
  if (!photos.length)
    throw new InvalidInput('请至少上传一张整改后照片', { photos: '请至少上传一张整改后照片' });
  const now = clockNow();
  const check = (file: StoredPhoto, site: SiteRow | undefined) =>
    fixPhotoFlags(
      file.meta,
      { raisedAt: p.created_at },
      { lat: site?.lat ?? p.gps_lat, lng: site?.lng ?? p.gps_lng }, // no site: where it was recorded
      now,
    );
  await withPhotos(
    ctx,
    p,
    user,
    '整改',
    photos,
    (stored) =>
      atomically(ctx.db, () => {
        const fresh = requireProblem(ctx.db, id);
        if (fresh.status !== 'open') throw new Conflict('该问题的状态已变化，请刷新页面');
        const ids = insertPhotos(ctx.db, fresh, user, 'fix', stored);
        transition(
          ctx.db,
          fresh,
          user,
          'fix',
          'fixed',
          {
            fixed_by: user.id,
            fixed_at: nowIso(),
            fix_note: note,
            request: null,
            request_note: '',
            request_deadline: null,
            request_unit_id: null,
          },
          note,
          { photos: ids, flagged: stored.filter((s) => s.flags.length).length },
        );
      }),
    check,
  );
}

/**
 * 复查: the office, the inspector of the problem's site (from outside rounds: the one given it, or the
 * leader who recorded it) — never the one who reported the fix — checks on site, with a photo; 销号 or
 * 退回 with the reason.
 */
export async function reinspect(
  ctx: ProblemCtx,
  actor: Actor,
  id: number,
  outcomeIn: unknown,
  noteIn: unknown,
  photos: UploadedPhoto[],
): Promise<void> {
  const { p, user } = problemFor(ctx.db, actor, 'problem.reinspect', id);
  if (p.source === 'document') throw new InvalidInput('该问题来自材料审核，请审核整改材料');
  if (p.status !== 'fixed') throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能复查`);
  const outcome = parseField(z.enum(['pass', 'reject'], { error: '请选择复查结果' }), outcomeIn, 'outcome');
  const note =
    outcome === 'reject'
      ? parseField(text('退回原因'), noteIn, 'note')
      : parseField(z.string().trim().max(500, '复查说明不能超过500个字符'), noteIn ?? '', 'note');
  if (!photos.length) throw new InvalidInput('复查须上传现场照片', { photos: '复查须上传现场照片' });
  await withPhotos(ctx, p, user, '复查', photos, (stored) =>
    atomically(ctx.db, () => {
      const fresh = requireProblem(ctx.db, id);
      if (fresh.status !== 'fixed') throw new Conflict('该问题的状态已变化，请刷新页面');
      const ids = insertPhotos(ctx.db, fresh, user, 'reinspect', stored);
      if (outcome === 'pass')
        transition(ctx.db, fresh, user, 'close', 'closed', { closed_at: nowIso() }, note, { photos: ids });
      else transition(ctx.db, fresh, user, 'reject', 'open', { fixed_at: null }, note, { photos: ids });
    }),
  );
}
