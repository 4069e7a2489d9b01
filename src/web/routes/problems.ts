/**
 * A problem's page — before and after photos side by side with their flags, its history, where a problem
 * from outside rounds is and who recorded it, a 12345 work order, a 随手拍's reports — and the actions of
 * each role on it (a refused action shows the same page again with what was typed and the reason beside
 * the field, the office's 交办 / 改派 and 复查 assignment included). The lists and workbooks are in
 * problem-board.ts. What the page shows and who may do what are the services' (problem-pages.ts asks
 * access.ts which forms to show, the actions ask it again); this parses, calls and renders.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import type { ProblemDocumentRow, ProblemPhotoRow } from '../../db/repos/problems.ts';
import type { UnitRow } from '../../db/repos/units.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { photoUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { body, text, type FormBody } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { reinspect, reportFix, type UploadedPhoto } from '../../services/problems.ts';
import { decideRequest, requestChange } from '../../services/problem-requests.ts';
import { problemPage, type ProblemEvent, type ProblemPage } from '../../services/problem-pages.ts';
import { assignReinspector, assignUnit, OFFICE_REINSPECTS } from '../../services/problem-assign.ts';
import { presentProblem, problemBoardRouter } from './problem-board.ts';
import { formatShanghai, shanghaiDate, addDays } from '../../util/time.ts';
import { describeFlag, type EvidenceFlag } from '../../photos/evidence.ts';
import { DOCUMENT_PROBLEM_EVENT_NAMES, PROBLEM_EVENT_NAMES, UNIT_KIND_GROUP_NAMES } from '../../labels.ts';
import { DOCUMENT_KINDS, DOCUMENT_LIMITS, type DocumentKind } from '../../documents/kinds.ts';
import { documentUpload, uploadedDocuments, uploadRefusal } from '../middleware/document-uploads.ts';
import { problemSourceOf, reportDocumentFix, reviewDocumentFix } from '../../services/problem-documents.ts';

export const PROBLEM_MULTIPART_ROUTES = [/^\/problems\/\d+\/(fix|reinspect|request)$/];

/** Which form on the problem page was refused, with what was typed. */
interface Refused extends Refusal {
  form: 'fix' | 'reinspect' | 'request' | 'decide' | 'assign' | 'unit';
  values: FormBody;
}

function photosOf(req: Request): UploadedPhoto[] {
  return ((req.files as Express.Multer.File[] | undefined) ?? [])
    .filter((f) => f.fieldname === 'photos' && f.size > 0)
    .map((f) => ({ buffer: f.buffer, originalName: f.originalname }));
}

/** Units as <optgroup>s by kind, for choosing a transfer's target. */
function unitGroups(units: UnitRow[]) {
  return (Object.keys(UNIT_KIND_GROUP_NAMES) as UnitRow['kind'][])
    .map((kind) => ({ label: UNIT_KIND_GROUP_NAMES[kind], units: units.filter((u) => u.kind === kind) }))
    .filter((g) => g.units.length);
}

const photoView = (ph: ProblemPhotoRow) => ({
  id: ph.id,
  kind: ph.kind,
  thumb: `/photos/${ph.id}/thumb`,
  display: `/photos/${ph.id}/display`,
  at: formatShanghai(ph.uploaded_at),
  flags: (JSON.parse(ph.flags) as EvidenceFlag[]).map(describeFlag),
});

/** A corrected document as the problem page lists it: opened or downloaded at /documents/:id. */
const documentView = (f: ProblemDocumentRow) => ({
  id: f.id,
  name: f.name,
  href: `/documents/${f.id}`,
  download: `/documents/${f.id}?download=1`,
  kindName: DOCUMENT_KINDS[f.kind as DocumentKind]?.label ?? f.kind,
  size:
    f.bytes >= 1024 * 1024
      ? `${(f.bytes / 1024 / 1024).toFixed(1)} MB`
      : `${Math.max(1, Math.round(f.bytes / 1024))} KB`,
  at: formatShanghai(f.uploaded_at),
  by: f.uploaded_by_name ?? '',
});

