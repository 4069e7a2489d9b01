/** GET/POST /rounds/:id/assignments: 测评分工 for one round, one site at a time or in bulk, with 回避 warnings. */
import { Router, type Request } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body } from '../forms.ts';
import { idParam } from '../params.ts';
import {
  assignBulk,
  assignInspector,
  setAvoidancePolicy,
  spreadEvenly,
  type BulkScope,
} from '../../services/assignments.ts';
import type { Actor } from '../../services/access.ts';
import { assignmentsPage } from '../../services/round-pages.ts';
import { presentAssignments } from '../presenters/rounds.ts';

/** A form's id field: digits, or NaN (the service refuses it with its message). */
const num = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN);

/** `street:3`, `community:12` or `unassigned`; null for anything else (the service refuses it). */
function parseScope(value: unknown): BulkScope | null {
  if (value === 'unassigned') return { kind: 'unassigned' };
  const m = typeof value === 'string' ? /^(street|community):(\d{1,9})$/.exec(value) : null;
  return m ? { kind: m[1] as 'street' | 'community', id: Number(m[2]) } : null;
}

export function assignmentsRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');

  r.get('/rounds/:id/assignments', office, (req, res) => {
    const page = assignmentsPage(deps, actorOf(res), idParam(req.params.id, '测评轮次'));
    res.render('rounds/assignments', presentAssignments(page));
  });

  const handle = (path: string, run: (req: Request, actor: Actor, roundId: number) => string[]) =>
    r.post(path, office, (req, res) => {
      const roundId = idParam(req.params.id, '测评轮次');
      res.locals.back = `/rounds/${roundId}/assignments`;
      const warnings = run(req, actorOf(res), roundId);
      if (warnings.length) flash(req, 'warn', '已分工，但以下点位应当回避：', warnings);
      else flash(req, 'ok', '已保存分工。');
      res.redirect(303, `/rounds/${roundId}/assignments`);
    });

  handle('/rounds/:id/assignments', (req, actor, roundId) => {
    const b = body(req);
    const w = assignInspector(deps.db, actor, roundId, num(b.siteId), num(b.inspectorId));
    return w ? [w] : [];
  });
  handle('/rounds/:id/assignments/bulk', (req, actor, roundId) => {
    const b = body(req);
    return assignBulk(deps.db, actor, roundId, parseScope(b.scope), num(b.inspectorId));
  });
  handle('/rounds/:id/assignments/spread', (req, actor, roundId) => {
    const b = body(req);
    const scope = parseScope(b.scope) ?? { kind: 'unassigned' };
    const ids = (Array.isArray(b.inspectorIds) ? b.inspectorIds : b.inspectorIds ? [b.inspectorIds] : []).map(
      num,
    );
    return spreadEvenly(deps.db, actor, roundId, scope, ids);
  });

  r.post('/settings/avoidance', office, (req, res) => {
    const form = body(req);
    const policy = setAvoidancePolicy(deps.db, actorOf(res), form.policy);
    flash(
      req,
      'ok',
      policy === 'refuse' ? '已设置：禁止把点位分给应回避的测评员。' : '已设置：分给应回避的测评员时提醒。',
    );
    const back =
      typeof form.back === 'string' && /^\/rounds\/\d+\/assignments$/.test(form.back) ? form.back : '/rounds';
    res.redirect(303, back);
  });

  return r;
}
