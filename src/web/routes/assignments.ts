/** GET/POST /rounds/:id/assignments: 测评分工 for one round, one site at a time or in bulk, with 回避 warnings. */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { requireRound } from '../../services/rounds.ts';
import {
  assignBulk,
  assignInspector,
  avoidancePolicy,
  setAvoidancePolicy,
  spreadEvenly,
  type BulkScope,
} from '../../services/assignments.ts';
import { roundAssignments, progressByInspector, progressByStreet } from '../../db/repos/rounds.ts';
import { listUsers } from '../../db/repos/users.ts';
import { listCommunities, listStreets, siteTypeNames } from '../../db/repos/places.ts';
import { InvalidInput } from '../../errors.ts';
import { SHEET_STATUS_NAMES } from '../../labels.ts';
import type { InspectionStatus } from '../../db/repos/inspections.ts';

type Body = Record<string, string | string[] | undefined>;
const num = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : NaN);

function parseScope(value: unknown): BulkScope | null {
  if (value === 'unassigned') return { kind: 'unassigned' };
  const m = typeof value === 'string' ? /^(street|community):(\d{1,9})$/.exec(value) : null;
  return m ? { kind: m[1] as 'street' | 'community', id: Number(m[2]) } : null;
}

export function assignmentsRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');

  r.get('/rounds/:id/assignments', office, (req, res) => {
    const round = requireRound(deps.db, idParam(req.params.id, '测评轮次'));
    const inspectors = listUsers(deps.db, 'inspector').filter((u) => u.active);
    const streets = listStreets(deps.db);
    const types = siteTypeNames(deps.db);
    const homeOf = new Map(inspectors.map((i) => [i.id, i.home_street_id]));
    const rows = roundAssignments(deps.db, round.id).map((a) => ({
      ...a,
      typeName: types.get(a.site_type) ?? a.site_type,
      statusName: SHEET_STATUS_NAMES[(a.status ?? 'none') as InspectionStatus | 'none'],
      avoid: a.inspector_id !== null && homeOf.get(a.inspector_id) === a.street_id,
    }));
    res.render('rounds/assignments', {
      title: `测评分工 · ${round.name}`,
      round,
      rows,
      inspectors: inspectors.map((i) => ({
        id: i.id,
        name: i.display_name,
        home: streets.find((s) => s.id === i.home_street_id)?.name ?? '',
      })),
      streets,
      communities: listCommunities(deps.db),
      byInspector: progressByInspector(deps.db, round.id),
      byStreet: progressByStreet(deps.db, round.id),
      policy: avoidancePolicy(deps.db),
      editable: round.status === 'draft' || round.status === 'open',
    });
  });

  const handle = (path: string, run: (req: Request, res: Response, roundId: number) => string[]) =>
    r.post(path, office, (req, res) => {
      const roundId = idParam(req.params.id, '测评轮次');
      res.locals.back = `/rounds/${roundId}/assignments`;
      const warnings = run(req, res, roundId);
      if (warnings.length) flash(req, 'warn', '已分工，但以下点位应当回避：', warnings);
      else flash(req, 'ok', '已保存分工。');
      res.redirect(303, `/rounds/${roundId}/assignments`);
    });

  handle('/rounds/:id/assignments', (req, res, roundId) => {
    const b = (req.body ?? {}) as Body;
    const w = assignInspector(deps.db, roundId, num(b.siteId), num(b.inspectorId), currentUser(res).id);
    return w ? [w] : [];
  });
  handle('/rounds/:id/assignments/bulk', (req, res, roundId) => {
    const b = (req.body ?? {}) as Body;
    const scope = parseScope(b.scope);
    if (!scope) throw new InvalidInput('请选择要分配的范围');
    return assignBulk(deps.db, roundId, scope, num(b.inspectorId), currentUser(res).id);
  });
  handle('/rounds/:id/assignments/spread', (req, res, roundId) => {
    const b = (req.body ?? {}) as Body;
    const scope = parseScope(b.scope) ?? { kind: 'unassigned' };
    const ids = (Array.isArray(b.inspectorIds) ? b.inspectorIds : b.inspectorIds ? [b.inspectorIds] : []).map(
      num,
    );
    if (ids.some(Number.isNaN)) throw new InvalidInput('测评员选择无效');
    return spreadEvenly(deps.db, roundId, scope, ids, currentUser(res).id);
  });

  r.post('/settings/avoidance', office, (req, res) => {
    const value = (req.body as Body | undefined)?.policy;
    if (value !== 'warn' && value !== 'refuse') throw new InvalidInput('回避设置只能是“提醒”或“禁止分配”');
    setAvoidancePolicy(deps.db, value, currentUser(res).id);
    flash(
      req,
      'ok',
      value === 'refuse' ? '已设置：禁止把点位分给应回避的测评员。' : '已设置：分给应回避的测评员时提醒。',
    );
    const back =
      typeof (req.body as Body).back === 'string' &&
      /^\/rounds\/\d+\/assignments$/.test((req.body as Body).back as string)
        ? ((req.body as Body).back as string)
        : '/rounds';
    res.redirect(303, back);
  });

  return r;
}
