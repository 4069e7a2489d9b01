/**
 * The rectification loop (问题整改): 待整改 (open) → the unit reports the fix with after-photos and a note →
 * 已整改待复查 (fixed) → re-inspection with a photo by someone other than the fixer → 已销号 (closed), or
 * 退回 (back to open, with the reason). While open, a unit may ask for 申诉 (dispute), 转办 (transfer) or
 * 延期 (extension); the office decides. Every step is a problem_events row: who, when, what.
 */
import { z } from 'zod';
import { parseField } from './validate.ts';
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import {
  addProblemEvent,
  findProblem,
  updateProblem,
  type ProblemRequest,
  type ProblemRow,
} from '../db/repos/problems.ts';
import { findUnitById, unitSubtreeIds } from '../db/repos/units.ts';
import { findInspectionById, listAnswers, upsertAnswer, bumpRevision } from '../db/repos/inspections.ts';
import { findSiteById } from '../db/repos/places.ts';
import { insertPhoto, type PhotoKind } from '../db/repos/photos.ts';
import { discardStoredPhoto } from './photo-files.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors.ts';
import type { StoredPhoto } from '../photos/store.ts';
import { storePhotoOffThread } from '../photos/off-thread.ts';
import { formatShanghai, nowIso, shanghaiDate } from '../util/time.ts';

export const PROBLEM_STATUS_NAMES = {
  open: '待整改',
  fixed: '已整改待复查',
  closed: '已销号',
  void: '已作废',
} as const;
export const REQUEST_NAMES = { dispute: '申诉', transfer: '转办', extension: '延期' } as const;

export interface ProblemCtx {
  db: Db;
  uploadDir: string;
}

export interface UploadedPhoto {
  buffer: Buffer;
  originalName: string;
}

const text = (what: string, max = 500) =>
  z.string().trim().min(1, `请填写${what}`).max(max, `${what}不能超过${max}个字符`);

export function requireProblem(db: Db, id: number): ProblemRow {
  const p = findProblem(db, id);
  if (!p) throw new NotFound('找不到该问题');
  return p;
}

export function isOverdue(p: ProblemRow, today = shanghaiDate()): boolean {
  return p.status === 'open' && p.deadline < today;
}

/** A unit user acts for its own unit and the units below it. */
export function actsFor(db: Db, user: UserRow, p: ProblemRow): boolean {
  return (
    user.role === 'unit' &&
    user.unit_id !== null &&
    p.unit_id !== null &&
    unitSubtreeIds(db, user.unit_id).includes(p.unit_id)
  );
}

function requireUnitOf(db: Db, user: UserRow, p: ProblemRow): void {
  if (!actsFor(db, user, p)) throw new Forbidden('这不是本单位的问题');
}

function requireOffice(user: UserRow): void {
  if (user.role !== 'office') throw new Forbidden('只有创城办可以处理此申请');
}

/**
 * Stores photos before the transaction (sharp and disk are slow), then runs `write`, which inserts the
 * rows inside it. A photo refused halfway through, or a write that fails, leaves no file behind.
 */
async function withPhotos(
  ctx: ProblemCtx,
  p: ProblemRow,
  user: UserRow,
  label: string,
  photos: UploadedPhoto[],
  write: (stored: PreparedPhoto[]) => void,
): Promise<void> {
  const site = findSiteById(ctx.db, p.site_id);
  const stored: PreparedPhoto[] = [];
  try {
    for (const ph of photos.slice(0, 10)) {
      stored.push({
        original: ph.originalName,
        file: await storePhotoOffThread(ctx.uploadDir, ph.buffer, {
          lines: [`${label} ${formatShanghai(nowIso())}`, `点位 ${site?.name ?? ''}`, `${user.display_name}`],
        }),
      });
    }
    write(stored);
  } catch (err) {
    for (const { file } of stored) discardStoredPhoto(ctx.db, ctx.uploadDir, file);
    throw err;
  }
}

interface PreparedPhoto {
  original: string;
  file: StoredPhoto;
}

function insertPhotos(
  db: Db,
  p: ProblemRow,
  user: UserRow,
  kind: PhotoKind,
  stored: PreparedPhoto[],
): number[] {
  return stored.map(({ original, file }) =>
    insertPhoto(db, {
      clientId: null,
      sha256: file.sha256,
      displayKey: file.displayKey,
      kind,
      inspectionId: null,
      standardCode: p.standard_code,
      problemId: p.id,
      originalName: original.slice(0, 200),
      mime: file.mime,
      bytes: file.bytes,
      width: file.width,
      height: file.height,
      takenAt: file.meta.takenAt,
      gpsLat: file.meta.gps?.lat ?? null,
      gpsLng: file.meta.gps?.lng ?? null,
      flags: [],
      uploadedBy: user.id,
      caption: file.caption,
    }),
  );
}

