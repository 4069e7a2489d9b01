/**
 * The problem lists: the office's board (filters, counts, 整改率 per unit), a unit's own list, the
 * inspector's list that opens on the fixes waiting for their 复查, and a unit's printable 整改通知单.
 * The board's query names are the ones other pages link with (?request=, ?overdue=1, ?status=fixed).
 */
import { Router, type Request } from 'express';
import type { AppDeps } from '../../app.ts';
import type { Db } from '../../db/connection.ts';
import type { UserRow } from '../../db/repos/users.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { idOrNull } from '../forms.ts';
import { listProblems, type ProblemFilter, type ProblemListRow } from '../../db/repos/problems.ts';
import { findRoundById, listRounds } from '../../db/repos/rounds.ts';
import { listCommunities, listStreets, siteTypeNames } from '../../db/repos/places.ts';
import { findUnitById, listUnits, unitSubtreeIds } from '../../db/repos/units.ts';
import { isOverdue } from '../../services/problems.ts';
import { PROBLEM_STATUS_NAMES, REQUEST_NAMES } from '../../labels.ts';
import { InvalidInput } from '../../errors.ts';
import { shanghaiDate } from '../../util/time.ts';

const STATUSES = ['open', 'fixed', 'closed', 'void'] as const;
const REQUESTS = ['dispute', 'transfer', 'extension', 'any'] as const;

/** What a user may list: a unit its own subtree's problems, an inspector those of sites assigned to them. */
export function problemScope(db: Db, user: UserRow): Pick<ProblemFilter, 'unitIds' | 'inspectorId'> {
  if (user.role === 'unit') return { unitIds: unitSubtreeIds(db, user.unit_id!) };
  if (user.role === 'inspector') return { inspectorId: user.id };
  return {};
}

/**
 * The board's query: ?round= &street= &community= &unit= &status=open|fixed|closed|void|all
 * &overdue=1 &repeat=1 &request=dispute|transfer|extension|any. An inspector's list opens on
 * status=fixed (waiting for their 复查); status=all shows every status.
 */
export function readProblemFilter(
  db: Db,
  req: Request,
  defaultStatus = '',
): { filter: ProblemFilter; form: Record<string, string> } {
  const q = req.query as Record<string, unknown>;
  const form = Object.fromEntries(
    ['round', 'street', 'community', 'unit', 'status', 'overdue', 'repeat', 'request'].map((k) => [
      k,
      typeof q[k] === 'string' ? (q[k] as string) : '',
    ]),
  );
  if (!form.status) form.status = defaultStatus;
  const ids = {
    roundId: idOrNull(form.round),
    streetId: idOrNull(form.street),
    communityId: idOrNull(form.community),
    unit: idOrNull(form.unit),
  };
  if (Object.values(ids).some((v) => Number.isNaN(v))) throw new InvalidInput('筛选条件无效');
  if (form.status && form.status !== 'all' && !(STATUSES as readonly string[]).includes(form.status))
    throw new InvalidInput('状态筛选无效');
  if (form.overdue && form.overdue !== '1') throw new InvalidInput('逾期筛选无效');
  if (form.repeat && form.repeat !== '1') throw new InvalidInput('反复出现筛选无效');
  if (form.request && !(REQUESTS as readonly string[]).includes(form.request))
    throw new InvalidInput('申请类型筛选无效');
  return {
    form,
    filter: {
      roundId: ids.roundId,
      streetId: ids.streetId,
      communityId: ids.communityId,
      unitIds: ids.unit === null ? null : unitSubtreeIds(db, ids.unit),
      status: (form.status && form.status !== 'all' ? form.status : null) as ProblemFilter['status'],
      overdueBefore: form.overdue === '1' ? shanghaiDate() : null,
      repeatOnly: form.repeat === '1',
      request: (form.request || null) as ProblemFilter['request'],
    },
  };
}

export const presentProblem = (p: ProblemListRow, types: Map<string, string>) => ({
  ...p,
  typeName: types.get(p.site_type) ?? p.site_type,
  statusName: PROBLEM_STATUS_NAMES[p.status],
  overdue: isOverdue(p),
  requestName: p.request ? REQUEST_NAMES[p.request] : '',
});

/** The board's heading: what the list holds, in the words of the filter that made it. */
function boardTitle(role: string, form: Record<string, string>, count: number): string {
  if (role === 'inspector')
    return form.status === 'fixed' ? `待我复查的问题（${count}）` : `我测评点位的问题（${count}）`;
  if (form.request && form.request !== 'any')
    return `待处理的${REQUEST_NAMES[form.request as 'dispute']}申请（${count}）`;
  if (form.request === 'any') return `待处理的申请（${count}）`;
  if (form.overdue === '1') return `逾期未整改的问题（${count}）`;
  if (form.status === 'fixed') return `已整改待复查的问题（${count}）`;
  return role === 'unit' ? '本单位的问题' : '问题整改';
}

export function problemBoardRouter(deps: AppDeps): Router {
  const r = Router();
  const db = deps.db;

  r.get('/problems', (req, res) => {
    const user = currentUser(res);
    const { filter, form } = readProblemFilter(db, req, user.role === 'inspector' ? 'fixed' : '');
    const scope = problemScope(db, user);
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
      title: boardTitle(user.role, form, rows.length),
      role: user.role,
      form,
      rows: rows.slice(0, 1000).map((p) => presentProblem(p, types)),
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
      requestNames: REQUEST_NAMES,
      query: new URLSearchParams(Object.entries(form).filter(([, v]) => v)).toString(),
    });
  });

  r.get('/problems-notice', allow(deps.db, 'problem.export'), (req, res) => {
    const user = currentUser(res);
    const unitId =
      user.role === 'unit' ? user.unit_id! : idOrNull((req.query as Record<string, unknown>).unit);
    if (unitId === null || Number.isNaN(unitId)) throw new InvalidInput('请选择单位');
    const unit = findUnitById(db, unitId);
    if (!unit) throw new InvalidInput('找不到该单位');
    const roundId = idOrNull((req.query as Record<string, unknown>).round);
    if (Number.isNaN(roundId)) throw new InvalidInput('轮次无效');
    const round = roundId === null ? undefined : findRoundById(db, roundId);
    if (roundId !== null && !round) throw new InvalidInput('找不到该测评轮次');
    const rows = listProblems(db, { unitIds: unitSubtreeIds(db, unitId), roundId, status: null }).filter(
      (p) => p.status === 'open' || p.status === 'fixed',
    );
    const types = siteTypeNames(db);
    // a problem's standard named by its text in the version its round was scored with
    const standardText = (p: ProblemListRow): string => {
      const versionId = findRoundById(db, p.round_id)!.criteria_version_id;
      const standard = deps.criteria.get(versionId).byCode.get(p.standard_code);
      return standard ? standard.text : '';
    };
    const roundNames = [...new Set(rows.map((p) => p.round_name))];
    res.render('problems/notice', {
      title: `整改通知单 · ${unit.name}`,
      unit,
      // the notice names its round: the one asked for, or the only one its problems come from
      roundName: round?.name ?? (roundNames.length === 1 ? roundNames[0] : ''),
      manyRounds: !round && roundNames.length > 1,
      rows: rows.map((p) => ({ ...presentProblem(p, types), standardText: standardText(p) })),
      today: shanghaiDate(),
    });
  });

  return r;
}
