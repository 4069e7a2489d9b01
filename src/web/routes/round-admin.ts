/**
 * The office's round pages: create a round, move it through open → closed → published (and back with
 * 撤回发布), exclude sites, review submissions (approve, correct an answer). Every handler has the same
 * shape: parse → call the service → redirect with a message; a refusal answers 4xx with the reason and a
 * link back to the page (nothing changed), except a refused form (a new round, a withdrawal's reason),
 * which is shown again with what was typed and the message by the field (refusal.ts).
 */
import { Router, type Request, type Response } from 'express';
import { randomInt } from 'node:crypto';
import type { AppDeps } from '../../app.ts';
import type { RoundRow } from '../../db/repos/rounds.ts';
import { actorOf, allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body, text, type FormBody } from '../forms.ts';
import { idParam } from '../params.ts';
import { createRound, openRound, type Selection } from '../../services/rounds.ts';
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
import { newRoundChoices, reviewPage, roundPage, unscoredTasks } from '../../services/round-pages.ts';
import { approveSheet } from '../../services/review.ts';
import { askFirst, type Confirmation } from '../confirm.ts';
import { formRefusal, type Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { methodChoices, pendingSheetLines, presentReview, presentRoundPage } from '../presenters/rounds.ts';
import { versionChoices } from '../presenters/criteria-versions.ts';
import { shanghaiDate, addDays } from '../../util/time.ts';
import { surveyReadyVersions } from '../../services/survey-admin.ts';

/** The close confirmation's line on 材料任务 submitted and not yet scored (closing is not blocked by them). */
const unscoredLines = (n: number) =>
  n
    ? [
        `还有 ${n} 项材料任务已提交、尚未评分：结束后仍可在“材料审核”中评分，但不能再退回补充或延期；未评分的任务不计入得分，请在发布前评完。`,
      ]
    : [];

const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);

