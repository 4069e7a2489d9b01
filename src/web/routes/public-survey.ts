/**
 * The residents' public survey pages, /s/<token> (one link per 社区, the same in every round). Mounted in
 * app.ts BEFORE the body parsers, session, login and CSRF middleware: an anonymous visit makes no session
 * row. No script at all; a page with its CSS stays far under 100 KB.
 *
 * Every /s/ request is first throttled per client address (config.publicRateLimit a minute, 429 with
 * Retry-After), before any body is read; bodies are then read by web/public/body.ts (urlencoded, 100 KB,
 * 100 fields; 413 beyond).
 *
 * The flow (a simulated phone keeps its cookie and follows it):
 * 1. GET  /s/:token          → 404 unknown link; 200 "没有进行中的问卷" / "本轮调查已结束" / "已完成" pages;
 *                               else 200 the screening form (sets the device cookie `cc.dev` if missing).
 *                               The form has hidden `form` (a signed token: step, round, 社区, device,
 *                               start time) and one radio group per 甄别题 named by its code (S1, S2 …).
 * 2. POST /s/:token/screen   → fields `form`, S1, S2 … Failed screening: a screened-out row is stored,
 *                               200 a thank-you page, the device is done. Passed: 200 the questions form
 *                               with a new `form` token (step answer, carrying the start time and the
 *                               screening answers).
 * 3. POST /s/:token/answer   → fields `form` and one per question, named by its code (Q1 …; a multiple
 *                               choice sends its code once per option ticked; a text question its text).
 *                               Stored → 303 to /s/:token/done. Refused answers: 400 with the form again
 *                               and a message by each question.
 * 4. GET  /s/:token/done     → 200 thanks.
 * A forged, expired or someone else's form token: 403 页面已过期，请重新扫码打开问卷. A device that already
 * answered: 409 您已经参加过本社区本轮的问卷调查，感谢支持. Nothing is stored on any refusal.
 */
import { nowMs } from '../../util/clock.ts';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { AppError } from '../../errors.ts';
import {
  publicAnswer,
  publicScreen,
  publicView,
  type PublicForm,
  type PublicVisitor,
} from '../../services/survey-answers.ts';
import type { LoadedSurvey } from '../../services/questionnaires.ts';
import { readForm } from '../public/body.ts';
import { formRefusal } from '../refusal.ts';
import { deriveKey, mac } from '../public/keys.ts';
import { deviceOf, readDevice } from '../public/device-cookie.ts';
import { FORM_EXPIRED, signFormToken, verifyFormToken, type FormToken } from '../public/form-token.ts';
import { THROTTLED, throttle } from '../public/throttle.ts';

const NO_COOKIE = '无法识别本设备：请允许浏览器保存 Cookie 后重新扫码打开问卷';

