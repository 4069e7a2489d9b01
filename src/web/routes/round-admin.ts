/**
 * The office's round pages: create a round, move it through open → closed → published (and back with
 * 撤回发布), exclude sites, review submissions (approve, correct an answer). Every handler has the same
 * shape: parse → call the service → redirect with a message; a refusal answers 4xx with the reason and a
 * link back to the page (nothing changed).
 */
import { Router, type Request, type Response } from 'express';
import { randomInt } from 'node:crypto';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { createRound, openRound, requireRound, type Selection } from '../../services/rounds.ts';
import {
  checkClose,
  checkPublish,
  checkWithdraw,
  closeRound,
  excludeSite,
  includeSiteAgain,
  publishRound,
  RoundNotReady,
  withdrawPublication,
} from '../../services/round-lifecycle.ts';
import { approveSheet } from '../../services/review.ts';
import { listCriteriaVersions } from '../../db/repos/criteria-versions.ts';
import { listSubmissions, type InspectionStatus } from '../../db/repos/inspections.ts';
import { siteTypeNames } from '../../db/repos/places.ts';
import { InvalidInput } from '../../errors.ts';
import { askFirst, type Confirmation } from '../confirm.ts';
import { formRefusal } from '../refusal.ts';
import { roundPage } from './rounds.ts';
import { SHEET_STATUS_NAMES } from '../../labels.ts';
import { versionChoices } from '../presenters/criteria-versions.ts';
import { formatShanghai, shanghaiDate, addDays } from '../../util/time.ts';

type Body = Record<string, string | string[] | undefined>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

