/**
 * Uploaded documents (材料任务 files, corrected documents of a problem, templates): checking every file of
 * one request from its bytes, keeping them under their SHA-256 and recording them — all the files of a
 * request or none — and who may open a stored file. Files are moved into place before their rows are
 * written (a crash leaves a stray file the start-up sweep removes, never a row without its file); when
 * the rows are not written after all, `discardStoredDocuments` takes back the files no row names.
 */
import { rmSync } from 'node:fs';
import type { Db } from '../db/connection.ts';
import {
  findDocumentFile,
  insertDocumentFile,
  knownDocumentHashes,
  type DocumentFileRow,
} from '../db/repos/document-tasks.ts';
import { findProblem } from '../db/repos/problems.ts';
import { inspectDocument, safeDocumentName } from '../documents/inspect.ts';
import { documentPath, storeDocument } from '../documents/store.ts';
import type { DocumentKind } from '../documents/kinds.ts';
import { NotFound } from '../errors.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import { taskTarget } from './document-tasks.ts';

/** A file as the upload parser left it: a temp file and the name the browser sent. */
export interface UploadedDocument {
  path: string;
  originalName: string;
}

/** A file that passed the checks and is kept under its SHA-256, not yet recorded. */
export interface StoredUpload {
  sha256: string;
  bytes: number;
  name: string;
  kind: DocumentKind;
}

/** Where recorded files belong: a task, a problem (its corrected documents), or a template of a material. */
export type DocumentOwner = { taskId: number } | { problemId: number } | { templateMaterial: string };

/**
 * Checks every file (the kind from its bytes; each refusal an InvalidInput in the unit's words, naming
 * the file when there are several), then keeps them all. Throws before anything is kept.
 */
export async function checkAndStoreDocuments(
  db: Db,
  uploadDir: string,
  files: readonly UploadedDocument[],
): Promise<StoredUpload[]> {
  const kinds: DocumentKind[] = [];
  for (const f of files) {
    try {
      kinds.push(await inspectDocument(f.path, f.originalName));
    } catch (err) {
      if (files.length > 1 && err instanceof Error)
        err.message = `“${safeDocumentName(f.originalName)}”：${err.message}`;
      throw err;
    }
  }
  const stored: StoredUpload[] = [];
  try {
    for (const [i, f] of files.entries()) {
      const { sha256, bytes } = await storeDocument(uploadDir, f.path);
      stored.push({ sha256, bytes, name: safeDocumentName(f.originalName), kind: kinds[i]! });
    }
  } catch (err) {
    // a disk failure half-way: none of this request's files stay without a row
    discardStoredDocuments(db, uploadDir, stored);
    throw err;
  }
  return stored;
}

/** Records kept files for their owner (inside the caller's transaction); the new rows' ids. */
export function recordDocuments(
  db: Db,
  owner: DocumentOwner,
  stored: readonly StoredUpload[],
  userId: number,
): number[] {
  return stored.map((s) =>
    insertDocumentFile(db, {
      ...owner,
      sha256: s.sha256,
      name: s.name,
      kind: s.kind,
      bytes: s.bytes,
      uploadedBy: userId,
    }),
  );
}

/** Removes kept files that no row names (their rows were refused after they were stored). */
export function discardStoredDocuments(db: Db, uploadDir: string, stored: readonly StoredUpload[]): void {
  if (!stored.length) return;
  const known = knownDocumentHashes(db);
  for (const s of stored)
    if (!known.has(s.sha256)) rmSync(documentPath(uploadDir, s.sha256), { force: true });
}

/**
 * Checks and keeps the files, then records them with `record` (which runs the caller's checks and
 * writes inside its transaction); when `record` throws, the files it would have recorded are taken back.
 */
export async function storeThenRecord<T>(
  db: Db,
  uploadDir: string,
  files: readonly UploadedDocument[],
  record: (stored: StoredUpload[]) => T,
): Promise<T> {
  const stored = await checkAndStoreDocuments(db, uploadDir, files);
  try {
    return record(stored);
  } catch (err) {
    discardStoredDocuments(db, uploadDir, stored);
    throw err;
  }
}

/**
 * A stored file for someone to open: a task's file to whoever may read the task, a template to anyone
 * logged in, a problem's corrected document to whoever may read the problem. 404 when there is none.
 */
export function documentForViewing(db: Db, actor: Actor, fileId: number): DocumentFileRow {
  const file = findDocumentFile(db, fileId);
  if (!file) throw new NotFound('找不到该文件');
  if (file.task_id !== null) canOrReject(db, actor, 'task.read', taskTarget(db, file.task_id));
  else if (file.problem_id !== null) {
    const problem = findProblem(db, file.problem_id);
    if (!problem) throw new NotFound('找不到该文件');
    canOrReject(db, actor, 'problem.read', problem);
  } else userOf(actor);
  return file;
}