export function publicSurveyRouter(deps: AppDeps): Router {
  const router = Router();
  const { db } = deps;
  const deviceKey = deriveKey(deps.sessionSecret, 'device-cookie');
  const formKey = deriveKey(deps.sessionSecret, 'form-token');
  const addrKey = deriveKey(deps.sessionSecret, 'address-hash');

  const page = (res: Response, status: number, view: string, data: Record<string, unknown>) => {
    res.status(status).set('Cache-Control', 'no-store');
    res.render(`public/${view}`, { notice: '', ...data });
  };
  const message = (res: Response, status: number, title: string, text: string, again?: string) =>
    page(res, status, 'message', { title, text, again, alert: status >= 400 });

  router.use(
    '/s',
    throttle(deps.config.publicRateLimit, (_req, res) => message(res, 429, '请稍后再试', THROTTLED)),
  );

  const visitorOf = (req: Request): PublicVisitor => {
    const deviceId = readDevice(req, deviceKey);
    if (!deviceId) throw new AppError(403, NO_COOKIE);
    return { deviceId, addrHash: mac(addrKey, req.ip ?? '') };
  };
  const formOf = (t: FormToken): PublicForm => ({
    roundId: t.round,
    communityId: t.community,
    startedAt: t.started,
  });
  type Extra = { status?: number; form: unknown } & Record<string, unknown>;
  const surveyForm = (
    view: 'screen' | 'questions',
    res: Response,
    token: string,
    survey: LoadedSurvey,
    communityName: string,
    extra: Extra,
  ) =>
    page(res, extra.status ?? 200, view, {
      token,
      survey: survey.questionnaire,
      communityName,
      abuseDays: deps.config.publicAbuseDays,
      typed: {},
      fields: {},
      ...extra,
    });

  /** A posted step: its link, body, device and verified form token (throttled before, 403 on a bad token). */
  const posted = async (req: Request, step: 'screen' | 'answer') => {
    const linkToken = String(req.params.token);
    const body = await readForm(req);
    const visitor = visitorOf(req);
    const t = verifyFormToken(formKey, body.form, { step, who: visitor.deviceId });
    return { linkToken, body, visitor, t };
  };

  /** A refused answer (400) shows the same form again with what was typed; anything else goes on. */
  const shownAgain = (
    err: unknown,
    res: Response,
    view: 'screen' | 'questions',
    p: Awaited<ReturnType<typeof posted>>,
  ) => {
    const refusal = formRefusal(err);
    const open = refusal?.status === 400 ? publicView(db, p.linkToken, p.visitor.deviceId) : null;
    if (!refusal || open?.state !== 'open') throw err;
    surveyForm(view, res, p.linkToken, open.survey, open.communityName, {
      status: 400,
      form: p.body.form,
      typed: p.body,
      fields: refusal.fields,
      notice: refusal.error,
    });
  };

  router.get('/s/:token', (req, res) => {
    const linkToken = String(req.params.token);
    const device = deviceOf(req, res, deviceKey);
    const view = publicView(db, linkToken, device);
    if (view.state === 'none')
      return view.closed
        ? message(res, 200, '调查已结束', `${view.communityName}：本轮调查已结束，感谢关注。`)
        : message(res, 200, '暂无调查', `${view.communityName}：本社区当前没有进行中的问卷调查。`);
    if (view.state === 'done')
      return message(res, 200, '已完成', `您已经参加过${view.communityName}本轮的问卷调查，感谢支持！`);
    const now = nowMs();
    const form = signFormToken(formKey, {
      step: 'screen',
      round: view.round.id,
      community: view.communityId,
      who: device,
      started: now,
    });
    surveyForm('screen', res, linkToken, view.survey, view.communityName, { form });
  });

  router.post('/s/:token/screen', async (req, res) => {
    const p = await posted(req, 'screen');
    let result;
    try {
      result = publicScreen(db, p.linkToken, formOf(p.t), p.visitor, p.body);
    } catch (err) {
      return shownAgain(err, res, 'screen', p);
    }
    if (!result.passed)
      return message(
        res,
        200,
        '感谢参与',
        '感谢您的支持！本次调查的对象是在本社区居住或工作满6个月、年龄18至70岁的居民，您无需继续作答。',
      );
    const form = signFormToken(formKey, {
      step: 'answer',
      round: p.t.round,
      community: p.t.community,
      who: p.visitor.deviceId,
      started: p.t.started,
      screening: result.screening,
    });
    surveyForm('questions', res, p.linkToken, result.survey, result.communityName, { form });
  });

  router.post('/s/:token/answer', async (req, res) => {
    const p = await posted(req, 'answer');
    try {
      publicAnswer(db, p.linkToken, { ...formOf(p.t), screening: p.t.screening ?? {} }, p.visitor, p.body);
    } catch (err) {
      return shownAgain(err, res, 'questions', p);
    }
    res.redirect(303, `/s/${encodeURIComponent(p.linkToken)}/done`);
  });

  router.get('/s/:token/done', (req, res) => {
    publicView(db, String(req.params.token), null); // 404 for an unknown link
    message(res, 200, '提交成功', '您的问卷已提交，感谢您对文明城市创建工作的支持！');
  });

  // the public pages answer their own refusals in their own small layout (the app's error page has the
  // staff's header and script)
  router.use('/s', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof AppError)) return next(err);
    if (res.headersSent) return res.end();
    const again =
      err.message === FORM_EXPIRED || err.status === 413
        ? `/s/${encodeURIComponent(String(req.path.split('/')[1] ?? ''))}`
        : undefined;
    const titles: Record<number, string> = { 404: '找不到问卷', 409: '感谢支持', 413: '内容太大' };
    message(res, err.status, titles[err.status] ?? '无法提交', err.message, again);
  });
  return router;
}