export function roundAdminRouter(deps: AppDeps): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');
  const ctx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  function renderNew(
    res: Response,
    status: number,
    form: FormBody,
    refusal: Refusal | null,
    choices = newRoundChoices(ctx, actorOf(res)),
  ) {
    res.status(status).render('rounds/new', {
      title: '新建测评轮次',
      versions: versionChoices(choices.versions),
      types: choices.types,
      methods: methodChoices(choices.versions, form, surveyReadyVersions(ctx.db, choices.versions)),
      form,
      error: refusal?.error ?? null,
      fields: refusal?.fields ?? {},
    });
  }

  r.get('/rounds/new', office, (_req, res) => {
    const choices = newRoundChoices(ctx, actorOf(res));
    const today = shanghaiDate();
    const form = {
      name: '',
      startsOn: today,
      endsOn: addDays(today, 6),
      criteriaVersionId: String(choices.versions.at(-1)?.row.id ?? ''),
      methods: ['field'],
      mode: 'all',
      perType: '3',
      seed: String(randomInt(1, 2 ** 31 - 1)),
    };
    renderNew(res, 200, form, null, choices);
  });

  r.post('/rounds', office, async (req, res) => {
    const form = body(req);
    const mode = text(form.mode);
    // the form says which methods were ticked (none ticked sends nothing); a post without the form's
    // marker (an older page, a script) asks for field work only, as before rounds chose methods
    const methods = text(form.methodsShown) ? list(form.methods) : undefined;
    const withField = !methods || methods.includes('field');
    let selection: Selection;
    // without field work no site is chosen: the selection is ignored
    if (!withField) selection = { mode: 'all' };
    else if (mode === 'types') selection = { mode, types: list(form.types) };
    else if (mode === 'sample')
      selection = { mode, perType: Number(text(form.perType)), seed: Number(text(form.seed)) };
    else selection = { mode: 'all' };
    let id = 0;
    const created = await changedOrShownAgain(
      () =>
        (id = createRound(ctx, actorOf(res), {
          name: text(form.name),
          criteriaVersionId: Number(text(form.criteriaVersionId)),
          startsOn: text(form.startsOn),
          endsOn: text(form.endsOn),
          selection,
          ...(methods ? { methods } : {}),
        })),
      (refusal) => renderNew(res, refusal.status, form, refusal),
    );
    if (!created) return;
    flash(
      req,
      'ok',
      withField ? '已创建测评轮次；请分工后开启。' : '已创建测评轮次；开启后各单位即收到材料任务。',
    );
    res.redirect(303, `/rounds/${id}`);
  });

  /**
   * A step of the round's life: refusals that need no confirmation come first (a round that cannot
   * close is refused at once, with the sheets still in the way), then a consequential step asks first
   * (confirm.ts), then it runs and the flash says it happened. A refused reason shows the round page
   * again with what was typed and the message by the field.
   */
  interface RoundStep {
    check?: (req: Request, res: Response, roundId: number) => RoundRow;
    ask?: (round: RoundRow, req: Request) => Omit<Confirmation, 'back'>;
    run: (req: Request, res: Response, roundId: number) => string;
  }
  const action = (path: string, step: RoundStep) =>
    r.post(path, office, (req, res) => {
      const roundId = idParam(req.params.id, '测评轮次');
      const back = `/rounds/${roundId}`;
      res.locals.back = back;
      try {
        const round = step.check?.(req, res, roundId);
        if (round && step.ask && askFirst(req, res, { ...step.ask(round, req), back })) return;
        flash(req, 'ok', step.run(req, res, roundId));
      } catch (err) {
        // the error page lists the sheets in the way of closing
        if (err instanceof RoundNotReady) res.locals.details = pendingSheetLines(err.pending);
        const refusal = formRefusal(err);
        if (!refusal?.fields.reason) throw err;
        const form = { reason: text(body(req).reason) };
        const page = roundPage(ctx, actorOf(res), roundId);
        return res.status(refusal.status).render('rounds/show', presentRoundPage(page, { ...refusal, form }));
      }
      res.redirect(303, back);
    });
  const reason = (req: Request) => body(req).reason;
  action('/rounds/:id/open', {
    run: (_q, res, id) => (openRound(deps.db, actorOf(res), id), '轮次已开启，测评员现在可以填写测评表。'),
  });
  action('/rounds/:id/close', {
    check: (_q, res, id) => checkClose(deps.db, actorOf(res), id),
    ask: (round) => ({
      title: '结束本轮测评？',
      message: `结束“${round.name}”后，本轮结果即为最终结果。`,
      details: [
        '测评员不能再填写或修改本轮的测评表，创城办也不能再审核通过或退回。',
        ...unscoredLines(unscoredTasks(deps.db, round)),
        '结束后可以发布结果；发布前仍可更正个别答案（记入审计日志）。',
      ],
      confirmLabel: '确认结束',
      danger: true,
    }),
    run: (_q, res, id) => (
      closeRound(deps.db, actorOf(res), id),
      '轮次已结束，结果为最终结果；测评员不能再修改测评表。'
    ),
  });
  action('/rounds/:id/publish', {
    check: (_q, res, id) => checkPublish(deps.db, actorOf(res), id),
    ask: (round) => ({
      title: '发布本轮结果？',
      message: `发布后，各责任单位可以查看“${round.name}”的结果与排名。`,
      details: ['发布后结果冻结，不能再更正答案；如需更正，须先撤回发布并填写原因。'],
      confirmLabel: '确认发布',
    }),
    run: (_q, res, id) => (publishRound(deps.db, actorOf(res), id), '结果已发布，责任单位现在可以查看。'),
  });
  action('/rounds/:id/withdraw', {
    check: (req, res, id) => checkWithdraw(deps.db, actorOf(res), id, reason(req)).round,
    ask: (round, req) => ({
      title: '撤回发布？',
      message: `撤回后，各责任单位将看不到“${round.name}”的结果，直到再次发布。`,
      details: [`撤回原因：${text(reason(req)).trim()}（记入审计日志）`, '撤回后可以更正答案，再重新发布。'],
      confirmLabel: '确认撤回',
      danger: true,
    }),
    run: (req, res, id) => (
      withdrawPublication(deps.db, actorOf(res), id, reason(req)),
      '已撤回发布，责任单位暂时看不到本轮结果。'
    ),
  });

  const siteAction = (
    path: string,
    run: (req: Request, res: Response, roundId: number, siteId: number) => string,
    back: (roundId: number) => string,
  ) =>
    r.post(path, office, (req, res) => {
      const roundId = idParam(req.params.rid, '测评轮次');
      const siteId = idParam(req.params.sid, '点位');
      res.locals.back = back(roundId);
      flash(req, 'ok', run(req, res, roundId, siteId));
      res.redirect(303, back(roundId));
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
      excludeSite(deps.db, actorOf(res), rid, sid, reason(req)),
      '已将该点位排除出本轮。'
    ),
    (rid) => `/rounds/${rid}/assignments`,
  );
  siteAction(
    '/rounds/:rid/sites/:sid/include',
    (_q, res, rid, sid) => (includeSiteAgain(deps.db, actorOf(res), rid, sid), '已恢复该点位。'),
    (rid) => `/rounds/${rid}/assignments`,
  );

  r.get('/rounds/:id/review', office, (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : '';
    const page = reviewPage(ctx, actorOf(res), idParam(req.params.id, '测评轮次'), status);
    res.render('rounds/review', presentReview(page));
  });

  return r;
}
