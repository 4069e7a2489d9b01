/**
 * The office's side of 材料任务: a round's review queue (filtered by unit, 项目 and state), a task to
 * score, 退回补充 or 延期, the completeness board per unit, and template files per kind of material.
 * The services decide (task-review.ts, task-board.ts ask access.ts); this parses, calls and renders —
 * a refused form shows the same page again with what was typed and why.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { idParam } from '../params.ts';
import { body, text, type FormBody } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { extendTask, returnTask, scoreTask } from '../../services/task-review.ts';
import {
  completenessBoard,
  readQueueFilter,
  reviewPage,
  reviewQueue,
  QUEUE_ORDER,
} from '../../services/task-board.ts';
import { queueRowView, reviewPageView, STATE_CLASS } from '../presenters/task-review.ts';
import { NO_UNIT_NAME, TASK_LEVEL_NAMES, TASK_STATE_NAMES } from '../../labels.ts';
import { templatesRouter, TEMPLATE_MULTIPART_ROUTES } from './task-templates.ts';

/** Multipart routes whose CSRF check runs after the upload is parsed (see csrf.ts). */
export const TASK_REVIEW_MULTIPART_ROUTES: RegExp[] = [...TEMPLATE_MULTIPART_ROUTES];

type ReviewForm = 'score' | 'return' | 'extend';

interface Refused extends Refusal {
  form: ReviewForm;
  values: FormBody;
}

/** The queue's link with a filter changed (the board's numbers and the state chips use it). */
function queueHref(roundId: number, q: { unit?: string; item?: string; state?: string }): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  const s = params.toString();
  return `/rounds/${roundId}/tasks${s ? `?${s}` : ''}`;
}

export function taskReviewRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria };

  r.get('/rounds/:id/tasks', (req, res) => {
    const roundId = idParam(req.params.id, '轮次');
    const filter = readQueueFilter(req.query as Record<string, unknown>);
    const q = reviewQueue(ctx, actorOf(res), roundId, filter);
    res.render('task-review/index', {
      title: `材料审核 · ${q.round.name}`,
      round: q.round,
      filter,
      rows: q.rows.map((row) => queueRowView(row, roundId)),
      total: q.total,
      chips: [
        {
          label: '全部',
          n: q.total,
          href: queueHref(roundId, { ...filter, state: '' }),
          active: !filter.state,
        },
        ...QUEUE_ORDER.map((s) => ({
          label: TASK_STATE_NAMES[s],
          n: q.counts[s],
          href: queueHref(roundId, { ...filter, state: s }),
          active: filter.state === s,
          cls: STATE_CLASS[s],
        })),
      ],
      units: q.units,
      hasNoUnit: q.hasNoUnit,
      noUnitName: NO_UNIT_NAME,
      items: q.items,
      states: QUEUE_ORDER.map((s) => ({ value: s, name: TASK_STATE_NAMES[s] })),
      boardHref: `/rounds/${roundId}/tasks/board`,
    });
  });

  r.get('/rounds/:id/tasks/board', (req, res) => {
    const roundId = idParam(req.params.id, '轮次');
    const b = completenessBoard(ctx, actorOf(res), roundId);
    const line = (l: (typeof b.groups)[number]['lines'][number]) => {
      const unit = l.unitId === null ? 'none' : String(l.unitId);
      const href = (state: string) => queueHref(roundId, { unit, state });
      return {
        ...l,
        name: l.unitId === null ? NO_UNIT_NAME : l.name,
        hrefs: {
          due: href(''),
          submitted: href('submitted'),
          returned: href('returned'),
          scored: href('scored'),
          overdue: href('overdue'),
          pending: href('pending'),
        },
      };
    };
    res.render('task-review/board', {
      title: `材料完成情况 · ${b.round.name}`,
      round: b.round,
      groups: b.groups.map((g) => ({ name: TASK_LEVEL_NAMES[g.level], lines: g.lines.map(line) })),
      totals: b.totals,
      queueHref: queueHref(roundId, {}),
    });
  });

  /** The review page, with the refused form (if any) showing what was typed and why. */
  const showTask = (res: Response, roundId: number, taskId: number, refused: Refused | null = null) => {
    const page = reviewPageView(reviewPage(ctx, actorOf(res), roundId, taskId));
    const typed = (form: ReviewForm, name: string, start = ''): string =>
      refused?.form === form ? text(refused.values[name]) : start;
    res.render('task-review/show', {
      title: `材料审核 · ${page.code}`,
      t: page,
      refused,
      fields: refused?.fields ?? {},
      formError: refused?.error ?? '',
      typed: {
        result: typed('score', 'result', page.result ?? ''),
        cases: typed('score', 'cases', page.correcting && page.cases ? String(page.cases) : ''),
        note: typed('score', 'note', page.reviewNote),
        reason: typed('score', 'reason'),
        returnReason: typed('return', 'reason'),
        returnDue: typed('return', 'dueOn'),
        extendReason: typed('extend', 'reason'),
        extendDue: typed('extend', 'dueOn'),
      },
    });
  };

  r.get('/rounds/:rid/tasks/:id', (req, res) =>
    showTask(res, idParam(req.params.rid, '轮次'), idParam(req.params.id, '材料任务')),
  );

  const act = (form: ReviewForm, run: (req: Request, res: Response, rid: number, id: number) => string) =>
    r.post(`/rounds/:rid/tasks/:id/${form}`, async (req, res) => {
      const rid = idParam(req.params.rid, '轮次');
      const id = idParam(req.params.id, '材料任务');
      let done = '';
      const changed = await changedOrShownAgain(
        () => (done = run(req, res, rid, id)),
        (refusal) => {
          res.status(refusal.status);
          showTask(res, rid, id, { ...refusal, form, values: body(req) });
        },
      );
      if (!changed) return;
      flash(req, 'ok', done);
      res.redirect(303, `/rounds/${rid}/tasks/${id}`);
    });

  act('score', (req, res, rid, id) => {
    const b = body(req);
    const out = scoreTask(ctx, actorOf(res), rid, id, {
      result: b.result,
      cases: b.cases,
      note: b.note,
      reason: b.reason,
      revision: b.revision,
    });
    const what = out.corrected ? '评分已更正' : '已评分';
    const grade = out.score.grade ? `（${out.score.grade} 级）` : '';
    const problem = out.problemId === null ? '' : `，已生成整改问题 #${out.problemId}`;
    return `${what}：得 ${out.score.earned} / ${out.score.possible} 分${grade}${problem}。`;
  });
  act('return', (req, res, rid, id) => {
    const b = body(req);
    const due = returnTask(ctx, actorOf(res), rid, id, {
      reason: b.reason,
      dueOn: b.dueOn,
      revision: b.revision,
    });
    return `已退回补充，新的提交期限为 ${due}。`;
  });
  act('extend', (req, res, rid, id) => {
    const b = body(req);
    const due = extendTask(ctx, actorOf(res), rid, id, {
      reason: b.reason,
      dueOn: b.dueOn,
      revision: b.revision,
    });
    return `已延期至 ${due}。`;
  });

  r.use(templatesRouter(deps, protect));
  return r;
}