function transition(
  db: Db,
  p: ProblemRow,
  user: UserRow,
  action: string,
  to: ProblemRow['status'],
  fields: Partial<ProblemRow>,
  note = '',
  data?: unknown,
) {
  updateProblem(db, p.id, { ...fields, status: to });
  addProblemEvent(db, { problemId: p.id, userId: user.id, action, from: p.status, to, note, data });
}

/** 整改: the unit reports the fix with at least one after-photo and a note. */
export async function reportFix(
  ctx: ProblemCtx,
  user: UserRow,
  id: number,
  noteIn: unknown,
  photos: UploadedPhoto[],
): Promise<void> {
  const p = requireProblem(ctx.db, id);
  requireUnitOf(ctx.db, user, p);
  if (p.status !== 'open') throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能报告整改`);
  const note = parseField(text('整改情况'), noteIn, 'note');
  if (!photos.length)
    throw new InvalidInput('请至少上传一张整改后照片', { photos: '请至少上传一张整改后照片' });
  await withPhotos(ctx, p, user, '整改', photos, (stored) =>
    ctx.db.transaction(() => {
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
        },
        note,
        { photos: ids },
      );
    })(),
  );
}

/** 复查: someone other than the fixer checks on site, with a photo; 销号 or 退回 with the reason. */
export async function reinspect(
  ctx: ProblemCtx,
  user: UserRow,
  id: number,
  outcomeIn: unknown,
  noteIn: unknown,
  photos: UploadedPhoto[],
): Promise<void> {
  if (user.role !== 'office' && user.role !== 'inspector') throw new Forbidden('只有创城办或测评员可以复查');
  const p = requireProblem(ctx.db, id);
  if (p.status !== 'fixed') throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能复查`);
  if (p.fixed_by === user.id) throw new Forbidden('复查人不能是报告整改的人');
  const outcome = parseField(z.enum(['pass', 'reject'], { error: '请选择复查结果' }), outcomeIn, 'outcome');
  const note =
    outcome === 'reject'
      ? parseField(text('退回原因'), noteIn, 'note')
      : parseField(z.string().trim().max(500, '复查说明不能超过500个字符'), noteIn ?? '', 'note');
  if (!photos.length) throw new InvalidInput('复查须上传现场照片', { photos: '复查须上传现场照片' });
  await withPhotos(ctx, p, user, '复查', photos, (stored) =>
    ctx.db.transaction(() => {
      const fresh = requireProblem(ctx.db, id);
      if (fresh.status !== 'fixed') throw new Conflict('该问题的状态已变化，请刷新页面');
      const ids = insertPhotos(ctx.db, fresh, user, 'reinspect', stored);
      if (outcome === 'pass')
        transition(ctx.db, fresh, user, 'close', 'closed', { closed_at: nowIso() }, note, { photos: ids });
      else transition(ctx.db, fresh, user, 'reject', 'open', { fixed_at: null }, note, { photos: ids });
    })(),
  );
}

