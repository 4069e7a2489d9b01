/**
 * A problem's page — before and after photos side by side with their flags, its history — and the
 * actions of each role on it (a refused action shows the same page again with what was typed and the
 * reason beside the field), and the 整改清单 workbook. The lists are in problem-board.ts.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { attachment, linkBase } from '../download.ts';
import { body, text, type FormBody } from '../forms.ts';
import { formRefusal, type Refusal } from '../refusal.ts';
import { listProblems, problemEvents, problemPhotos, type ProblemPhotoRow } from '../../db/repos/problems.ts';
import { siteTypeNames } from '../../db/repos/places.ts';
import { findUnitById, listUnits, type UnitRow } from '../../db/repos/units.ts';
import { assignedInspectorId, findRoundById } from '../../db/repos/rounds.ts';
import {
  actsFor,
  reinspect,
  reportFix,
  requireProblem,
  type UploadedPhoto,
} from '../../services/problems.ts';
import { decideRequest, requestChange } from '../../services/problem-requests.ts';
import { presentProblem, problemBoardRouter, problemScope, readProblemFilter } from './problem-board.ts';
import { Forbidden, InvalidInput } from '../../errors.ts';
import { formatShanghai, shanghaiDate, addDays } from '../../util/time.ts';
import { writeProblemsWorkbook } from '../../export/problems-xlsx.ts';
import { findPhoto } from '../../db/repos/photos.ts';
import { describeFlag, type EvidenceFlag } from '../../photos/evidence.ts';
import { PROBLEM_EVENT_NAMES, UNIT_KIND_GROUP_NAMES } from '../../labels.ts';

export const PROBLEM_MULTIPART_ROUTES = [/^\/problems\/\d+\/(fix|reinspect|request)$/];

/** Which form on the problem page was refused, with what was typed. */
interface Refused extends Refusal {
  form: 'fix' | 'reinspect' | 'request' | 'decide';
  values: FormBody;
}

function photosOf(req: Request): UploadedPhoto[] {
  return ((req.files as Express.Multer.File[] | undefined) ?? [])
    .filter((f) => f.fieldname === 'photos' && f.size > 0)
    .map((f) => ({ buffer: f.buffer, originalName: f.originalname }));
}

/** Units in use as <optgroup>s by kind, for choosing a transfer's target. */
function unitGroups(units: UnitRow[], except: number | null) {
  return (Object.keys(UNIT_KIND_GROUP_NAMES) as UnitRow['kind'][])
    .map((kind) => ({
      label: UNIT_KIND_GROUP_NAMES[kind],
      units: units.filter((u) => u.kind === kind && !u.retired_at && u.id !== except),
    }))
    .filter((g) => g.units.length);
}