/** What a step changed, beside its note in the history: the units of a 转办, the dates of a 延期. */
function eventExtra(e: ProblemEvent, unitNames: Map<number, string>): string {
  const d = e.data;
  const unit = (id: unknown) => (typeof id === 'number' ? (unitNames.get(id) ?? '') : '');
  if (e.action === 'request_transfer' && d.unitId) return `申请改由 ${unit(d.unitId)} 整改`;
  if (e.action === 'request_extension' && d.deadline) return `申请延至 ${String(d.deadline)}`;
  if (['transfer', 'assign_unit', 'reassign_unit'].includes(e.action))
    return `${unit(d.from) || '待分派'} → ${unit(d.to)}`;
  if (e.action === 'extend') return `整改时限 ${String(d.from)} → ${String(d.to)}`;
  return '';
}

/** A time as the hotline platform gave it: an instant in Shanghai time, anything else as it was typed. */
const orderTime = (v: string) => (/T.*(Z|[+-]\d\d:\d\d)$/.test(v) ? formatShanghai(v) : v);

/** Where, who and what else a problem from outside rounds has: its 12345 order, its 随手拍 reports. */
function outsideView(page: ProblemPage) {
  const p = page.problem;
  const o = page.hotlineOrder;
  return {
    recordedBy: page.recordedBy,
    reinspector: page.reinspector,
    recorderReinspects: page.recorderReinspects,
    reportPhones: page.reportPhones,
    gps: p.gps_lat === null || p.gps_lng === null ? '' : `${p.gps_lat.toFixed(6)}, ${p.gps_lng.toFixed(6)}`,
    order: o && { ...o, receivedAt: orderTime(o.received_at), limit: o.limitText },
    reports: page.reports.map((r) => ({ ...r, at: formatShanghai(r.createdAt) })),
    inspectors: page.inspectors.map((u) => ({ id: u.id, name: u.display_name })),
  };
}

/** problems/show's data: the page as the service read it, with the refused form (if any) and what was typed. */
function showView(page: ProblemPage, refused: Refused | null, role: string) {
  const p = page.problem;
  const isDocument = p.source === 'document';
  const eventName = (action: string) =>
    (isDocument ? DOCUMENT_PROBLEM_EVENT_NAMES[action] : undefined) ?? PROBLEM_EVENT_NAMES[action] ?? action;
  const can = page.can;
  const today = shanghaiDate();
  // the typed values of the refused form, or the form's starting values
  const typed = (form: Refused['form'], name: string, start = ''): string =>
    refused?.form === form ? text(refused.values[name]) : start;
  const photos = (kind: keyof ProblemPage['photos']) => page.photos[kind].map(photoView);
  return {
    title: `问题 #${p.id}`,
    p: presentProblem(p, page.siteTypes, role),
    isDocument,
    documents: page.documents.map(documentView),
    maxDocuments: DOCUMENT_LIMITS.maxFilesPerTask,
    documentAccept: '.pdf,.docx,.xlsx,.ofd,.jpg,.jpeg,.png',
    standard: page.standard ? `${page.standard.code} ${page.standard.text}` : p.standard_code,
    item: page.standard?.item ?? '',
    ...outsideView(page),
    deadlineText: page.deadlineText,
    deadlineAt: page.deadlineAt,
    officeReinspects: OFFICE_REINSPECTS,
    before: photos('evidence'),
    recorded: photos('record'),
    reported: photos('report'),
    after: photos('fix'),
    checks: photos('reinspect'),
    appeals: photos('appeal'),
    events: page.events.map((e) => ({
      ...e,
      at: formatShanghai(e.at),
      name: eventName(e.action),
      extra: eventExtra(e, page.unitNames),
    })),
    canFix: can.fix,
    canRequest: can.request,
    canReinspect: can.reinspect,
    canDecide: can.decide,
    canAssign: can.assign,
    canUnit: can.unit,
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
      inspectorId: typed('assign', 'inspectorId', String(p.reinspector_id ?? OFFICE_REINSPECTS)),
      unitId: typed('unit', 'unitId'),
      unitNote: typed('unit', 'note'),
    },
    requestUnits: can.request ? unitGroups(page.transferUnits) : [],
    decideUnits: can.decide ? unitGroups(page.transferUnits) : [],
    assignUnits: can.unit ? unitGroups(page.transferUnits) : [],
    earliestDeadline: [addDays(p.deadline, 1), today].sort().at(-1),
    today,
  };
}

