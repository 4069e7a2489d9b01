/**
 * The scoring sheet of a site in a round: the page (which works as a plain form without JavaScript),
 * submit and return. The endpoints the tablet script uses to save as it goes are in sheet-api.ts.
 */
import { atomically } from '../../db/connection.ts';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { requireEditable, sheetScope, type SheetCtx } from '../../services/sheet-access.ts';
import { describeRefused } from '../../scoring/answer-rules.ts';
import type { AnswerChange } from '../../protocol/sheet.ts';
import { askFirst } from '../confirm.ts';
import { formRefusal } from '../refusal.ts';
import { correctionReturn, presentReviewFilter } from '../presenters/review-filter.ts';
import { correctAnswer } from '../../services/review.ts';
import { saveChanges } from '../../services/sheets.ts';
import { returnSheet, submitBlockers, submitSheet, SubmitBlocked } from '../../services/sheet-submit.ts';
import { prepareEvidencePhoto, type PreparedEvidence } from '../../services/evidence-photos.ts';
import { listAnswers } from '../../db/repos/inspections.ts';
import { listInspectionPhotos } from '../../db/repos/photos.ts';
import { presentSheet } from '../presenters/sheet.ts';
import { siteTypeName } from '../../db/repos/places.ts';
import { AppError, InvalidInput, TooLarge } from '../../errors.ts';
import { PHOTO_LIMITS } from '../../photos/intake-rules.ts';

export const SHEET_MULTIPART_ROUTES = [
  /^\/rounds\/\d+\/sites\/\d+$/,
  /^\/api\/rounds\/\d+\/sites\/\d+\/photos$/,
];

/** The round's and the site's id of a sheet's URL. */
export function ids(req: Request): [number, number] {
  return [idParam(req.params.rid, '测评轮次'), idParam(req.params.sid, '点位')];
}

