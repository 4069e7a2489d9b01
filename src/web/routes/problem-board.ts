/**
 * The problem lists: the office's board (filters — 来源 among them — counts, 整改率 per unit), a unit's
 * own list, the inspector's list that opens on the fixes waiting for their 复查, a unit's printable
 * 整改通知单, and the workbooks: the board's as filtered (every source) and a round's 整改清单.
 * The board's query names are the ones other pages link with (?request=, ?overdue=1, ?status=fixed).
 * What each actor may list is the services' to decide (services/problem-board.ts); this parses and shows.
 */
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import type { ProblemListRow } from '../../db/repos/problems.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { idOrNull } from '../forms.ts';
import {
  PROBLEM_REQUESTS,
  PROBLEM_SOURCES,
  PROBLEM_STATUSES,
  problemBoard,
  type ProblemBoard,
  type ProblemQuery,
} from '../../services/problem-board.ts';
import {
  boardWorkbook,
  problemNotice,
  problemsWorkbook,
  type Workbook,
  type WorkbookLinks,
} from '../../services/problem-exports.ts';
import { deadlineWords } from '../../services/deadlines.ts';
import { attachment, linkBase } from '../download.ts';
import { idParam } from '../params.ts';
import { isOverdue } from '../../services/problems.ts';
import { PROBLEM_SOURCE_NAMES, PROBLEM_STATUS_NAMES, REQUEST_NAMES } from '../../labels.ts';
import { problemPlace, problemTaskHref } from '../../services/problem-places.ts';
import { InvalidInput } from '../../errors.ts';
import { shanghaiDate } from '../../util/time.ts';

/** ?unit= for 责任单位：待分派 (problems from outside rounds recorded without a unit). */
export const UNASSIGNED = 'none';

const QUERY_NAMES = [
  'round',
  'street',
  'community',
  'unit',
  'status',
  'overdue',
  'repeat',
  'request',
  'source',
] as const;

/**
 * The board's query: ?round= &street= &community= &unit=<id>|none (待分派) &status=open|fixed|closed|void|all &overdue=1
 * &repeat=1 &request=dispute|transfer|extension|any &source=round|document|inspection|report|hotline|media
 * (来源 测评 / 材料 / 督查 / 随手拍 / 12345 / 媒体), as typed (for the form) and parsed (for the service).
 */
export function readProblemQuery(req: Request): { query: ProblemQuery; form: Record<string, string> } {
  const q = req.query as Record<string, unknown>;
  const form = Object.fromEntries(QUERY_NAMES.map((k) => [k, typeof q[k] === 'string' ? q[k] : '']));
  const ids = {
    roundId: idOrNull(form.round),
    streetId: idOrNull(form.street),
    communityId: idOrNull(form.community),
    unitId: form.unit === UNASSIGNED ? null : idOrNull(form.unit),
  };
  if (Object.values(ids).some((v) => Number.isNaN(v))) throw new InvalidInput('筛选条件无效');
  if (form.status && form.status !== 'all' && !(PROBLEM_STATUSES as readonly string[]).includes(form.status))
    throw new InvalidInput('状态筛选无效');
  if (form.overdue && form.overdue !== '1') throw new InvalidInput('逾期筛选无效');
  if (form.repeat && form.repeat !== '1') throw new InvalidInput('反复出现筛选无效');
  if (form.request && !(PROBLEM_REQUESTS as readonly string[]).includes(form.request))
    throw new InvalidInput('申请类型筛选无效');
  if (form.source && !(PROBLEM_SOURCES as readonly string[]).includes(form.source))
    throw new InvalidInput('来源筛选无效');
  return {
    form,
    query: {
      ...ids,
      unassigned: form.unit === UNASSIGNED,
      status: (form.status || null) as ProblemQuery['status'],
      overdue: form.overdue === '1',
      repeat: form.repeat === '1',
      request: (form.request || null) as ProblemQuery['request'],
      source: (form.source || null) as ProblemQuery['source'],
    },
  };
}

/**
 * A problem as the lists and its page show it: its place in words (a site, a document task's 社区, 镇街,
 * department or 区级, or where a problem from outside rounds was recorded), its deadline (with the time,
 * for one in hours) and, for a problem from a document task, the link to the task as `role` opens it.
 */
export const presentProblem = (p: ProblemListRow, siteTypes: Map<string, string>, role: string) => {
  const place = problemPlace(p, siteTypes);
  return {
    ...p,
    place,
    typeName: place.kind,
    taskHref: problemTaskHref(p, role),
    statusName: PROBLEM_STATUS_NAMES[p.status],
    overdue: isOverdue(p),
    deadlineAt: deadlineWords(p),
    requestName: p.request ? REQUEST_NAMES[p.request] : '',
  };
};

