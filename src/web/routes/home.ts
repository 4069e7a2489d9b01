/** GET /: each role's home page. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { roundsVisibleTo } from '../../services/visibility.ts';
import { assignedSites, roundCounts } from '../../db/repos/rounds.ts';
import { countSites } from '../../db/repos/places.ts';
import { sheetProgress } from '../../db/repos/inspections.ts';
import { countUsers } from '../../db/repos/users.ts';
import { findUnitById } from '../../db/repos/units.ts';
import { presentRound, groupAssignedSites } from '../presenters/rounds.ts';

export function homeRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/', (req, res) => {
    const user = currentUser(res);
    const rounds = roundsVisibleTo(deps.db, user);
    if (user.role === 'office') {
      res.render('home/office', {
        title: '工作台',
        rounds: rounds.map((round) => presentRound(deps, round, roundCounts(deps.db, round.id))),
        siteCount: countSites(deps.db),
        userCount: countUsers(deps.db),
      });
    } else if (user.role === 'inspector') {
      const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 50) : '';
      const open = rounds.map((round) => {
        const criteria = deps.criteria.get(round.criteria_version_id);
        const progress = new Map(sheetProgress(deps.db, round.id, user.id).map((p) => [p.site_id, p]));
        const rows = assignedSites(deps.db, round.id, user.id).filter(
          (s) =>
            !q ||
            s.site_name.includes(q) ||
            (s.community_name ?? '').includes(q) ||
            s.street_name.includes(q),
        );
        return {
          round: presentRound(deps, round, roundCounts(deps.db, round.id)),
          groups: groupAssignedSites(deps, round.id, rows, (siteId, siteType) => ({
            status: progress.get(siteId)?.status ?? 'none',
            answered: progress.get(siteId)?.answered ?? 0,
            total: criteria.forSiteType(siteType).length,
          })),
        };
      });
      res.render('home/inspector', { title: '我的点位', open, q });
    } else {
      const unit = user.unit_id ? findUnitById(deps.db, user.unit_id) : undefined;
      res.render('home/unit', {
        title: '本单位',
        unitName: unit?.name ?? '',
        rounds: rounds.map((round) => presentRound(deps, round, roundCounts(deps.db, round.id))),
      });
    }
  });
  return r;
}