export function problemsRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const db = deps.db;
  const ctx = { db, uploadDir: deps.config.uploadDir };
  r.use(problemBoardRouter(deps));

  function canSee(res: Response, p: ReturnType<typeof requireProblem>): boolean {
    const user = currentUser(res);
    if (user.role === 'office') return true;
    if (user.role === 'unit') return actsFor(db, user, p);
    return assignedInspectorId(db, p.round_id, p.site_id) === user.id;
  }

  const photoView = (ph: ProblemPhotoRow) => ({
    id: ph.id,
    kind: ph.kind,
    thumb: `/photos/${ph.id}/thumb`,
    display: `/photos/${ph.id}/display`,
    at: formatShanghai(ph.uploaded_at),
    flags: (JSON.parse(ph.flags) as EvidenceFlag[]).map(describeFlag),
  });

  /** The problem's page, with the refused form (if any) showing what was typed and why it was refused. */
  function showProblem(req: Request, res: Response, id: number, refused: Refused | null = null): void {
    const p = requireProblem(db, id);
    if (!canSee(res, p)) throw new Forbidden('您无权查看该问题');
    const user = currentUser(res);
    const row = listProblems(db, { id: p.id })[0]!;
    const photos = problemPhotos(db, p).map(photoView);
    const version = deps.criteria.get(findRoundById(db, p.round_id)!.criteria_version_id);
    const standard = version.byCode.get(p.standard_code);
    const today = shanghaiDate();
    const can = {
      fix: actsFor(db, user, p) && p.status === 'open',
      request: actsFor(db, user, p) && p.status === 'open' && !p.request,
      reinspect:
        (user.role === 'office' || user.role === 'inspector') &&
        p.status === 'fixed' &&
        p.fixed_by !== user.id,
      decide: user.role === 'office' && p.status === 'open' && !!p.request,
    };
    const allUnits = can.request || can.decide ? listUnits(db) : [];
    // the typed values of the refused form, or the form's starting values
    const typed = (form: Refused['form'], name: string, start = ''): string =>
      refused?.form === form ? text(refused.values[name]) : start;
    res.render('problems/show', {
      title: `问题 #${p.id}`,
      p: presentProblem(row, siteTypeNames(db)),
      standard: standard ? `${standard.code} ${standard.text}` : p.standard_code,
      item: standard?.item.name ?? '',
      before: photos.filter((ph) => ph.kind === 'evidence'),
      after: photos.filter((ph) => ph.kind === 'fix'),
      checks: photos.filter((ph) => ph.kind === 'reinspect'),
      appeals: photos.filter((ph) => ph.kind === 'appeal'),
      events: problemEvents(db, p.id).map((e) => ({
        ...e,
        at: formatShanghai(e.at),
        name: PROBLEM_EVENT_NAMES[e.action] ?? e.action,
        extra: eventExtra(e.action, e.data),
      })),
      canFix: can.fix,
      canRequest: can.request,
      canReinspect: can.reinspect,
      canDecide: can.decide,
      refused,
      // a refusal whose form is no longer on the page (the problem moved on) is shown at the top
      topError: refused && !can[refused.form] ? refused.error : '',
      fields: refused?.fields ?? {},
      // the refused form's own alert (its fields say the same beside them)
      formError: refused?.error ?? '',
      typed: {
        fixNote: typed('fix', 'note'),
        kind: typed('request', 'kind'),
        requestNote: typed('request', 'note'),
        requestDeadline: typed('request', 'deadline'),
        requestUnit: typed('request', 'unitId'),
        outcome: typed('reinspect', 'outcome'),
        reinspectNote: typed('reinspect', 'note'),
        decideNote: typed('decide', 'note'),
        decideUnit: typed('decide', 'unitId', p.request_unit_id === null ? '' : String(p.request_unit_id)),
        decideDeadline: typed('decide', 'deadline', p.request_deadline ?? ''),
      },
      requestUnits: can.request ? unitGroups(allUnits, p.unit_id) : [],
      decideUnits: can.decide ? unitGroups(allUnits, p.unit_id) : [],
      earliestDeadline: [addDays(p.deadline, 1), today].sort().at(-1),
      today,
    });
  }

  /** What a step changed, beside its note in the history: the units of a 转办, the dates of a 延期. */
  function eventExtra(action: string, data: string | null): string {
    const d = (data ? JSON.parse(data) : {}) as Record<string, unknown>;
    const unit = (id: unknown) => (typeof id === 'number' ? (findUnitById(db, id)?.name ?? '') : '');
    if (action === 'request_transfer' && d.unitId) return `申请改由 ${unit(d.unitId)} 整改`;
    if (action === 'request_extension' && d.deadline) return `申请延至 ${String(d.deadline)}`;
    if (action === 'transfer') return `${unit(d.from) || '（未指定）'} → ${unit(d.to)}`;
    if (action === 'extend') return `整改时限 ${String(d.from)} → ${String(d.to)}`;
    return '';
  }

  r.get('/problems/:id', (req, res) => showProblem(req, res, idParam(req.params.id, '问题')));

  /** parse → call → redirect with a message, or the same page again with the refusal beside the form. */
  const act = (
    form: Refused['form'],
    run: (req: Request, res: Response, id: number) => Promise<string> | string,
    multipart: boolean,
  ) =>
    r.post(`/problems/:id/${form}`, ...(multipart ? photoUpload(protect, 10) : []), async (req, res) => {
      const id = idParam(req.params.id, '问题');
      res.locals.back = `/problems/${id}`;
      let done: string;
      try {
        done = await run(req, res, id);
      } catch (err) {
        const refusal = formRefusal(err);
        if (!refusal) throw err;
        res.status(refusal.status);
        showProblem(req, res, id, { ...refusal, form, values: body(req) });
        return;
      }
      flash(req, 'ok', done);
      res.redirect(303, `/problems/${id}`);
    });

  act(
    'fix',
    async (req, res, id) => (
      await reportFix(ctx, currentUser(res), id, body(req).note, photosOf(req)),
      '已报告整改，等待复查。'
    ),
    true,
  );
  act(
    'reinspect',
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
    'request',
    async (req, res, id) => {
      const b = body(req);
      await requestChange(
        ctx,
        currentUser(res),
        id,
        { kind: b.kind, note: b.note, deadline: b.deadline, unitId: b.unitId },
        photosOf(req),
      );
      return '申请已提交，等待创城办处理。';
    },
    true,
  );
  act(
    'decide',
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

  r.get('/rounds/:id/problems.xlsx', allow(deps.db, 'problem.export'), async (req, res) => {
    const round = findRoundById(db, idParam(req.params.id, '测评轮次'));
    if (!round) throw new InvalidInput('找不到该测评轮次');
    const { filter } = readProblemFilter(db, req);
    const scope = problemScope(db, currentUser(res));
    const unitIds = scope.unitIds
      ? (filter.unitIds ?? scope.unitIds).filter((u) => scope.unitIds!.includes(u))
      : filter.unitIds;
    const name = `整改清单-${round.name}.xlsx`;
    attachment(res, name);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    await writeProblemsWorkbook(
      {
        db,
        criteria: deps.criteria,
        uploadDir: deps.config.uploadDir,
        baseUrl: linkBase(req, deps.config.baseUrl),
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

  return r;
}
