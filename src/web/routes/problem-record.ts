/**
 * 督查 and 媒体 problems recorded by the office or a 包联 leader on a phone or tablet (/problems/new):
 * the form (photos from the camera, where, what, and for the office the unit and the deadline rule),
 * and its post — recorded and sent to the unit at once, then the problem's page; or the same form again
 * with what was typed and each field's refusal (the photos must be chosen again: a browser never refills
 * a file field). What the form offers and who may use it are the services' (problem-record*.ts).
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { body, text, type FormBody } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import type { UploadedPhoto } from '../../services/problems.ts';
import { MAX_RECORD_PHOTOS, recordPage, type RecordPage } from '../../services/problem-record-page.ts';
import { recordProblem, type RecordedProblem } from '../../services/problem-record.ts';
import { ruleText } from '../../services/deadlines.ts';
import { DEADLINE_RULE_NAMES, PROBLEM_SOURCE_NAMES } from '../../labels.ts';

/** Multipart forms: their CSRF token is checked after the upload is parsed (app.ts). */
export const RECORD_MULTIPART_ROUTES: RegExp[] = [/^\/problems\/new$/];

function photosOf(req: Request): UploadedPhoto[] {
  return ((req.files as Express.Multer.File[] | undefined) ?? [])
    .filter((f) => f.fieldname === 'photos' && f.size > 0)
    .map((f) => ({ buffer: f.buffer, originalName: f.originalname }));
}

/** problems/new's data: the form as the service read it, with what was typed and the refusal (if any). */
function formView(page: RecordPage, values: FormBody, refusal: Refusal | null) {
  const typed = (name: string, start = '') => (refusal ? text(values[name]) : start);
  const lat = typed('lat');
  const lng = typed('lng');
  return {
    title: '记录问题',
    page,
    sourceNames: PROBLEM_SOURCE_NAMES,
    ruleNames: DEADLINE_RULE_NAMES,
    error: refusal?.error ?? '',
    fields: refusal?.fields ?? {},
    typed: {
      source: typed('source', 'inspection'),
      siteId: typed('site_id'),
      communityId: typed('community_id'),
      address: typed('address'),
      lat,
      lng,
      description: typed('description'),
      standard: typed('standard'),
      unitId: typed('unit_id'),
      deadlineUnit: typed('deadline_unit'),
      deadlineAmount: typed('deadline_amount'),
    },
    located: lat && lng ? `${lat}, ${lng}` : '',
    // photos are never refilled: say so when the form comes back
    photosAgain: refusal !== null,
  };
}

/** The result's words: the unit it went to, the deadline, and a warning for coordinates outside the district. */
function resultText(r: RecordedProblem): string {
  const d = r.deadline;
  const when = `整改时限 ${ruleText({ unit: d.rule, amount: d.amount })}，至 ${d.time ? `${d.deadline} ${d.time}` : d.deadline}`;
  const sent = r.unitName ? `已记录问题，已交办 ${r.unitName}` : '已记录问题，责任单位待分派';
  const outside = r.outsideDistrict
    ? '。注意：定位在辖区外（离所有点位都较远），已标记“超出辖区”，请核实'
    : '';
  return `${sent}（${when}）${outside}`;
}

export function problemRecordRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  const showForm = (res: Response, values: FormBody = {}, refusal: Refusal | null = null): void =>
    res.render('problems/new', formView(recordPage(ctx, actorOf(res)), values, refusal));

  r.get('/problems/new', (_req, res) => showForm(res));

  // one more file than allowed reaches the service, which refuses it in words on the form
  r.post('/problems/new', ...photoUpload(protect, MAX_RECORD_PHOTOS + 1), async (req, res) => {
    res.locals.back = '/problems/new';
    let done: RecordedProblem | undefined;
    const changed = await changedOrShownAgain(
      async () => (done = await recordProblem(ctx, actorOf(res), body(req), photosOf(req))),
      (refusal) => {
        res.status(refusal.status);
        showForm(res, body(req), refusal);
      },
    );
    if (!changed || !done) return;
    flash(req, done.outsideDistrict ? 'warn' : 'ok', resultText(done));
    res.redirect(303, `/problems/${done.id}`);
  });
  return r;
}
