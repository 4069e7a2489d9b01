/**
 * What a unit does with its 材料任务: upload files, replace one (the old one stays in the history),
 * remove one, and submit the task for review. Each asks access.ts (`task.submit`: another unit's task is
 * 403), then whether the task can still change (409: the round is not open, the task is submitted or
 * scored, or its deadline has passed), and writes the change, the task's history and the audit log in
 * one transaction. Files are checked from their bytes before anything is kept; a refused request keeps
 * nothing (document-files.ts).
 */
import type { Db } from '../db/connection.ts';
import { atomically } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  appendTaskEvent,
  removeDocumentFile,
  taskFiles,
  updateTask,
  type DocumentFileRow,
} from '../db/repos/document-tasks.ts';
import { DOCUMENT_LIMITS, DOCUMENT_REFUSALS } from '../documents/kinds.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { nowIso, shanghaiDate } from '../util/time.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import { taskDeadline, taskTarget, type TaskTarget } from './document-tasks.ts';
import { recordDocuments, storeThenRecord, type UploadedDocument } from './document-files.ts';
import type { UserRow } from '../db/repos/users.ts';

export interface TaskCtx {
  db: Db;
  uploadDir: string;
}

/** The longest 说明 a unit may write with its submission. */
export const TASK_NOTE_MAX = 500;

/** 12月20日 */
const monthDay = (date: string) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;

/** Why the task cannot change now, or null when it can (the unit's own words for each case). */
export function whyTaskIsClosed(t: TaskTarget, today: string = shanghaiDate()): string | null {
  if (t.task.status === 'scored') return '该材料任务已评分，不能再修改';
  if (t.task.status === 'submitted') return '材料已提交，正在等待创城办审核，不能再修改';
  if (t.round.status !== 'open') return '本轮测评已不再接收材料';
  if (today > taskDeadline(t.task))
    return `已超过提交期限（${monthDay(taskDeadline(t.task))}），请联系创城办申请延期`;
  return null;
}

/** The task, for an actor who may change it now (403 for another unit's task, 409 when it is closed). */
function writableTask(db: Db, actor: Actor, taskId: number): TaskTarget & { user: UserRow } {
  const target = taskTarget(db, taskId);
  canOrReject(db, actor, 'task.submit', target);
  const why = whyTaskIsClosed(target);
  if (why) throw new Conflict(why);
  return { ...target, user: userOf(actor) };
}

const currentFiles = (db: Db, taskId: number): DocumentFileRow[] =>
  taskFiles(db, taskId).filter((f) => f.removed_at === null);

function currentFile(db: Db, taskId: number, fileId: number): DocumentFileRow {
  const file = currentFiles(db, taskId).find((f) => f.id === fileId);
  if (!file) throw new NotFound('找不到该文件，可能已被删除或替换');
  return file;
}

/** The step in the task's history and in the audit log, with the same words. */
function record(
  db: Db,
  t: TaskTarget,
  user: UserRow,
  action: 'upload' | 'remove' | 'replace' | 'submit',
  detail: Record<string, unknown>,
  step: { from?: string; to?: string; note?: string } = {},
): void {
  appendTaskEvent(db, { taskId: t.task.id, userId: user.id, action, ...step, data: detail });
  appendAudit(db, {
    userId: user.id,
    action: `task.${action}`,
    entity: 'task',
    entityId: t.task.id,
    roundId: t.round.id,
    detail: { task: t.task.id, standard: t.task.standard_code, ...detail },
  });
}

function roomFor(db: Db, taskId: number, adding: number): void {
  if (currentFiles(db, taskId).length + adding > DOCUMENT_LIMITS.maxFilesPerTask)
    throw new InvalidInput(DOCUMENT_REFUSALS.tooManyFiles, { files: DOCUMENT_REFUSALS.tooManyFiles });
}

/** Adds files to the task (at most 10 current files in all); returns how many were added. */
export async function uploadTaskFiles(
  ctx: TaskCtx,
  actor: Actor,
  taskId: number,
  files: readonly UploadedDocument[],
): Promise<number> {
  const { db } = ctx;
  writableTask(db, actor, taskId);
  if (!files.length) throw new InvalidInput('请选择要上传的文件', { files: '请选择要上传的文件' });
  roomFor(db, taskId, files.length);
  return storeThenRecord(db, ctx.uploadDir, files, (stored) =>
    atomically(db, () => {
      // asked again inside the transaction: the task may have moved on while the files were checked
      const t = writableTask(db, actor, taskId);
      roomFor(db, taskId, stored.length);
      const ids = recordDocuments(db, { taskId }, stored, t.user.id);
      record(db, t, t.user, 'upload', {
        files: stored.map((s, i) => ({ id: ids[i], name: s.name, sha256: s.sha256 })),
      });
      return ids.length;
    }),
  );
}

/** Replaces one current file with a new one; the old one stays in the task's history. */
export async function replaceTaskFile(
  ctx: TaskCtx,
  actor: Actor,
  taskId: number,
  fileId: number,
  file: UploadedDocument | undefined,
): Promise<void> {
  const { db } = ctx;
  writableTask(db, actor, taskId);
  currentFile(db, taskId, fileId);
  if (!file) throw new InvalidInput('请选择用来替换的文件', { file: '请选择用来替换的文件' });
  await storeThenRecord(db, ctx.uploadDir, [file], (stored) =>
    atomically(db, () => {
      const t = writableTask(db, actor, taskId);
      const old = currentFile(db, taskId, fileId);
      const [id] = recordDocuments(db, { taskId }, stored, t.user.id);
      removeDocumentFile(db, old.id, t.user.id, id!);
      record(db, t, t.user, 'replace', {
        old: { id: old.id, name: old.name, sha256: old.sha256 },
        new: { id, name: stored[0]!.name, sha256: stored[0]!.sha256 },
      });
    }),
  );
}

/** Takes a current file off the task (kept in its history). */
export function removeTaskFile(ctx: TaskCtx, actor: Actor, taskId: number, fileId: number): void {
  const { db } = ctx;
  atomically(db, () => {
    const t = writableTask(db, actor, taskId);
    const old = currentFile(db, taskId, fileId);
    removeDocumentFile(db, old.id, t.user.id);
    record(db, t, t.user, 'remove', { file: { id: old.id, name: old.name, sha256: old.sha256 } });
  });
}

/** Submits the task for review with its files and the unit's 说明 (at least one file). */
export function submitTask(ctx: TaskCtx, actor: Actor, taskId: number, note: string): void {
  const { db } = ctx;
  const text = note.trim();
  if ([...text].length > TASK_NOTE_MAX)
    throw new InvalidInput(`说明不能超过 ${TASK_NOTE_MAX} 个字`, {
      note: `说明不能超过 ${TASK_NOTE_MAX} 个字`,
    });
  atomically(db, () => {
    const t = writableTask(db, actor, taskId);
    const files = currentFiles(db, taskId);
    if (!files.length)
      throw new InvalidInput('请先上传至少一个文件再提交', { files: '请先上传至少一个文件再提交' });
    updateTask(db, taskId, {
      status: 'submitted',
      note: text,
      submitted_at: nowIso(),
      submitted_by: t.user.id,
    });
    record(
      db,
      t,
      t.user,
      'submit',
      { files: files.map((f) => f.id) },
      { from: t.task.status, to: 'submitted', note: text },
    );
  });
}
