/** GET /audit: the audit log for the office, filterable by user, round and site, newest first. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { idOrNull } from '../forms.ts';
import { InvalidInput } from '../../errors.ts';
import { auditPage } from '../../services/audit-log.ts';
import { presentAudit } from '../presenters/audit.ts';

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
    const page = auditPage(deps.db, actorOf(res), filter);
    const keep = new URLSearchParams();
    for (const k of ['user', 'round', 'site'] as const)
      if (typeof q[k] === 'string' && q[k]) keep.set(k, q[k] as string);
    if (page.more) keep.set('before', String(page.entries.at(-1)!.id));
    res.render('audit/index', {
      title: '审计日志',
      entries: presentAudit(page.entries, page.names),
      users: page.users,
      rounds: page.rounds,
      sites: page.sites,
      filter,
      nextUrl: page.more ? `/audit?${keep.toString()}` : null,
    });
  });
  return r;
}