export function problemsRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const db = deps.db;
  const ctx = { db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };
  r.use(problemBoardRouter(deps));

  /** The problem's page, with the refused form (if any) showing what was typed and why it was refused. */
  const showProblem = (res: Response, id: number, refused: Refused | null = null): void =>
    res.render('problems/show', showView(problemPage(ctx, actorOf(res), id), refused, actorOf(res).role));

  r.get('/problems/:id', (req, res) => showProblem(res, idParam(req.params.id, '问题')));

  /** parse → call → redirect with a message, or the same page again with the refusal beside the form. */
  const act = (
    form: Refused['form'],
    run: (req: Request, res: Response, id: number) => Promise<string> | string,
    parsers: RequestHandler[],
  ) =>
    r.post(`/problems/:id/${form}`, ...parsers, async (req, res) => {
      const id = idParam(req.params.id, '问题');
      res.locals.back = `/problems/${id}`;
      let done = '';
      const changed = await changedOrShownAgain(
        async () => (done = await run(req, res, id)),
        (refusal) => {
          res.status(refusal.status);
          showProblem(res, id, { ...refusal, form, values: body(req) });
        },
      );
      if (!changed) return;
      flash(req, 'ok', done);
      res.redirect(303, `/problems/${id}`);
    });

  const photos = photoUpload(protect, 10);
  const documents = documentUpload(protect, 'files', DOCUMENT_LIMITS.maxFilesPerTask, deps.config.uploadDir);
  /** A problem from a document task is fixed with documents (to disk), any other with photos (in memory). */
  const fixUpload: RequestHandler = (req, res, next) => {
    const id = Number(req.params.id);
    const chain = problemSourceOf(db, Number.isSafeInteger(id) ? id : 0) === 'document' ? documents : photos;
    const step = (i: number) => (err?: unknown) => {
      if (err !== undefined && err !== null) return next(err);
      if (i === chain.length) return next();
      Promise.resolve(chain[i]!(req, res, step(i + 1))).catch(next);
    };
    step(0)();
  };

  act(
    'fix',
    async (req, res, id) => {
      if (problemSourceOf(db, id) !== 'document') {
        await reportFix(ctx, actorOf(res), id, body(req).note, photosOf(req));
        return '已报告整改，等待复查。';
      }
      const files = uploadedDocuments(req, 'files').map((f) => ({
        path: f.path,
        originalName: f.originalname,
      }));
      const n = await reportDocumentFix(ctx, actorOf(res), id, body(req).note, files, uploadRefusal(req));
      return `已提交 ${n} 份整改材料，等待创城办审核。`;
    },
    [fixUpload],
  );
  act(
    'reinspect',
    async (req, res, id) => {
      const b = body(req);
      if (problemSourceOf(db, id) === 'document') {
        reviewDocumentFix(ctx, actorOf(res), id, b.outcome, b.note);
        return b.outcome === 'pass' ? '整改材料审核通过，已销号。' : '已退回责任单位重新整改。';
      }
      await reinspect(ctx, actorOf(res), id, b.outcome, b.note, photosOf(req));
      return b.outcome === 'pass' ? '复查通过，已销号。' : '已退回责任单位重新整改。';
    },
    photos,
  );
  act(
    'request',
    async (req, res, id) => {
      const b = body(req);
      await requestChange(
        ctx,
        actorOf(res),
        id,
        { kind: b.kind, note: b.note, deadline: b.deadline, unitId: b.unitId },
        photosOf(req),
      );
      return '申请已提交，等待创城办处理。';
    },
    photos,
  );
  act(
    'decide',
    (req, res, id) => {
      const b = body(req);
      decideRequest(ctx, actorOf(res), id, {
        approve: text(b.approve),
        note: b.note,
        unitId: b.unitId,
        deadline: b.deadline || undefined,
      });
      return '已处理申请。';
    },
    [],
  );
  act(
    'assign',
    (req, res, id) =>
      assignReinspector(db, actorOf(res), id, body(req).inspectorId) ? '已安排复查。' : '复查安排没有变化。',
    [],
  );
  act(
    'unit',
    (req, res, id) =>
      `已交由 ${assignUnit(db, actorOf(res), id, { unitId: body(req).unitId, note: body(req).note })} 整改。`,
    [],
  );

  return r;
}
