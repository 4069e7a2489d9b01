/**
 * 12345 (/hotline): the imported work orders and the state of their problems, the import of a hotline
 * platform's workbook (checked row by row, all or nothing) and its template, the outcome export by
 * 工单号, and the units' aliases the import matches 承办单位 by (/hotline/aliases). The services decide
 * who may (the office); the upload is refused before it is read.
 */
import { Router, type NextFunction, type Request, type Response, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { sheetUpload } from '../middleware/uploads.ts';
import { attachment } from '../download.ts';
import { body, idOrNull, text } from '../forms.ts';
import { changedOrShownAgain } from '../form-again.ts';
import type { Refusal } from '../refusal.ts';
import { writeOutcomesWorkbook } from '../../export/hotline-outcomes.ts';
import {
  hotlineGuard,
  hotlinePage,
  hotlineTemplate,
  importHotlineOrders,
  outcomeExport,
  type HotlineImportResult,
} from '../../services/hotline.ts';
import { addUnitAlias, aliasesPage, removeUnitAlias } from '../../services/unit-aliases.ts';
import { presentHotlinePage } from '../presenters/hotline.ts';

/** Multipart forms: their CSRF token is checked after the upload is parsed (app.ts). */
export const HOTLINE_MULTIPART_ROUTES: RegExp[] = [/^\/hotline\/import$/];

export function hotlineRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria };
  // before the upload is parsed: a file nobody may import is never read
  const office = (_req: Request, res: Response, next: NextFunction) => {
    hotlineGuard(deps.db, actorOf(res));
    next();
  };

  const show = (req: Request, res: Response, status: number, result: HotlineImportResult | null) =>
    res.status(status).render('hotline/index', {
      title: '12345工单',
      page: presentHotlinePage(hotlinePage(deps.db, actorOf(res), req.query.batch)),
      result,
      // a refused upload: the batch name as typed (the file must be chosen again)
      typedBatch: result ? text(body(req).batch) : '',
    });

  r.get('/hotline', (req, res) => show(req, res, 200, null));

  r.get('/hotline/template.xlsx', async (_req, res) => {
    const { fileName, buffer } = await hotlineTemplate(ctx, actorOf(res));
    attachment(res, fileName);
    res.send(buffer);
  });

  r.post('/hotline/import', office, ...sheetUpload(protect), async (req, res) => {
    const result = await importHotlineOrders(ctx, actorOf(res), req.file, body(req).batch);
    if (!result.ok) return show(req, res, result.status ?? 400, result);
    const details = [
      ...(result.already ? [`已导入过 ${result.already} 条（工单号相同，未重复登记）`] : []),
      ...result.unknownYears.map(
        (y) => `${y} 年的节假日安排尚未录入：落在该年的工作日期限只跳过了周末，请在「工作日日历」中录入`,
      ),
    ];
    flash(
      req,
      result.unknownYears.length ? 'warn' : 'ok',
      `已导入 12345 工单 ${result.count} 条（批次「${result.batch}」）。`,
      details,
    );
    res.redirect(303, result.count ? `/hotline?batch=${encodeURIComponent(result.batch)}` : '/hotline');
  });

  r.get('/hotline/outcomes.xlsx', async (req, res) => {
    const data = outcomeExport(deps.db, actorOf(res), req.query);
    attachment(res, data.fileName);
    // a download manager checking the link is answered without writing every order
    if (req.method === 'HEAD') return void res.end();
    await writeOutcomesWorkbook(data, res);
  });

  const showAliases = (res: Response, typed = { unitId: '', alias: '' }, refused: Refusal | null = null) =>
    res.status(refused?.status ?? 200).render('hotline/aliases', {
      title: '单位别名',
      page: aliasesPage(deps.db, actorOf(res)),
      typed,
      refused,
    });

  r.get('/hotline/aliases', (req, res) =>
    showAliases(res, { unitId: typeof req.query.unit === 'string' ? req.query.unit : '', alias: '' }),
  );

  r.post('/hotline/aliases', async (req, res) => {
    const typed = { unitId: text(body(req).unitId), alias: text(body(req).alias) };
    let added = '';
    const changed = await changedOrShownAgain(
      () => (added = addUnitAlias(deps.db, actorOf(res), idOrNull(typed.unitId), typed.alias)),
      (refusal) => showAliases(res, typed, refusal),
    );
    if (!changed) return;
    flash(req, 'ok', `已添加别名“${added}”。`);
    res.redirect(303, '/hotline/aliases');
  });

  r.post('/hotline/aliases/remove', (req, res) => {
    const removed = removeUnitAlias(deps.db, actorOf(res), body(req).alias);
    flash(req, 'ok', `已删除别名“${removed}”。`);
    res.redirect(303, '/hotline/aliases');
  });

  return r;
}
