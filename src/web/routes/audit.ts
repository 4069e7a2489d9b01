/** GET /audit: the audit log for the office, filterable by user, round and site, newest first. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow } from '../middleware/auth.ts';
import { auditNames, listAudit } from '../../db/repos/audit.ts';
import { listUsers } from '../../db/repos/users.ts';
import { listRounds } from '../../db/repos/rounds.ts';
import { listSites } from '../../db/repos/places.ts';
import { idOrNull } from '../forms.ts';
import { InvalidInput } from '../../errors.ts';
import { presentAudit } from '../presenters/audit.ts';

const PAGE = 100;

export function auditRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/audit', allow(deps.db, 'office.manage'), (req, res) => {
    const q = req.query as Record<string, unknown>;
    const filter = {
      userId: idOrNull(q.user),
      roundId: idOrNull(q.round),
      siteId: idOrNull(q.site),
      beforeId: idOrNull(q.before),
    };
    if (Object.values(filter).some((v) => Number.isNaN(v))) throw new InvalidInput('筛选条件无效');
    const rows = listAudit(deps.db, { ...filter, limit: PAGE + 1 });
    const more = rows.length > PAGE;
    const shown = rows.slice(0, PAGE);
    const keep = new URLSearchParams();
    for (const k of ['user', 'round', 'site'] as const)
      if (typeof q[k] === 'string' && q[k]) keep.set(k, q[k] as string);
    if (more) keep.set('before', String(shown.at(-1)!.id));
    res.render('audit/index', {
      title: '审计日志',
      entries: presentAudit(shown, auditNames(deps.db)),
      users: listUsers(deps.db),
      rounds: listRounds(deps.db),
      sites: listSites(deps.db),
      filter,
      nextUrl: more ? `/audit?${keep.toString()}` : null,
    });
  });
  return r;
}
