/**
 * The scoring sheet of a site in a round: the page (which works as a plain form without JavaScript),
 * submit and return, and the office's correction of an answer. The endpoints the tablet script uses to
 * save as it goes are in sheet-api.ts. What the page shows and who may do what come from the services.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import type { SheetCtx } from '../../services/sheet-access.ts';
import { askFirst, confirmed } from '../confirm.ts';
import { changedOrShownAgain } from '../form-again.ts';
import type { Refusal } from '../refusal.ts';
import { correctionReturn, presentReviewFilter } from '../presenters/review-filter.ts';
import { correctAnswer } from '../../services/review.ts';
import { sheetPage } from '../../services/sheet-pages.ts';
import { savePlainForm } from '../../services/sheet-form.ts';
import { readyToSubmit, returnSheet, submitSheetTogether } from '../../services/sheet-submit.ts';
import { presentSheet } from '../presenters/sheet.ts';
import { TooLarge } from '../../errors.ts';
import { PHOTO_LIMITS } from '../../photos/intake-rules.ts';

export const SHEET_MULTIPART_ROUTES = [
  /^\/rounds\/\d+\/sites\/\d+$/,
  /^\/api\/rounds\/\d+\/sites\/\d+\/photos$/,
];

/** The round's and the site's id of a sheet's URL. */
export function ids(req: Request): [number, number] {
  return [idParam(req.params.rid, '测评轮次'), idParam(req.params.sid, '点位')];
}

/** A refused correction, put back on its standard's form (renderSheet finds whether it is on the sheet). */
interface CorrectionView {
  code: string;
  error: string;
  fields: Record<string, string>;
  form: Record<'result' | 'cases' | 'fixedCases' | 'note' | 'reason', string>;
}
interface PageExtra {
  error?: string;
  /** list what blocks a submit (a refused submit) */
  listBlockers?: boolean;
  correction?: CorrectionView;
  /** a refused 退回: what was typed and the message by the field */
  returnForm?: { reason: string; error: string };
}

export function sheetsRouter(deps: AppDeps, csrfProtect: Parameters<typeof photoUpload>[0]): Router {
  const r = Router();
  const ctx: SheetCtx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  function renderSheet(req: Request, res: Response, status = 200, extra: PageExtra = {}) {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    const page = sheetPage(ctx, user, roundId, siteId);
    const sheet = presentSheet(page);
    const { correction } = extra;
    res.status(status).render('sheets/show', {
      title: page.site.name,
      round: page.round,
      site: page.site,
      siteTypeName: page.siteTypeName,
      sheet,
      may: page.may,
      // the office's review: only 不符合 / 已更正 / 照片存疑 answers when asked (presenters/review-filter.ts)
      review: page.may.review
        ? presentReviewFilter(req.query.show, sheet, `/rounds/${roundId}/sites/${siteId}`)
        : null,
      saved: req.query.saved === '1',
      submitted: req.query.submitted === '1' && sheet.status === 'submitted',
      blockers: extra.listBlockers ? page.blockers : [],
      error: extra.error ?? null,
      // a standard that is not on this sheet has no form to show the message by: it goes on top
      correction: correction
        ? { ...correction, offSheet: !page.standards.some((st) => st.code === correction.code) }
        : null,
      returnForm: extra.returnForm ?? null,
      userKey: `u${user.id}`,
    });
  }

  r.get('/rounds/:rid/sites/:sid', (req, res) => renderSheet(req, res));

  // the sheet as a plain form (no JavaScript): answers and any photos in one multipart post, saved all
  // or nothing (services/sheet-form.ts). A browser sends every file box of the form, empty ones too (one
  // per standard): the count allows them all, and the body's size keeps the form to ten photos' worth
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
    const [roundId, siteId] = ids(req);
    const files = ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
      field: f.fieldname,
      buffer: f.buffer,
      originalName: f.originalname,
    }));
    const save = () => savePlainForm(ctx, currentUser(res), roundId, siteId, req.body ?? {}, files);
    const again = (refusal: Refusal) => renderSheet(req, res, refusal.status, { error: refusal.error });
    if (!(await changedOrShownAgain(save, again))) return;
    res.redirect(303, `/rounds/${roundId}/sites/${siteId}?saved=1`);
  });

  // the plain form's submit: what blocks it is shown at once; otherwise the inspector is asked first
  // (askFirst: a page whose one button posts again with confirmed=1), then the sheet says it happened
  r.post('/rounds/:rid/sites/:sid/submit', async (req, res) => {
    const user = currentUser(res);
    const [roundId, siteId] = ids(req);
    const sheetUrl = `/rounds/${roundId}/sites/${siteId}`;
    let asked = false;
    const submit = () => {
      // already asked: submitted at once, what blocks it checked inside the submit's own transaction
      // (checking it first as well loaded the sheet twice)
      if (confirmed(req)) return submitSheetTogether(ctx, user, roundId, siteId);
      const ready = readyToSubmit(ctx, user, roundId, siteId);
      asked = askFirst(req, res, {
        title: '提交测评表？',
        message: `提交后，“${ready.site.name}”的测评表将交给创城办审核，不能再修改；只有创城办退回后才能再修改。`,
        details: [`${ready.round.name}：${ready.standards.length} 条标准已全部评完`],
        confirmLabel: '确认提交',
        back: sheetUrl,
      });
    };
    // refused: the sheet again, listing what blocks the submit (the page's own list, loaded with it)
    const again = (refusal: Refusal) =>
      renderSheet(req, res, refusal.status, { error: refusal.error, listBlockers: true });
    if (!(await changedOrShownAgain(submit, again)) || asked) return;
    res.redirect(303, `${sheetUrl}?submitted=1`);
  });

  r.post('/rounds/:rid/sites/:sid/return', async (req, res) => {
    const [roundId, siteId] = ids(req);
    const reason = (req.body as Record<string, unknown> | undefined)?.reason;
    const back = () => returnSheet(ctx, currentUser(res), roundId, siteId, reason);
    const again = (refusal: Refusal) =>
      renderSheet(req, res, refusal.status, {
        error: refusal.error,
        returnForm: { reason: typeof reason === 'string' ? reason : '', error: refusal.fields.reason ?? '' },
      });
    if (!(await changedOrShownAgain(back, again))) return;
    res.redirect(303, `/rounds/${roundId}/sites/${siteId}`);
  });

  // the office corrects one answer of a submitted or approved sheet (the service asks sheet.correct);
  // refused (no reason, a 不符合 without cases …), the sheet is shown again with that answer's correction
  // open, what was typed, and the message
  r.post('/rounds/:rid/sites/:sid/correct', async (req, res) => {
    const [roundId, siteId] = ids(req);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const typed = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const correct = () => correctAnswer(ctx, currentUser(res), roundId, siteId, form);
    const again = (refusal: Refusal) =>
      renderSheet(req, res, refusal.status, {
        correction: {
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
    if (!(await changedOrShownAgain(correct, again))) return;
    flash(req, 'ok', '已更正该项，并记入审计日志。');
    // back to the corrected answer, under the review filter in use
    res.redirect(303, correctionReturn(roundId, siteId, form));
  });

  return r;
}
