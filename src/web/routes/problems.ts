/**
 * The rectification pages: the office's problem board (filters, counts, 整改率 per unit), a unit's own
 * list, an inspector's list of fixes to re-inspect, a problem's page with before and after photos side
 * by side and its history, the actions of each role, and a printable 整改通知单 per unit.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser, requireRole } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { body, idOrNull, text } from '../forms.ts';
import {
  listProblems,
  problemEvents,
  problemPhotos,
  type ProblemFilter,
  type ProblemListRow,
} from '../../db/repos/problems.ts';
import { listRounds } from '../../db/repos/rounds.ts';
import { listCommunities, listStreets, siteTypeNames } from '../../db/repos/places.ts';
import { findUnitById, listUnits, unitSubtreeIds } from '../../db/repos/units.ts';
import { assignedInspectorId, findRoundById } from '../../db/repos/rounds.ts';
import {
  actsFor,
  decideRequest,
  isOverdue,
  PROBLEM_STATUS_NAMES,
  reinspect,
  reportFix,
  requestChange,
  REQUEST_NAMES,
  requireProblem,
  type UploadedPhoto,
} from '../../services/problems.ts';
import { Forbidden, InvalidInput } from '../../errors.ts';
import { formatShanghai, shanghaiDate } from '../../util/time.ts';
import { writeProblemsWorkbook } from '../../export/problems-xlsx.ts';
import { findPhoto } from '../../db/repos/photos.ts';

export const PROBLEM_MULTIPART_ROUTES = [/^\/problems\/\d+\/(fix|reinspect|request)$/];

const STATUSES = ['open', 'fixed', 'closed', 'void'] as const;
const EVENT_NAMES: Record<string, string> = {
  raise: '交办',
  fix: '报告整改',
  close: '复查通过，销号',
  reject: '复查不通过，退回',
  void: '作废',
  request_dispute: '提出申诉',
  request_transfer: '申请转办',
  request_extension: '申请延期',
  refuse_dispute: '申诉不成立',
  refuse_transfer: '不同意转办',
  refuse_extension: '不同意延期',
  uphold_dispute: '申诉成立，作废并取消扣分',
  transfer: '转办',
  extend: '同意延期',
};

function photosOf(req: Request): UploadedPhoto[] {
  return ((req.files as Express.Multer.File[] | undefined) ?? [])
    .filter((f) => f.fieldname === 'photos' && f.size > 0)
    .map((f) => ({ buffer: f.buffer, originalName: f.originalname }));
}

export function problemsRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const db = deps.db;
  const ctx = { db, uploadDir: deps.config.uploadDir };

  function scopeFilter(res: Response): Pick<ProblemFilter, 'unitIds' | 'inspectorId'> {
    const user = currentUser(res);
    if (user.role === 'unit') return { unitIds: unitSubtreeIds(db, user.unit_id!) };
    if (user.role === 'inspector') return { inspectorId: user.id };
    return {};
  }

  function readFilter(req: Request): { filter: ProblemFilter; form: Record<string, string> } {
    const q = req.query as Record<string, unknown>;
    const form = Object.fromEntries(
      ['round', 'street', 'community', 'unit', 'status', 'overdue', 'repeat'].map((k) => [
        k,
        typeof q[k] === 'string' ? (q[k] as string) : '',
      ]),
    );
    const ids = {
      roundId: idOrNull(form.round),
      streetId: idOrNull(form.street),
      communityId: idOrNull(form.community),
      unit: idOrNull(form.unit),
    };
    if (Object.values(ids).some((v) => Number.isNaN(v))) throw new InvalidInput('筛选条件无效');
    if (form.status && !(STATUSES as readonly string[]).includes(form.status))
      throw new InvalidInput('状态筛选无效');
    if (form.overdue && form.overdue !== '1') throw new InvalidInput('逾期筛选无效');
    if (form.repeat && form.repeat !== '1') throw new InvalidInput('反复出现筛选无效');
    return {
      form,
      filter: {
        roundId: ids.roundId,
        streetId: ids.streetId,
        communityId: ids.communityId,
        unitIds: ids.unit === null ? null : unitSubtreeIds(db, ids.unit),
        status: (form.status || null) as ProblemFilter['status'],
        overdueBefore: form.overdue === '1' ? shanghaiDate() : null,
        repeatOnly: form.repeat === '1',
      },
    };
  }

  const present = (p: ProblemListRow, types: Map<string, string>) => ({
    ...p,
    typeName: types.get(p.site_type) ?? p.site_type,
    statusName: PROBLEM_STATUS_NAMES[p.status],
    overdue: isOverdue(p),
    requestName: p.request ? REQUEST_NAMES[p.request] : '',
  });

  r.get('/problems', (req, res) => {
    const user = currentUser(res);
    const { filter, form } = readFilter(req);
    const scope = scopeFilter(res);
    if (scope.unitIds && filter.unitIds)
      filter.unitIds = filter.unitIds.filter((u) => scope.unitIds!.includes(u));
    const rows = listProblems(db, {
      ...filter,
      ...(scope.unitIds && !filter.unitIds ? { unitIds: scope.unitIds } : {}),
      ...(scope.inspectorId ? { inspectorId: scope.inspectorId } : {}),
    });
    const types = siteTypeNames(db);
    const live = rows.filter((p) => p.status !== 'void');
    const byUnit = new Map<
      string,
      { name: string; total: number; closed: number; fixed: number; open: number; overdue: number }
    >();
    for (const p of live) {
      const key = p.unit_name ?? '（未指定单位）';
      const u = byUnit.get(key) ?? {
        id: p.unit_id,
        name: key,
        total: 0,
        closed: 0,
        fixed: 0,
        open: 0,
        overdue: 0,
      };
      u.total++;
      if (p.status === 'closed') u.closed++;
      else if (p.status === 'fixed') u.fixed++;
      else u.open++;
      if (isOverdue(p)) u.overdue++;
      byUnit.set(key, u);
    }
    res.render('problems/index', {
      title: user.role === 'unit' ? '本单位的问题' : user.role === 'inspector' ? '待复查的问题' : '问题整改',
      role: user.role,
      form,
      rows: rows.slice(0, 1000).map((p) => present(p, types)),
      total: rows.length,
      counts: Object.fromEntries(STATUSES.map((s) => [s, rows.filter((p) => p.status === s).length])),
      overdue: rows.filter((p) => isOverdue(p)).length,
      rate: live.length
        ? `${((live.filter((p) => p.status === 'closed').length / live.length) * 100).toFixed(1)}%`
        : '—',
      units: [...byUnit.values()]
        .sort((a, b) => b.total - a.total)
        .map((u) => ({ ...u, rate: `${((u.closed / u.total) * 100).toFixed(1)}%` })),
      rounds: listRounds(db).filter((x) => x.status !== 'draft'),
      streets: listStreets(db),
      communities: listCommunities(db),
      unitOptions: user.role === 'office' ? listUnits(db) : [],
      statusNames: PROBLEM_STATUS_NAMES,
      query: new URLSearchParams(Object.entries(form).filter(([, v]) => v)).toString(),
    });
  });

  function canSee(res: Response, p: ReturnType<typeof requireProblem>): boolean {
    const user = currentUser(res);
    if (user.role === 'office') return true;
    if (user.role === 'unit') return actsFor(db, user, p);
    return assignedInspectorId(db, p.round_id, p.site_id) === user.id;
  }

  r.get('/problems/:id', (req, res) => {
    const p = requireProblem(db, idParam(req.params.id, '问题'));
    if (!canSee(res, p)) throw new Forbidden('您无权查看该问题');
    const user = currentUser(res);
    const row = listProblems(db, { id: p.id })[0]!;
    const photos = problemPhotos(db, p).map((ph) => ({
      ...ph,
      thumb: `/photos/${ph.id}/thumb`,
      display: `/photos/${ph.id}/display`,
      at: formatShanghai(ph.uploaded_at),
    }));
    const version = deps.criteria.get(findRoundById(db, p.round_id)!.criteria_version_id);
    const standard = version.byCode.get(p.standard_code);
    res.render('problems/show', {
      title: `问题 #${p.id}`,
      p: present(row, siteTypeNames(db)),
      standard: standard ? `${standard.code} ${standard.text}` : p.standard_code,
      item: standard?.item.name ?? '',
      before: photos.filter((ph) => ph.kind === 'evidence'),
      after: photos.filter((ph) => ph.kind === 'fix'),
      checks: photos.filter((ph) => ph.kind === 'reinspect'),
      appeals: photos.filter((ph) => ph.kind === 'appeal'),
      events: problemEvents(db, p.id).map((e) => ({
        ...e,
        at: formatShanghai(e.at),
        name: EVENT_NAMES[e.action] ?? e.action,
      })),
      canFix: actsFor(db, user, p) && p.status === 'open',
      canRequest: actsFor(db, user, p) && p.status === 'open' && !p.request,
      canReinspect:
        (user.role === 'office' || user.role === 'inspector') &&
        p.status === 'fixed' &&
        p.fixed_by !== user.id,
      canDecide: user.role === 'office' && p.status === 'open' && !!p.request,
      units: user.role === 'office' ? listUnits(db).filter((u) => !u.retired_at) : [],
      today: shanghaiDate(),
    });
  });

  const act = (
    path: string,
    run: (req: Request, res: Response, id: number) => Promise<string> | string,
    multipart: boolean,
  ) =>
    r.post(path, ...(multipart ? photoUpload(protect, 10) : []), async (req, res) => {
      const id = idParam(req.params.id, '问题');
      res.locals.back = `/problems/${id}`;
      flash(req, 'ok', await run(req, res, id));
      res.redirect(303, `/problems/${id}`);
    });

  act(
    '/problems/:id/fix',
    async (req, res, id) => (
      await reportFix(ctx, currentUser(res), id, body(req).note, photosOf(req)),
      '已报告整改，等待复查。'
    ),
    true,
  );
  act(
    '/problems/:id/reinspect',
    async (req, res, id) => {
      // an inspector re-inspects only problems at sites assigned to them (the same rule as the page)
      if (!canSee(res, requireProblem(db, id))) throw new Forbidden('您无权复查该问题');
      const b = body(req);
      await reinspect(ctx, currentUser(res), id, b.outcome, b.note, photosOf(req));
      return b.outcome === 'pass' ? '复查通过，已销号。' : '已退回责任单位重新整改。';
    },
    true,
  );
  act(
    '/problems/:id/request',
    async (req, res, id) => {
      const b = body(req);
      await requestChange(ctx, currentUser(res), id, b.kind, b.note, b.deadline, photosOf(req));
      return '申请已提交，等待创城办处理。';
    },
    true,
  );
  act(
    '/problems/:id/decide',
    (req, res, id) => {
      const b = body(req);
      decideRequest(ctx, currentUser(res), id, {
        approve: text(b.approve),
        note: b.note,
        unitId: b.unitId,
        deadline: b.deadline || undefined,
      });
      return '已处理申请。';
    },
    false,
  );

  r.get('/rounds/:id/problems.xlsx', requireRole('office', 'unit'), async (req, res) => {
    const round = findRoundById(db, idParam(req.params.id, '测评轮次'));
    if (!round) throw new InvalidInput('找不到该测评轮次');
    const { filter } = readFilter(req);
    const scope = scopeFilter(res);
    const unitIds = scope.unitIds
      ? (filter.unitIds ?? scope.unitIds).filter((u) => scope.unitIds!.includes(u))
      : filter.unitIds;
    const name = `整改清单-${round.name}.xlsx`;
    res.attachment(name);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    await writeProblemsWorkbook(
      {
        db,
        criteria: deps.criteria,
        uploadDir: deps.config.uploadDir,
        baseUrl: deps.config.baseUrl,
        filter: { ...filter, roundId: round.id, unitIds },
        siteTypeNames: siteTypeNames(db),
        title: name,
        makeThumb: async (photoId) => {
          const photo = findPhoto(db, photoId);
          if (photo) await deps.versions.ensure(photo);
        },
      },
      res,
    );
  });

  r.get('/problems-notice', requireRole('office', 'unit'), (req, res) => {
    const user = currentUser(res);
    const unitId =
      user.role === 'unit' ? user.unit_id! : idOrNull((req.query as Record<string, unknown>).unit);
    if (unitId === null || Number.isNaN(unitId)) throw new InvalidInput('请选择单位');
    const unit = findUnitById(db, unitId);
    if (!unit) throw new InvalidInput('找不到该单位');
    const roundId = idOrNull((req.query as Record<string, unknown>).round);
    if (Number.isNaN(roundId)) throw new InvalidInput('轮次无效');
    const rows = listProblems(db, { unitIds: unitSubtreeIds(db, unitId), roundId, status: null }).filter(
      (p) => p.status === 'open' || p.status === 'fixed',
    );
    const types = siteTypeNames(db);
    res.render('problems/notice', {
      title: `整改通知单 · ${unit.name}`,
      unit,
      rows: rows.map((p) => present(p, types)),
      today: shanghaiDate(),
    });
  });

  return r;
}