export function roundAdminRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');
  const ctx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  function renderNew(
    res: Response,
    status: number,
    form: Body,
    error: string | null,
    fields: Record<string, string> = {},
  ) {
    const versions = versionChoices(deps.db, deps.criteria);
    const types = [...siteTypeNames(deps.db)].map(([code, name]) => ({ code, name }));
    res.status(status).render('rounds/new', { title: '新建测评轮次', versions, types, form, error, fields });
  }

  r.get('/rounds/new', office, (_req, res) => {
    const today = shanghaiDate();
    const versions = listCriteriaVersions(deps.db);
    renderNew(
      res,
      200,
      {
        name: '',
        startsOn: today,
        endsOn: addDays(today, 6),
        criteriaVersionId: String(versions.at(-1)?.id ?? ''),
        mode: 'all',
        perType: '3',
        seed: String(randomInt(1, 2 ** 31 - 1)),
      },
      null,
    );
  });

  r.post('/rounds', office, (req, res) => {
    const body = (req.body ?? {}) as Body;
    const mode = str(body.mode);
    let selection: Selection;
    if (mode === 'types') selection = { mode, types: list(body.types) };
    else if (mode === 'sample')
      selection = { mode, perType: Number(str(body.perType)), seed: Number(str(body.seed)) };
    else selection = { mode: 'all' };
    try {
      const id = createRound(
        deps.db,
        deps.criteria,
        {
          name: str(body.name),
          criteriaVersionId: Number(str(body.criteriaVersionId)),
          startsOn: str(body.startsOn),
          endsOn: str(body.endsOn),
          selection,
        },
        currentUser(res).id,
      );
      flash(req, 'ok', '已创建测评轮次；请分工后开启。');
      res.redirect(303, `/rounds/${id}`);
    } catch (err) {
      if (err instanceof InvalidInput) return renderNew(res, 400, body, err.message, err.fields);
      throw err;
    }
  });

  /**
   * A step of the round's life: refusals that need no confirmation come first (a round that cannot
   * close is refused at once), then a consequential step asks first (confirm.ts), then it runs and the
   * flash says it happened. A refused reason shows the round page again with what was typed.
   */
  interface RoundStep {
    check?: (req: Request, roundId: number) => void;
    ask?: (roundId: number, req: Request) => Omit<Confirmation, 'back'>;
    run: (req: Request, res: Response, roundId: number) => string;
  }
  const action = (path: string, step: RoundStep) =>
    r.post(path, office, (req, res) => {
      const roundId = idParam(req.params.id, '测评轮次');
      const back = `/rounds/${roundId}`;
      res.locals.back = back;
      try {
        step.check?.(req, roundId);
        if (step.ask && askFirst(req, res, { ...step.ask(roundId, req), back })) return;
        flash(req, 'ok', step.run(req, res, roundId));
      } catch (err) {
        // refused: a 4xx page with the reason (and, for closing, the sheets still open) — nothing changed
        if (err instanceof RoundNotReady) {
          const shown = err.pending
            .slice(0, 20)
            .map((p) => `${p.name}（${SHEET_STATUS_NAMES[(p.status ?? 'none') as InspectionStatus]}）`);
          if (err.pending.length > shown.length)
            shown.push(`……另有 ${err.pending.length - shown.length} 个点位未列出，见本轮的“审核测评表”页`);
          res.locals.details = shown;
        }
        const refusal = err instanceof InvalidInput ? formRefusal(err) : null;
        if (refusal?.fields.reason) {
          const form = { reason: str((req.body as Body)?.reason) };
          return res
            .status(refusal.status)
            .render('rounds/show', roundPage(deps, currentUser(res), roundId, { ...refusal, form }));
        }
        throw err;
      }
      res.redirect(303, back);
    });
  const actor = (res: Response) => currentUser(res).id;
  const roundName = (id: number) => requireRound(deps.db, id).name;
  action('/rounds/:id/open', {
    run: (_q, res, id) => (openRound(deps.db, id, actor(res)), '轮次已开启，测评员现在可以填写测评表。'),
  });
  action('/rounds/:id/close', {
    check: (_q, id) => checkClose(deps.db, id),
    ask: (id) => ({
      title: '结束本轮测评？',
      message: `结束“${roundName(id)}”后，本轮结果即为最终结果。`,
      details: [
        '测评员不能再填写或修改本轮的测评表，创城办也不能再审核通过或退回。',
        '结束后可以发布结果；发布前仍可更正个别答案（记入审计日志）。',
      ],
      confirmLabel: '确认结束',
      danger: true,
    }),
    run: (_q, res, id) => (
      closeRound(deps.db, id, actor(res)),
      '轮次已结束，结果为最终结果；测评员不能再修改测评表。'
    ),
  });
  action('/rounds/:id/publish', {
    check: (_q, id) => checkPublish(deps.db, id),
    ask: (id) => ({
      title: '发布本轮结果？',
      message: `发布后，各责任单位可以查看“${roundName(id)}”的结果与排名。`,
      details: ['发布后结果冻结，不能再更正答案；如需更正，须先撤回发布并填写原因。'],
      confirmLabel: '确认发布',
    }),
    run: (_q, res, id) => (publishRound(deps.db, id, actor(res)), '结果已发布，责任单位现在可以查看。'),
  });
  action('/rounds/:id/withdraw', {
    check: (req, id) => void checkWithdraw(deps.db, id, (req.body as Body)?.reason),
    ask: (id, req) => ({
      title: '撤回发布？',
      message: `撤回后，各责任单位将看不到“${roundName(id)}”的结果，直到再次发布。`,
      details: [
        `撤回原因：${str((req.body as Body)?.reason).trim()}（记入审计日志）`,
        '撤回后可以更正答案，再重新发布。',
      ],
      confirmLabel: '确认撤回',
      danger: true,
    }),
    run: (req, res, id) => (
      withdrawPublication(deps.db, id, (req.body as Body)?.reason, actor(res)),
      '已撤回发布，责任单位暂时看不到本轮结果。'
    ),
  });

  const siteAction = (
    path: string,
    run: (req: Request, res: Response, roundId: number, siteId: number) => string,
    back: (roundId: number, siteId: number, req: Request) => string,
  ) =>
    r.post(path, office, (req, res) => {
      const roundId = idParam(req.params.rid, '测评轮次');
      const siteId = idParam(req.params.sid, '点位');
      res.locals.back = back(roundId, siteId, req);
      flash(req, 'ok', run(req, res, roundId, siteId));
      res.redirect(303, back(roundId, siteId, req));
    });
  siteAction(
    '/rounds/:rid/sites/:sid/approve',
    (_q, res, rid, sid) => (approveSheet(ctx, currentUser(res), rid, sid), '已审核通过。'),
    (rid) => `/rounds/${rid}/review?status=submitted`,
  );
  // correcting one answer is in sheets.ts: a refused correction shows the sheet again with what was typed
  siteAction(
    '/rounds/:rid/sites/:sid/exclude',
    (req, res, rid, sid) => (
      excludeSite(deps.db, rid, sid, (req.body as Body)?.reason, actor(res)),
      '已将该点位排除出本轮。'
    ),
    (rid) => `/rounds/${rid}/assignments`,
  );
  siteAction(
    '/rounds/:rid/sites/:sid/include',
    (_q, res, rid, sid) => (includeSiteAgain(deps.db, rid, sid, actor(res)), '已恢复该点位。'),
    (rid) => `/rounds/${rid}/assignments`,
  );

  r.get('/rounds/:id/review', office, (req, res) => {
    const roundId = idParam(req.params.id, '测评轮次');
    const statusQ = typeof req.query.status === 'string' ? req.query.status : '';
    if (statusQ && !['draft', 'submitted', 'returned', 'approved'].includes(statusQ))
      throw new InvalidInput('状态筛选无效');
    const roundRow = requireRound(deps.db, roundId);
    const types = siteTypeNames(deps.db);
    const rows = listSubmissions(deps.db, roundId, (statusQ || null) as InspectionStatus | null).map((s) => ({
      ...s,
      typeName: types.get(s.site_type) ?? s.site_type,
      statusName: SHEET_STATUS_NAMES[s.status],
      submittedAt: formatShanghai(s.submitted_at),
      href: `/rounds/${roundId}/sites/${s.site_id}`,
    }));
    res.render('rounds/review', { title: `审核 · ${roundRow.name}`, round: roundRow, rows, status: statusQ });
  });

  return r;
}
