/**
 * 入户调查 on the tablet: GET /interviews lists the inspector's 社区 in open rounds (valid answers so far
 * against the target); GET /rounds/:rid/surveys/:cid/interview is one household's form (screening and
 * questions on one page, with a signed form token carrying when it was shown, so the `fast` flag holds);
 * POST stores it as an interviewer answer (screened out: recorded, not counted) and shows a fresh form
 * with how many have been recorded. A refused form is shown again with what was typed. CSRF is the app's.
 */
import { nowMs } from '../../util/clock.ts';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { Conflict, type FieldErrors } from '../../errors.ts';
import { interviewForm, interviewsPage } from '../../services/survey-answer-pages.ts';
import { interviewTarget, recordInterview } from '../../services/survey-answers.ts';
import type { FormBody } from '../../services/survey-answer-check.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { deriveKey } from '../public/keys.ts';
import { INTERVIEW_FORM_EXPIRED, SpentTokens, signFormToken, verifyFormToken } from '../public/form-token.ts';

export function interviewsRouter(deps: AppDeps): Router {
  const router = Router();
  const { db } = deps;
  const formKey = deriveKey(deps.sessionSecret, 'form-token');
  const spent = new SpentTokens();

  router.get('/interviews', (_req, res) => {
    res.render('interviews/index', { title: '入户调查', rounds: interviewsPage(db, actorOf(res)) });
  });

  const showForm = (
    req: Request,
    res: Response,
    again?: {
      status: number;
      error: string;
      fields: FieldErrors;
      typed: Record<string, unknown>;
      form: string;
    },
  ) => {
    const actor = actorOf(res);
    const page = interviewForm(db, actor, idParam(req.params.rid, '轮次'), idParam(req.params.cid, '社区'));
    const form =
      again?.form ??
      signFormToken(formKey, {
        step: 'interview',
        round: page.round.id,
        community: page.communityId,
        who: `u${actor.id}`,
        started: nowMs(),
      });
    res.status(again?.status ?? 200).set('Cache-Control', 'no-store');
    res.render('interviews/form', {
      title: `入户调查 · ${page.communityName}`,
      page,
      form,
      typed: again?.typed ?? {},
      fields: again?.fields ?? {},
      error: again?.error ?? '',
    });
  };

  router.get('/rounds/:rid/surveys/:cid/interview', (req, res) => showForm(req, res));

  router.post('/rounds/:rid/surveys/:cid/interview', async (req, res) => {
    const actor = actorOf(res);
    const roundId = idParam(req.params.rid, '轮次');
    const communityId = idParam(req.params.cid, '社区');
    const body = (req.body ?? {}) as FormBody;
    interviewTarget(db, actor, roundId, communityId); // 404 / 403 / 409 before the form token is looked at
    const t = verifyFormToken(formKey, body.form, {
      step: 'interview',
      who: `u${actor.id}`,
      expired: INTERVIEW_FORM_EXPIRED,
    });
    let result = { screenedOut: false, n: 0 };
    const changed = await changedOrShownAgain(
      () => {
        if (t.round !== roundId || t.community !== communityId)
          throw new Conflict('表单与所选社区不符，请重新打开');
        // check first (a refusal keeps the token usable), then spend it on the stored answer
        result = recordInterview(db, actor, roundId, communityId, t.started, body, () => {
          if (!spent.spend(t)) throw new Conflict('这份答卷已经提交过，请勿重复提交');
        });
      },
      (refusal) => showForm(req, res, { ...refusal, typed: body, form: String(body.form) }),
    );
    if (!changed) return;
    if (result.screenedOut) flash(req, 'warn', '不符合调查条件，未计入（已记录甄别情况）');
    else flash(req, 'ok', `已记录本社区第 ${result.n} 份入户答卷`);
    res.redirect(303, req.originalUrl);
  });

  return router;
}
