/**
 * The office's survey pages of a round (/rounds/<id>/surveys): links, targets, posters, interviewers,
 * answers to clear or void. Each handler is parse → call the service (which asks access.ts) → redirect
 * with a message, or the same page again with what was typed and the refusal by its field.
 */
import { Router, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body, idOrNull, text } from '../forms.ts';
import { idParam } from '../params.ts';
import { linkBase } from '../download.ts';
import { changedOrShownAgain } from '../form-again.ts';
import type { Refusal } from '../refusal.ts';
import {
  addInterviewer,
  removeInterviewer,
  setSurveyTargets,
  surveyAdminPage,
  surveyPosters,
} from '../../services/survey-admin.ts';
import { answerDetail, answersPage, clearAnswer, voidAnswer } from '../../services/survey-admin-answers.ts';
import { presentAnswer, presentAnswers, presentSurveyAdmin } from '../presenters/survey-admin.ts';

const query = (req: Request, name: string) => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
};

export function surveysRouter(deps: AppDeps): Router {
  const r = Router();
  const { db } = deps;
  /** the address printed in links and QR codes: PUBLIC_BASE_URL, else BASE_URL, else the request's */
  const publicBase = (req: Request) => linkBase(req, deps.config.publicBaseUrl ?? deps.config.baseUrl);
  const roundOf = (req: Request) => idParam(req.params.id, '测评轮次');
  const home = (id: number) => `/rounds/${id}/surveys`;

  function renderAdmin(req: Request, res: Response, status: number, refusal: Refusal | null, form = {}) {
    const page = surveyAdminPage(db, actorOf(res), roundOf(req));
    const refused = refusal && { error: refusal.error, fields: refusal.fields, form };
    res.status(status).render('surveys/index', presentSurveyAdmin(page, publicBase(req), refused));
  }

  r.get('/rounds/:id/surveys', (req, res) => renderAdmin(req, res, 200, null));

  // one 社区's target (t<id> from its row) or every 社区's (the whole table, or `all` for one value)
  r.post('/rounds/:id/surveys/targets', async (req, res) => {
    const roundId = roundOf(req);
    const form = body(req);
    const typed: Record<string, string> = {};
    const targets = new Map<number, string>();
    if (typeof form.all === 'string') {
      const page = surveyAdminPage(db, actorOf(res), roundId);
      for (const s of page.streets) for (const c of s.communities) targets.set(c.id, form.all);
    }
    for (const [name, v] of Object.entries(form)) {
      const m = /^t(\d{1,12})$/.exec(name);
      if (!m) continue;
      typed[name] = text(v);
      targets.set(Number(m[1]), text(v));
    }
    let changed = 0;
    const ok = await changedOrShownAgain(
      () => (changed = setSurveyTargets(db, actorOf(res), roundId, targets)),
      (refusal) => renderAdmin(req, res, refusal.status, refusal, typed),
    );
    if (!ok) return;
    flash(req, 'ok', changed ? `已修改 ${changed} 个社区的样本目标` : '样本目标没有变化');
    res.redirect(303, home(roundId));
  });

  r.post('/rounds/:id/surveys/:cid/interviewers', async (req, res) => {
    const roundId = roundOf(req);
    const communityId = idParam(req.params.cid, '社区');
    const userId = idOrNull(body(req).userId) ?? NaN;
    let name = '';
    const ok = await changedOrShownAgain(
      () => (name = addInterviewer(db, actorOf(res), roundId, communityId, userId)),
      (refusal) => renderAdmin(req, res, refusal.status, refusal),
    );
    if (!ok) return;
    flash(req, 'ok', `已将 ${name} 分配为入户调查员`);
    res.redirect(303, `${home(roundId)}#c${communityId}`);
  });

  r.post('/rounds/:id/surveys/:cid/interviewers/:uid/remove', (req, res) => {
    const roundId = roundOf(req);
    res.locals.back = home(roundId);
    const communityId = idParam(req.params.cid, '社区');
    const userId = idParam(req.params.uid, '测评员');
    const name = removeInterviewer(db, actorOf(res), roundId, communityId, userId);
    flash(req, 'ok', `已取消 ${name} 的入户调查（已收集的答案保留）`);
    res.redirect(303, `${home(roundId)}#c${communityId}`);
  });

  r.get('/rounds/:id/surveys/posters', async (req, res) => {
    const raw = query(req, 'community');
    const communityId = raw ? idParam(raw, '社区') : null;
    const { round, survey, posters } = surveyPosters(
      db,
      actorOf(res),
      roundOf(req),
      communityId,
      publicBase(req),
    );
    // the SVG is generated here from our own URL (never user input): safe to include as markup
    const withCodes = await Promise.all(
      posters.map(async (p) => ({
        ...p,
        svg: await QRCode.toString(p.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }),
      })),
    );
    res.render('surveys/posters', {
      title: `问卷调查海报 · ${round.name}`,
      round,
      intro: survey.questionnaire.intro,
      surveyName: survey.questionnaire.name,
      posters: withCodes,
    });
  });

  r.get('/rounds/:id/surveys/answers', (req, res) => {
    const page = answersPage(db, actorOf(res), roundOf(req), {
      community: query(req, 'community'),
      state: query(req, 'state'),
      channel: query(req, 'channel'),
      page: query(req, 'page'),
    });
    res.render('surveys/answers', presentAnswers(page));
  });

  const answerOf = (req: Request) => idParam(req.params.aid, '问卷答案');

  r.get('/rounds/:id/surveys/answers/:aid', (req, res) => {
    res.render('surveys/answer', presentAnswer(answerDetail(db, actorOf(res), roundOf(req), answerOf(req))));
  });

  r.post('/rounds/:id/surveys/answers/:aid/clear', (req, res) => {
    const roundId = roundOf(req);
    const aid = answerOf(req);
    res.locals.back = `${home(roundId)}/answers/${aid}`;
    clearAnswer(db, actorOf(res), roundId, aid);
    flash(req, 'ok', `已核实答案 #${aid} 有效，计入有效样本`);
    res.redirect(303, `${home(roundId)}/answers/${aid}`);
  });

  r.post('/rounds/:id/surveys/answers/:aid/void', async (req, res) => {
    const roundId = roundOf(req);
    const aid = answerOf(req);
    const reason = text(body(req).reason);
    const ok = await changedOrShownAgain(
      () => voidAnswer(db, actorOf(res), roundId, aid, reason),
      (refusal) =>
        res
          .status(refusal.status)
          .render(
            'surveys/answer',
            presentAnswer(answerDetail(db, actorOf(res), roundId, aid), { ...refusal, form: { reason } }),
          ),
    );
    if (!ok) return;
    flash(req, 'ok', `已作废答案 #${aid}`);
    res.redirect(303, `${home(roundId)}/answers/${aid}`);
  });

  return r;
}
