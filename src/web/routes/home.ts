/** GET /: each role's home page, the day's work first (services/home.ts says what, presenters/home.ts how). */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { roundsVisibleTo } from '../../services/access-scopes.ts';
import { inspectorWork, officeWork, unitWork } from '../../services/home.ts';
import { roundSummary } from '../../services/round-pages.ts';
import { findUnitById } from '../../db/repos/units.ts';
import { presentRound } from '../presenters/rounds.ts';
import { presentInspectorHome, presentOfficeHome, presentUnitHome } from '../presenters/home.ts';

export function homeRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/', (req, res) => {
    const user = currentUser(res);
    if (user.role === 'office') {
      const rounds = roundsVisibleTo(deps.db, user).map((round) =>
        presentRound(roundSummary(deps, round)),
      );
      res.render('home/office', presentOfficeHome(officeWork(deps.db), rounds));
    } else if (user.role === 'inspector') {
      const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 50) : '';
      res.render(
        'home/inspector',
        presentInspectorHome(deps, inspectorWork(deps.db, deps.criteria, user, q), q),
      );
    } else {
      const unit = user.unit_id ? findUnitById(deps.db, user.unit_id) : undefined;
      res.render('home/unit', presentUnitHome(unit?.name ?? '', unitWork(deps.db, user)));
    }
  });
  return r;
}
