/**
 * 问题设置 (/problem-settings, the office): the deadline rule per source of problems from outside rounds,
 * the outside-the-district distance and how long residents' phone numbers are kept
 * (services/problem-settings.ts). Saved whole or refused whole, shown again with what was typed.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body, text } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import {
  problemSettingsForm,
  problemSettingsPage,
  saveProblemSettings,
  OUTSIDE_METRES,
  PHONE_DAYS,
  type ProblemSettingsForm,
} from '../../services/problem-settings.ts';
import { DEADLINE_RULE_NAMES } from '../../labels.ts';

export function problemSettingsRouter(deps: AppDeps, _protect: RequestHandler): Router {
  const r = Router();
  const show = (res: Response, typed: ProblemSettingsForm | null, refused: Refusal | null = null) => {
    const page = problemSettingsPage(deps.db, actorOf(res));
    res.render('problem-settings/index', {
      title: '问题设置',
      page,
      typed: typed ?? problemSettingsForm(page),
      refused,
      unitNames: DEADLINE_RULE_NAMES,
      bounds: { metres: OUTSIDE_METRES, phoneDays: PHONE_DAYS },
    });
  };

  r.get('/problem-settings', allow(deps.db, 'office.manage'), (_req, res) => show(res, null));

  r.post('/problem-settings', allow(deps.db, 'office.manage'), async (req: Request, res: Response) => {
    const form = body(req);
    const typed: ProblemSettingsForm = {};
    for (const [k, v] of Object.entries(form))
      if (k !== '_csrf' && /^(unit|amount)\.[a-z]+$|^(metres|phoneDays)$/.test(k)) typed[k] = text(v);
    let changed = 0;
    const saved = await changedOrShownAgain(
      () => (changed = saveProblemSettings(deps.db, actorOf(res), typed)),
      (refusal) => {
        res.status(refusal.status);
        show(res, typed, refusal);
      },
    );
    if (!saved) return;
    flash(req, 'ok', changed ? '已保存。新规则只用于今后登记的问题。' : '设置没有变化。');
    res.redirect(303, '/problem-settings');
  });

  return r;
}
