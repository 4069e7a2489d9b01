/** GET /rounds and GET /rounds/:id: the rounds a user may see, and one round's summary. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { roundPage, roundsPage } from '../../services/round-pages.ts';
import { idParam } from '../params.ts';
import { presentRound, presentRoundPage } from '../presenters/rounds.ts';

export function roundsRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/rounds', (_req, res) => {
    const page = roundsPage(deps, actorOf(res));
    res.render('rounds/index', {
      title: '测评轮次',
      rounds: page.rounds.map(presentRound),
      canCreate: page.canCreate,
    });
  });
  r.get('/rounds/:id', (req, res) => {
    const page = roundPage(deps, actorOf(res), idParam(req.params.id, '测评轮次'));
    res.render('rounds/show', presentRoundPage(page));
  });
  return r;
}