/** The board's heading: what the list holds, in the words of the filter that made it. */
function boardTitle(role: string, form: Record<string, string>, count: number): string {
  if (role === 'inspector')
    return form.status === 'fixed' ? `待我复查的问题（${count}）` : `我测评点位的问题（${count}）`;
  if (form.request && form.request !== 'any')
    return `待处理的${REQUEST_NAMES[form.request as 'dispute']}申请（${count}）`;
  if (form.request === 'any') return `待处理的申请（${count}）`;
  if (form.overdue === '1') return `逾期未整改的问题（${count}）`;
  if (form.unit === UNASSIGNED) return `待分派的问题（${count}）`;
  if (form.status === 'fixed') return `已整改待复查的问题（${count}）`;
  return role === 'unit' ? '本单位的问题' : '问题整改';
}

const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;

function boardView(board: ProblemBoard, role: string, form: Record<string, string>) {
  return {
    title: boardTitle(role, form, board.rows.length),
    role,
    form,
    rows: board.rows.slice(0, 1000).map((p) => presentProblem(p, board.siteTypes, role)),
    total: board.rows.length,
    counts: board.counts,
    overdue: board.overdue,
    rate: board.live ? percent(board.closed, board.live) : '—',
    units: board.units.map((u) => ({ ...u, rate: percent(u.closed, u.total) })),
    rounds: board.rounds,
    streets: board.streets,
    communities: board.communities,
    unitOptions: board.unitOptions,
    unassigned: UNASSIGNED,
    statusNames: PROBLEM_STATUS_NAMES,
    requestNames: REQUEST_NAMES,
    sourceNames: PROBLEM_SOURCE_NAMES,
    query: new URLSearchParams(Object.entries(form).filter(([, v]) => v)).toString(),
  };
}

export function problemBoardRouter(deps: AppDeps): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  r.get('/problems', (req, res) => {
    const actor = actorOf(res);
    const { query, form } = readProblemQuery(req);
    const board = problemBoard(ctx, actor, query);
    res.render('problems/index', boardView(board, actor.role, { ...form, status: board.status }));
  });

  r.get('/problems-notice', allow(deps.db, 'problem.export'), (req, res) => {
    const q = req.query as Record<string, unknown>;
    const unitId = idOrNull(q.unit);
    const roundId = idOrNull(q.round);
    if (Number.isNaN(roundId)) throw new InvalidInput('轮次无效');
    const notice = problemNotice(ctx, actorOf(res), { unitId, roundId });
    const roundNames = [...new Set(notice.rows.map((p) => p.round_name).filter((n) => n !== null))];
    res.render('problems/notice', {
      title: `整改通知单 · ${notice.unit.name}`,
      unit: notice.unit,
      // the notice names its round: the one asked for, or the only one its problems come from
      roundName: notice.round?.name ?? (roundNames.length === 1 ? roundNames[0] : ''),
      manyRounds: !notice.round && roundNames.length > 1,
      rows: notice.rows.map((p) => presentProblem(p, notice.siteTypes, actorOf(res).role)),
      hasDocuments: notice.rows.some((p) => p.source === 'document'),
      // problems from outside rounds (督查, 随手拍, 12345, 媒体) were not found by a round's 测评
      onlyRounds: notice.rows.every((p) => p.round_id !== null),
      today: shanghaiDate(),
    });
  });

  const workbookLinks = (req: Request): WorkbookLinks => ({
    baseUrl: linkBase(req, deps.config.baseUrl),
    ensureThumb: (photo) => deps.versions.ensure(photo),
  });
  const send = async (res: Response, workbook: Workbook) => {
    attachment(res, workbook.fileName);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    await workbook.write(res);
  };

  /** The board as filtered (the same query), every source: 问题清单. */
  r.get('/problems.xlsx', allow(deps.db, 'problem.export'), async (req, res) => {
    const { query } = readProblemQuery(req);
    await send(res, boardWorkbook(ctx, actorOf(res), query, workbookLinks(req)));
  });

  /** A round's 整改清单 (the board's other filters apply). */
  r.get('/rounds/:id/problems.xlsx', allow(deps.db, 'problem.export'), async (req, res) => {
    const roundId = idParam(req.params.id, '测评轮次');
    const { query } = readProblemQuery(req);
    await send(res, problemsWorkbook(ctx, actorOf(res), roundId, query, workbookLinks(req)));
  });

  return r;
}
