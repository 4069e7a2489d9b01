/**
 * The rectification loop of a problem from a document task (来源 材料): there is no site to photograph,
 * so the unit answers with corrected documents (整改材料: PDF, Word, Excel, OFD, images) and a note, and
 * the office — not an inspector — closes it by reviewing them (审核整改材料: 通过 → 已销号, 不通过 → back
 * to 待整改 with the reason). The fixer never closes their own (access.ts). The files are checked and
 * kept like a task's (document-files.ts) and stay with the problem after it is closed.
 */
import { z } from 'zod';
import { atomically, type Db } from '../db/connection.ts';
import { findProblem, type ProblemSource } from '../db/repos/problems.ts';
import { Conflict, InvalidInput, type AppError } from '../errors.ts';
import { PROBLEM_STATUS_NAMES } from '../labels.ts';
import { nowIso } from '../util/time.ts';
import { parseField } from './validate.ts';
import type { Actor } from './access.ts';
import { recordDocuments, storeThenRecord, type UploadedDocument } from './document-files.ts';
import { problemFor, requireProblem, text, transition, type ProblemCtx } from './problems.ts';

/** The problem's 来源, for choosing how its forms are parsed (null: no such problem). */
export function problemSourceOf(db: Db, id: number): ProblemSource | null {
  return findProblem(db, id)?.source ?? null;
}

/** A refused upload (too large, too many files) as a refusal of the form's files field, with its status. */
function uploadRefused(refused: AppError): InvalidInput {
  return Object.assign(new InvalidInput(refused.message, { files: refused.message }), {
    status: refused.status,
  });
}

/**
 * 整改 of a document problem: the unit's note and at least one corrected document. The files are
 * checked from their bytes and kept before the transaction; a refusal or a problem that changed in
 * the meantime leaves no file behind. `refusedUpload`: the parser's refusal (a file over the limits).
 */
export async function reportDocumentFix(
  ctx: ProblemCtx,
  actor: Actor,
  id: number,
  noteIn: unknown,
  files: UploadedDocument[],
  refusedUpload: AppError | null = null,
): Promise<number> {
  const { p, user } = problemFor(ctx.db, actor, 'problem.fix', id);
  if (p.source !== 'document') throw new InvalidInput('该问题来自实地测评，请上传整改后照片');
  if (p.status !== 'open') throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能报告整改`);
  const note = parseField(text('整改情况'), noteIn, 'note');
  if (refusedUpload) throw uploadRefused(refusedUpload);
  if (!files.length)
    throw new InvalidInput('请至少上传一份整改后的材料', { files: '请至少上传一份整改后的材料' });
  let stored = 0;
  try {
    await storeThenRecord(ctx.db, ctx.uploadDir, files, (kept) =>
      atomically(ctx.db, () => {
        const fresh = requireProblem(ctx.db, id);
        if (fresh.status !== 'open') throw new Conflict('该问题的状态已变化，请刷新页面');
        const ids = recordDocuments(ctx.db, { problemId: fresh.id }, kept, user.id);
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
          { documents: ids },
        );
        stored = ids.length;
      }),
    );
  } catch (err) {
    // a file refused by its bytes is a refusal of the files field
    if (err instanceof InvalidInput && !Object.keys(err.fields).length)
      throw Object.assign(new InvalidInput(err.message, { files: err.message }), { status: err.status });
    throw err;
  }
  return stored;
}

/**
 * 审核整改材料: the office reads the corrected documents and closes the problem (通过) or sends it back
 * to the unit with the reason (不通过). No photo: nothing on site was looked at.
 */
export function reviewDocumentFix(
  ctx: ProblemCtx,
  actor: Actor,
  id: number,
  outcomeIn: unknown,
  noteIn: unknown,
): void {
  const { p, user } = problemFor(ctx.db, actor, 'problem.reinspect', id);
  if (p.source !== 'document') throw new InvalidInput('该问题来自实地测评，复查须上传现场照片');
  if (p.status !== 'fixed')
    throw new Conflict(`该问题现为“${PROBLEM_STATUS_NAMES[p.status]}”，不能审核整改材料`);
  const outcome = parseField(z.enum(['pass', 'reject'], { error: '请选择审核结果' }), outcomeIn, 'outcome');
  const note =
    outcome === 'reject'
      ? parseField(text('不通过的原因'), noteIn, 'note')
      : parseField(z.string().trim().max(500, '审核意见不能超过500个字符'), noteIn ?? '', 'note');
  atomically(ctx.db, () => {
    const fresh = requireProblem(ctx.db, id);
    if (fresh.status !== 'fixed') throw new Conflict('该问题的状态已变化，请刷新页面');
    if (outcome === 'pass')
      transition(ctx.db, fresh, user, 'close', 'closed', { closed_at: nowIso() }, note, {
        review: 'documents',
      });
    else transition(ctx.db, fresh, user, 'reject', 'open', { fixed_at: null }, note, { review: 'documents' });
  });
}
