/**
 * 随手拍 for the office (/reports, `report.triage`): the reports with their filters, one report with its
 * photos and triage — 受理 (a problem with unit and deadline), 重复 (linked to an existing problem), 不受理
 * (a reason the resident reads) — the published reply, and the public links with their QR posters. Each
 * handler is parse → call the service (which asks access.ts) → redirect with a message, or the same page
 * again with what was typed and the refusal.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import QRCode from 'qrcode';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body, text } from '../forms.ts';
import { idParam } from '../params.ts';
import { linkBase } from '../download.ts';
import { changedOrShownAgain } from '../form-again.ts';
import type { Refusal } from '../refusal.ts';
import {
  acceptReport,
  markDuplicate,
  rejectReport,
  reportPage,
  reportsPage,
  setReportReply,
} from '../../services/reports-triage.ts';
import { reportLinks, reportPosters } from '../../services/report-links.ts';
import { DEADLINE_RULE_NAMES, REPORT_STATUS_NAMES } from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';

/** Multipart forms: their CSRF token is checked after the upload is parsed (app.ts). None here. */
export const REPORT_MULTIPART_ROUTES: RegExp[] = [];

const query = (req: Request, name: string) => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v.slice(0, 20) : '';
};

type Step = 'accept' | 'duplicate' | 'reject' | 'reply';

export function reportsRouter(deps: AppDeps, _protect: RequestHandler): Router {
  const r = Router();
  const { db } = deps;
  const ctx = { db, criteria: deps.criteria };
  const publicBase = (req: Request) => linkBase(req, deps.config.publicBaseUrl ?? deps.config.baseUrl);
  const idOf = (req: Request) => idParam(req.params.id, '群众反映');

  r.get('/reports', (req, res) => {
    const page = reportsPage(db, actorOf(res), {
      status: query(req, 'status'),
      community: query(req, 'community'),
      link: query(req, 'link'),
    });
    res.render('reports/index', {
      title: '群众反映 · 随手拍',
      page,
      statusNames: REPORT_STATUS_NAMES,
      at: formatShanghai,
    });
  });

  r.get('/reports/links', (req, res) => {
    res.render('reports/links', {
      title: '随手拍二维码',
      links: reportLinks(db, actorOf(res), publicBase(req)),
    });
  });

  r.get('/reports/links/posters', async (req, res) => {
    const raw = query(req, 'link');
    const links = reportPosters(db, actorOf(res), publicBase(req), raw ? idParam(raw, '随手拍链接') : null);
    // the SVG is generated here from our own URL (never user input): safe to include as markup
    const posters = await Promise.all(
      links.map(async (l) => ({
        ...l,
        svg: await QRCode.toString(l.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }),
      })),
    );
    res.render('reports/posters', { title: '随手拍海报', posters });
  });

  function show(
    req: Request,
    res: Response,
    refused: { step: Step; refusal: Refusal; typed: Record<string, string> } | null,
  ) {
    const page = reportPage(db, actorOf(res), idOf(req));
    if (refused) res.status(refused.refusal.status);
    res.render('reports/show', {
      title: `群众反映 #${page.report.id}`,
      page,
      statusNames: REPORT_STATUS_NAMES,
      ruleNames: DEADLINE_RULE_NAMES,
      at: formatShanghai,
      refused,
    });
  }

  r.get('/reports/:id', (req, res) => show(req, res, null));

  /** One triage step: the service call, then a redirect with `done`, or the page again. */
  function step(
    name: Step,
    fields: string[],
    run: (req: Request, res: Response, f: Record<string, string>) => string,
  ) {
    r.post(`/reports/:id/${name}`, async (req, res) => {
      const id = idOf(req);
      const typed: Record<string, string> = {};
      for (const k of fields) typed[k] = text(body(req)[k]);
      let done = '';
      const ok = await changedOrShownAgain(
        () => (done = run(req, res, typed)),
        (refusal) => show(req, res, { step: name, refusal, typed }),
      );
      if (!ok) return;
      flash(req, 'ok', done);
      res.redirect(303, `/reports/${id}`);
    });
  }

  step(
    'accept',
    ['unit', 'deadlineUnit', 'deadlineAmount', 'version', 'standard', 'description'],
    (req, res, f) => {
      const problemId = acceptReport(ctx, actorOf(res), idOf(req), {
        unit: f.unit!,
        deadlineUnit: f.deadlineUnit!,
        deadlineAmount: f.deadlineAmount!,
        version: f.version!,
        standard: f.standard!,
        description: f.description!,
      });
      return `已受理，转为整改问题 #${problemId}`;
    },
  );
  step('duplicate', ['problem'], (req, res, f) => {
    const problemId = markDuplicate(db, actorOf(res), idOf(req), f.problem!);
    return `已标为重复问题，关联问题 #${problemId}`;
  });
  step('reject', ['reason'], (req, res, f) => {
    rejectReport(db, actorOf(res), idOf(req), f.reason!);
    return '已不予受理，原因将显示给反映人';
  });
  step('reply', ['reply'], (req, res, f) => {
    setReportReply(db, actorOf(res), idOf(req), f.reply!);
    return f.reply!.trim() ? '答复已发布，反映人可凭查询码查看' : '已撤下答复';
  });

  return r;
}
