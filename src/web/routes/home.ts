/** GET /: each role's home page, the day's work first (services/home.ts says what, presenters/home.ts how). */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { homePage } from '../../services/home.ts';
import { presentHome } from '../presenters/home.ts';

export function homeRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/', (req, res) => {
    // an inspector's search among their sites (site, 社区 or 镇街 name)
    const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 50) : '';
    const { view, locals } = presentHome(homePage(deps, actorOf(res), q));
    res.render(view, locals);
  });
  return r;
}