export function sheetsRouter(deps: AppDeps, csrfProtect: Parameters<typeof photoUpload>[0]): Router {
  const r = Router();
  const ctx: SheetCtx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  function renderSheet(req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    const scope = sheetScope(ctx, user, roundId, siteId);
    const answers = scope.sheet ? listAnswers(deps.db, scope.sheet.id) : [];
    const photos = scope.sheet ? listInspectionPhotos(deps.db, scope.sheet.id) : [];
    const sheet = presentSheet(scope.standards, scope.criteria.version.rules, scope.sheet, answers, photos);
    const editable =
      user.role === 'inspector' &&
      scope.round.status === 'open' &&
      (sheet.status === 'none' || sheet.status === 'draft' || sheet.status === 'returned');
    res.status(status).render('sheets/show', {
      title: scope.site.name,
      round: scope.round,
      site: scope.site,
      siteTypeName: siteTypeName(deps.db, scope.site.site_type),
      sheet,
      editable,
      isOffice: user.role === 'office',
      // the office's review: only 不符合 / 已更正 / 照片存疑 answers when asked (presenters/review-filter.ts)
      review:
        user.role === 'office'
          ? presentReviewFilter(req.query.show, sheet, `/rounds/${roundId}/sites/${siteId}`)
          : null,
      canCorrect:
        user.role === 'office' &&
        (scope.round.status === 'open' || scope.round.status === 'closed') &&
        (sheet.status === 'submitted' || sheet.status === 'approved'),
      saved: req.query.saved === '1',
      submitted: req.query.submitted === '1' && sheet.status === 'submitted',
      blockers: [],
      error: null,
      correction: null,
      userKey: `u${user.id}`,
      ...extra,
    });
  }

  r.get('/rounds/:rid/sites/:sid', (req, res) => renderSheet(req, res));

  // the sheet as a plain form (no JavaScript): answers and any photos in one multipart post
  // a browser sends every file box of the form, empty ones too (one per standard): the count allows
  // them all, and the body's size keeps the form to ten photos' worth, as before
  const formFiles = 300;
  const formBytes = 10 * PHOTO_LIMITS.maxBytes + 1024 * 1024;
  const boundedForm = (req: Request, _res: Response, next: NextFunction) =>
    next(
      Number(req.get('content-length') ?? 0) > formBytes
        ? new TooLarge(
            `一次保存的照片太多或太大：请每次不超过 10 张、单张不超过 ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB`,
          )
        : undefined,
    );
  r.post('/rounds/:rid/sites/:sid', boundedForm, ...photoUpload(csrfProtect, formFiles), async (req, res) => {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    const scope = sheetScope(ctx, user, roundId, siteId);
    const body = (req.body ?? {}) as Record<string, string>;
    const changes: AnswerChange[] = [];
    for (const s of scope.standards) {
      const result = body[`r_${s.code}`];
      if (!result) continue;
      const num = (v: string | undefined) => (v === undefined || v === '' ? 0 : Number(v));
      changes.push({
        standard: s.code,
        result: result as AnswerChange['result'],
        cases: num(body[`c_${s.code}`]),
        fixedCases: num(body[`f_${s.code}`]),
        note: body[`n_${s.code}`] ?? '',
      });
    }
    // all or nothing: every photo is checked and stored first, then answers and photo rows go in together
    const prepared: PreparedEvidence[] = [];
    try {
      const files = ((req.files as Express.Multer.File[] | undefined) ?? []).filter(
        (f) => f.fieldname.startsWith('p_') && f.size > 0,
      );
      if (files.length > 10) throw new InvalidInput('一次上传的文件太多：每次保存最多 10 张照片');
      for (const f of files) {
        prepared.push(
          await prepareEvidencePhoto(ctx, user, roundId, siteId, {
            clientId: randomUUID(),
            standard: f.fieldname.slice(2),
            buffer: f.buffer,
            originalName: f.originalname,
          }),
        );
      }
      atomically(deps.db, () => {
        if (changes.length) {
          const saved = saveChanges(ctx, user, roundId, siteId, {
            batchId: randomUUID(),
            baseRevision: scope.sheet?.revision ?? 0,
            changes,
          });
          // the plain form is all or nothing: one refused answer sends the whole form back
          if (saved.refused.length) throw new InvalidInput(saved.refused.map(describeRefused).join('；'));
        }
        for (const p of prepared) p.commit();
      });
    } catch (err) {
      for (const p of prepared) p.discard();
      if (err instanceof AppError && err.status < 500)
        return renderSheet(req, res, err.status, { error: err.message });
      throw err;
    }
    res.redirect(303, `/rounds/${roundId}/sites/${siteId}?saved=1`);
  });

  // the plain form's submit: what blocks it is shown at once; otherwise the inspector is asked first
  // (askFirst: a page whose one button posts again with confirmed=1), then the sheet says it happened
  r.post('/rounds/:rid/sites/:sid/submit', (req, res) => {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    const sheetUrl = `/rounds/${roundId}/sites/${siteId}`;
    try {
      const scope = sheetScope(ctx, user, roundId, siteId);
      requireEditable(user, scope);
      const blockers = submitBlockers(ctx, scope);
      if (blockers.length || !scope.sheet) throw new SubmitBlocked(blockers);
      const asked = askFirst(req, res, {
        title: '提交测评表？',
        message: `提交后，“${scope.site.name}”的测评表将交给创城办审核，不能再修改；只有创城办退回后才能再修改。`,
        details: [`${scope.round.name}：${scope.standards.length} 条标准已全部评完`],
        confirmLabel: '确认提交',
        back: sheetUrl,
      });
      if (asked) return;
      submitSheet(ctx, user, roundId, siteId);
    } catch (err) {
      if (err instanceof SubmitBlocked)
        return renderSheet(req, res, 400, { error: err.message, blockers: err.blockers });
      const refusal = formRefusal(err);
      if (refusal) return renderSheet(req, res, refusal.status, { error: refusal.error });
      throw err;
    }
    res.redirect(303, `${sheetUrl}?submitted=1`);
  });

  r.post('/rounds/:rid/sites/:sid/return', (req, res) => {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    try {
      returnSheet(ctx, user, roundId, siteId, (req.body as Record<string, unknown>)?.reason);
    } catch (err) {
      if (err instanceof InvalidInput) return renderSheet(req, res, 400, { error: err.message });
      throw err;
    }
    res.redirect(303, `/rounds/${roundId}/sites/${siteId}`);
  });

  // the office corrects one answer of a submitted or approved sheet; refused (no reason, a 不符合 without
  // cases …), the sheet is shown again with that answer's correction open, what was typed, and the message
  r.post('/rounds/:rid/sites/:sid/correct', allow(deps.db, 'office.manage'), (req, res) => {
    const [roundId, siteId] = ids(req);
    const form = (req.body ?? {}) as Record<string, unknown>;
    try {
      correctAnswer(ctx, currentUser(res), roundId, siteId, form);
    } catch (err) {
      const refusal = formRefusal(err);
      if (!refusal) throw err;
      const typed = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
      const onSheet = sheetScope(ctx, currentUser(res), roundId, siteId).standards.some(
        (st) => st.code === typed('standard'),
      );
      return renderSheet(req, res, refusal.status, {
        correction: {
          // a standard that is not on this sheet has no form to show the message by: it goes on top
          offSheet: !onSheet,
          code: typed('standard'),
          error: refusal.error,
          fields: refusal.fields,
          form: {
            result: typed('result'),
            cases: typed('cases'),
            fixedCases: typed('fixedCases'),
            note: typed('note'),
            reason: typed('reason'),
          },
        },
      });
    }
    flash(req, 'ok', '已更正该项，并记入审计日志。');
    // back to the corrected answer, under the review filter in use
    res.redirect(303, correctionReturn(roundId, siteId, form));
  });

  return r;
}
