/**
 * 随手拍 for residents, /r/<token> (one link for the district, one per 社区): mounted in app.ts BEFORE the
 * body parsers, session, login and CSRF middleware, like the survey pages (public-survey.ts). No script;
 * a page with its CSS stays far under 100 KB. Every /r/ request is first throttled per client address
 * (config.publicRateLimit a minute, 429), before any body is read.
 *
 * 1. GET  /r/:token               → 404 unknown link; 200 the form (sets the device cookie `cc.dev`, path
 *                                    /r/): hidden `form` (a signed token: step report, the link, the
 *                                    device), description, address, 社区 (district link), photos ×3
 *                                    (field `photos`), phone and its consent box `consent`.
 * 2. POST /r/:token  (multipart)  → stored → 303 to /r/:token/status/<code>?sent=1. Refused input: 400
 *                                    with the form again (photos must be chosen again). 403 a forged or
 *                                    expired form token (页面已过期，请重新扫码), 409 a form posted twice,
 *                                    413 too large, 400 too many files or not a photo, 429 the device's
 *                                    daily cap. Nothing is stored on any refusal.
 * 3. GET  /r/:token/status/:code  → the tracking page; GET /r/status[?code=…] the same from a typed code.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { AppError, Conflict, Forbidden } from '../../errors.ts';
import { nowMs } from '../../util/clock.ts';
import {
  REPORT_LIMITS,
  refuseOverDailyLimits,
  reportLinkView,
  reportStatusView,
  submitReport,
  type ReportLinkView,
} from '../../services/reports-public.ts';
import { formRefusal, type Refusal } from '../refusal.ts';
import { deriveKey, mac } from '../public/keys.ts';
import { deviceOf, readDevice } from '../public/device-cookie.ts';
import { SpentTokens, signFormToken, verifyFormToken } from '../public/form-token.ts';
import { readPublicUpload } from '../public/multipart.ts';
import { THROTTLED, throttle } from '../public/throttle.ts';

export const REPORT_FORM_EXPIRED = '页面已过期，请重新扫码';
const NO_COOKIE = '无法识别本设备：请允许浏览器保存 Cookie 后重新扫码';
const POSTED_TWICE = '该表单已经提交过，请勿重复提交；如需再反映其他问题，请重新扫码';

export function publicReportRouter(deps: AppDeps): Router {
  const router = Router();
  const { db } = deps;
  const ctx = { db, uploadDir: deps.config.uploadDir };
  const deviceKey = deriveKey(deps.sessionSecret, 'device-cookie');
  const formKey = deriveKey(deps.sessionSecret, 'form-token');
  const addrKey = deriveKey(deps.sessionSecret, 'address-hash');
  const spent = new SpentTokens();
  /** residents' uploads being read right now (each may hold up to 30 MB in memory) */
  let uploading = 0;

  const page = (res: Response, status: number, view: string, data: Record<string, unknown>) => {
    res.status(status).set('Cache-Control', 'no-store');
    res.render(`public/${view}`, { notice: '', ...data });
  };
  const message = (res: Response, status: number, title: string, text: string, again?: string) =>
    page(res, status, 'report-message', { title, text, again, alert: status >= 400 });

  router.use(
    '/r',
    throttle(deps.config.publicRateLimit, (_req, res) => message(res, 429, '请稍后再试', THROTTLED)),
  );

  const showForm = (
    res: Response,
    view: ReportLinkView,
    device: string,
    extra: { status?: number; typed?: Record<string, string>; refusal?: Refusal | null } = {},
  ) =>
    page(res, extra.status ?? 200, 'report-form', {
      token: view.link.token,
      view,
      limits: REPORT_LIMITS,
      abuseDays: deps.config.publicAbuseDays,
      form: signFormToken(formKey, {
        step: 'report',
        round: 0,
        community: view.link.id,
        who: device,
        started: nowMs(),
      }),
      typed: extra.typed ?? {},
      fields: extra.refusal?.fields ?? {},
      notice: extra.refusal?.error ?? '',
    });

  const showStatus = (res: Response, code: string, sent: boolean) =>
    page(res, 200, 'report-status', {
      title: sent ? '提交成功' : '办理进度',
      status: reportStatusView(db, code),
      sent,
    });

  // before /r/:token: "status" is not a link token
  router.get('/r/status', (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code.slice(0, 40) : '';
    if (!code)
      return page(res, 200, 'report-status', { title: '查询办理进度', status: null, sent: false, code });
    try {
      showStatus(res, code, false);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 404) throw err;
      page(res, 404, 'report-status', {
        title: '查询办理进度',
        status: null,
        sent: false,
        code,
        notice: err.message,
      });
    }
  });

  router.get('/r/:token', (req, res) => {
    const view = reportLinkView(db, String(req.params.token));
    showForm(res, view, deviceOf(req, res, deviceKey, '/r/'));
  });

  router.post('/r/:token', async (req, res) => {
    const view = reportLinkView(db, String(req.params.token)); // 404 before any body is read
    // the device cookie, the day's limits and the uploads in progress are all known from the headers:
    // each is refused before a byte of the body is read
    const device = readDevice(req, deviceKey);
    if (!device) throw new Forbidden(NO_COOKIE);
    const addrHash = mac(addrKey, req.ip ?? '');
    refuseOverDailyLimits(db, { deviceId: device, addrHash });
    if (uploading >= REPORT_LIMITS.concurrentUploads)
      throw new AppError(503, '提交的人较多，请稍等片刻后重新提交');
    uploading++;
    let upload: Awaited<ReturnType<typeof readPublicUpload>>;
    try {
      upload = await readPublicUpload(req, res, {
        field: 'photos',
        maxFiles: REPORT_LIMITS.maxPhotos,
        fileBytes: REPORT_LIMITS.photoBytes,
        maxFields: 20,
        fieldBytes: 16 * 1024,
      });
    } finally {
      uploading--;
    }
    const t = verifyFormToken(formKey, upload.fields.form, {
      step: 'report',
      who: device,
      expired: REPORT_FORM_EXPIRED,
    });
    if (t.community !== view.link.id) throw new Forbidden(REPORT_FORM_EXPIRED);
    if (!spent.spend(t)) throw new Conflict(POSTED_TWICE);
    const f = upload.fields;
    const typed = {
      description: f.description ?? '',
      address: f.address ?? '',
      community: f.community ?? '',
      phone: f.phone ?? '',
      consent: f.consent === '1' ? '1' : '',
    };
    let code: string;
    try {
      code = await submitReport(
        ctx,
        view.link.token,
        { ...typed, consent: typed.consent === '1' },
        { deviceId: device, addrHash },
        upload.files,
      );
    } catch (err) {
      const refusal = formRefusal(err);
      if (refusal?.status !== 400) throw err;
      return showForm(res, view, device, { status: 400, typed, refusal });
    }
    res.redirect(303, `/r/${encodeURIComponent(view.link.token)}/status/${code}?sent=1`);
  });

  router.get('/r/:token/status/:code', (req, res) => {
    reportLinkView(db, String(req.params.token)); // 404 for an unknown link
    showStatus(res, String(req.params.code), req.query.sent === '1');
  });

  // the public pages answer their own refusals in their own small layout (the app's error page has the
  // staff's header and script)
  router.use('/r', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof AppError)) return next(err);
    if (res.headersSent) return res.end();
    const token = String(req.path.split('/')[1] ?? '');
    const again =
      err.status !== 404 && err.status !== 429 && token && token !== 'status'
        ? `/r/${encodeURIComponent(token)}`
        : undefined;
    const titles: Record<number, string> = {
      403: '页面已过期',
      404: '找不到页面',
      409: '请勿重复提交',
      413: '内容太大',
      429: '请稍后再试',
    };
    message(res, err.status, titles[err.status] ?? '无法提交', err.message, again);
  });
  return router;
}