/** 申诉 / 转办 / 延期: a request from the unit while the problem is open. */
export async function requestChange(
  ctx: ProblemCtx,
  user: UserRow,
  id: number,
  kindIn: unknown,
  noteIn: unknown,
  deadlineIn: unknown,
  photos: UploadedPhoto[],
): Promise<void> {
  const p = requireProblem(ctx.db, id);
  requireUnitOf(ctx.db, user, p);
  const kind = parseField(
    z.enum(['dispute', 'transfer', 'extension'], { error: '申请类型无效' }),
    kindIn,
    'kind',
  ) as ProblemRequest;
  if (p.status !== 'open')
    throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能申请${REQUEST_NAMES[kind]}`);
  if (p.request) throw new Conflict(`已有待处理的${REQUEST_NAMES[p.request]}申请`);
  const note = parseField(text(`${REQUEST_NAMES[kind]}理由`), noteIn, 'note');
  let deadline: string | null = null;
  if (kind === 'extension') {
    deadline = parseField(z.iso.date('新的整改时限应为 YYYY-MM-DD'), deadlineIn, 'deadline');
    if (deadline <= p.deadline)
      throw new InvalidInput('延期后的时限应晚于原时限', { deadline: '延期后的时限应晚于原时限' });
  }
  await withPhotos(ctx, p, user, '申诉', kind === 'dispute' ? photos : [], (stored) =>
    ctx.db.transaction(() => {
      const fresh = requireProblem(ctx.db, id);
      if (fresh.status !== 'open' || fresh.request) throw new Conflict('该问题的状态已变化，请刷新页面');
      const ids = insertPhotos(ctx.db, fresh, user, 'appeal', stored);
      updateProblem(ctx.db, id, { request: kind, request_note: note, request_deadline: deadline });
      addProblemEvent(ctx.db, {
        problemId: id,
        userId: user.id,
        action: `request_${kind}`,
        from: 'open',
        to: 'open',
        note,
        data: { deadline, photos: ids },
      });
    })(),
  );
}

/** The office decides a pending request. Upheld disputes void the problem and remove the deduction. */
export function decideRequest(
  ctx: ProblemCtx,
  user: UserRow,
  id: number,
  input: { approve: unknown; note: unknown; unitId?: unknown; deadline?: unknown },
): void {
  requireOffice(user);
  const approve = input.approve === true || input.approve === '1';
  const note = parseField(
    approve ? z.string().trim().max(500, '处理意见不能超过500个字符') : text('不同意的理由'),
    input.note ?? '',
    'note',
  );
  ctx.db.transaction(() => {
    const p = requireProblem(ctx.db, id);
    if (!p.request || p.status !== 'open') throw new Conflict('该问题没有待处理的申请');
    const kind = p.request;
    const cleared = { request: null, request_note: '', request_deadline: null } as const;
    if (!approve) {
      updateProblem(ctx.db, id, cleared);
      addProblemEvent(ctx.db, {
        problemId: id,
        userId: user.id,
        action: `refuse_${kind}`,
        from: 'open',
        to: 'open',
        note,
      });
      return;
    }
    if (kind === 'transfer') {
      const unitId = Number(input.unitId);
      if (!Number.isInteger(unitId) || !findUnitById(ctx.db, unitId))
        throw new InvalidInput('请选择改由哪个单位整改', { unitId: '请选择单位' });
      if (unitId === p.unit_id)
        throw new InvalidInput('转办对象与原责任单位相同', { unitId: '与原责任单位相同' });
      updateProblem(ctx.db, id, { ...cleared, unit_id: unitId });
      addProblemEvent(ctx.db, {
        problemId: id,
        userId: user.id,
        action: 'transfer',
        from: 'open',
        to: 'open',
        note,
        data: { from: p.unit_id, to: unitId },
      });
    } else if (kind === 'extension') {
      const deadline = input.deadline
        ? parseField(z.iso.date('新的整改时限应为 YYYY-MM-DD'), input.deadline, 'deadline')
        : p.request_deadline!;
      updateProblem(ctx.db, id, { ...cleared, deadline });
      addProblemEvent(ctx.db, {
        problemId: id,
        userId: user.id,
        action: 'extend',
        from: 'open',
        to: 'open',
        note,
        data: { from: p.deadline, to: deadline },
      });
    } else {
      // 申诉成立: the problem is voided and its deduction removed, as an audit-logged correction
      updateProblem(ctx.db, id, { ...cleared, void_reason: `申诉成立：${p.request_note}` });
      transition(ctx.db, p, user, 'uphold_dispute', 'void', {}, note);
      const inspection = p.inspection_id === null ? undefined : findInspectionById(ctx.db, p.inspection_id);
      if (inspection) {
        const old = listAnswers(ctx.db, inspection.id).find((a) => a.standard_code === p.standard_code);
        upsertAnswer(
          ctx.db,
          inspection.id,
          {
            standardCode: p.standard_code,
            result: 'ok',
            cases: 0,
            fixedCases: 0,
            grade: old?.grade ? 'A' : null,
            note: old?.note ?? '',
          },
          user.id,
          true,
        );
        bumpRevision(ctx.db, inspection.id);
        appendAudit(ctx.db, {
          userId: user.id,
          action: 'answer.correct',
          entity: 'inspection',
          entityId: inspection.id,
          roundId: p.round_id,
          siteId: p.site_id,
          detail: {
            standard: p.standard_code,
            reason: `申诉成立（问题 #${p.id}）：${p.request_note}`,
            old: old
              ? { result: old.result, cases: old.cases, fixedCases: old.fixed_cases, note: old.note }
              : null,
            new: { result: 'ok', cases: 0, fixedCases: 0, note: old?.note ?? '' },
          },
        });
      }
    }
  })();
}
