/**
 * Help pages: 计分规则说明 (ending with each loaded criteria version's own rules, in words written from
 * the values the version sets), and the user and operations guides inside the app's layout, with their
 * screenshots under /help/images/ (services/help-pages.ts renders them from docs/).
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { AGGREGATION_NAMES, RESULT_NAMES } from '../../labels.ts';
import { scoringRulesVersions } from '../../services/criteria-pages.ts';
import { GUIDE_IMAGES_DIR, GUIDES, guideImage, guidePage, type GuideKey } from '../../services/help-pages.ts';
import { presentVersionRules } from '../presenters/criteria-versions.ts';

export function helpRouter(deps: Pick<AppDeps, 'db' | 'criteria'>): Router {
  const r = Router();
  r.get('/help/scoring', (_req, res) =>
    res.render('help/scoring', {
      title: '计分规则说明',
      resultNames: RESULT_NAMES,
      aggregationNames: AGGREGATION_NAMES,
      versions: presentVersionRules(scoringRulesVersions(deps, actorOf(res))),
    }),
  );
  for (const key of Object.keys(GUIDES) as GuideKey[])
    r.get(`/help/${key}`, (_req, res) => res.render('help/guide', guidePage(actorOf(res), key)));
  r.get('/help/images/:file', (req, res) =>
    res.sendFile(guideImage(actorOf(res), req.params.file), { root: GUIDE_IMAGES_DIR, maxAge: '1h' }),
  );
  return r;
}
