/**
 * The scoring sheet as a plain form (a browser without JavaScript): every answer and any photos come in
 * one post, and are saved all or nothing — each photo is checked and stored first, then the answers and
 * the photo rows go in together, in one transaction; when anything is refused, no answer is saved and no
 * stored file is left behind.
 */
import { randomUUID } from 'node:crypto';
import { atomically } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { InvalidInput } from '../errors.ts';
import { describeRefused } from '../scoring/answer-rules.ts';
import type { AnswerChange } from '../protocol/sheet.ts';
import { prepareEvidencePhoto, type PreparedEvidence } from './evidence-photos.ts';
import { saveChanges } from './sheets.ts';
import { sheetScope, type SheetCtx, type SheetScope } from './sheet-access.ts';

/** A file of the form: its field (`p_<standard>` for a standard's photo), bytes and name. */
export interface FormFile {
  field: string;
  buffer: Buffer;
  originalName: string;
}

/** Most photos one save may carry. */
const MAX_FORM_PHOTOS = 10;

/** The form's answers (`r_`, `c_`, `f_`, `n_` + a standard's code) as one batch's changes. */
function formChanges(standards: SheetScope['standards'], body: Record<string, string>): AnswerChange[] {
  const num = (v: string | undefined) => (v === undefined || v === '' ? 0 : Number(v));
  const changes: AnswerChange[] = [];
  for (const s of standards) {
    const result = body[`r_${s.code}`];
    if (!result) continue;
    changes.push({
      standard: s.code,
      result: result as AnswerChange['result'],
      cases: num(body[`c_${s.code}`]),
      fixedCases: num(body[`f_${s.code}`]),
      note: body[`n_${s.code}`] ?? '',
    });
  }
  return changes;
}

/** Saves the plain form's answers and photos, all or nothing (a refused answer sends the whole form back). */
export async function savePlainForm(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  body: Record<string, unknown>,
  files: readonly FormFile[],
): Promise<void> {
  const scope = sheetScope(ctx, user, roundId, siteId);
  const changes = formChanges(scope.standards, body as Record<string, string>);
  // a browser sends every file box of the form, empty ones too (one per standard)
  const photos = files.filter((f) => f.field.startsWith('p_') && f.buffer.length > 0);
  if (photos.length > MAX_FORM_PHOTOS)
    throw new InvalidInput(`一次上传的文件太多：每次保存最多 ${MAX_FORM_PHOTOS} 张照片`);
  const prepared: PreparedEvidence[] = [];
  try {
    for (const f of photos) {
      prepared.push(
        await prepareEvidencePhoto(ctx, user, roundId, siteId, {
          clientId: randomUUID(),
          standard: f.field.slice(2),
          buffer: f.buffer,
          originalName: f.originalName,
        }),
      );
    }
    atomically(ctx.db, () => {
      if (changes.length) {
        const saved = saveChanges(ctx, user, roundId, siteId, {
          batchId: randomUUID(),
          baseRevision: scope.sheet?.revision ?? 0,
          changes,
        });
        if (saved.refused.length) throw new InvalidInput(saved.refused.map(describeRefused).join('；'));
      }
      for (const p of prepared) p.commit();
    });
  } catch (err) {
    for (const p of prepared) p.discard();
    throw err;
  }
}
