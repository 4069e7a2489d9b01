/**
 * Excel in and out for the office: templates to download (results pre-filled with the round's sites and
 * their standards), uploads checked row by row and imported all or nothing, and exports of the lists.
 * District-wide lists live at /imports/<kind>, a round's at /rounds/<id>/imports/<kind>.
 */
import { Router, type Request, type Response, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { sheetUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import {
  importExport,
  importsPage,
  importTemplate,
  runImport,
  type ImportResult,
  type ImportTarget,
  type Workbook,
} from '../../services/imports.ts';

export const IMPORT_MULTIPART_ROUTES = [/^\/imports\/\w+$/, /^\/rounds\/\d+\/imports\/\w+$/];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The kind and, under /rounds/:id, the round the URL names. */
function targetOf(req: Request): ImportTarget {
  const kind = String(req.params.kind);
  return req.params.id === undefined ? { kind } : { kind, roundId: idParam(req.params.id, '测评轮次') };
}

export function importsRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');

  function renderPage(res: Response, status: number, result: ImportResult | null) {
    res
      .status(status)
      .render('imports/index', { title: 'Excel 导入导出', ...importsPage(deps, actorOf(res)), result });
  }

  const send = (res: Response, { fileName, buffer }: Workbook) => {
    attachment(res, fileName);
    res.type(XLSX);
    res.send(buffer);
  };

  r.get('/imports', office, (_req, res) => renderPage(res, 200, null));

  for (const prefix of ['/imports', '/rounds/:id/imports']) {
    r.get(`${prefix}/:kind/template.xlsx`, office, async (req, res) =>
      send(res, await importTemplate(deps, actorOf(res), targetOf(req))),
    );
    r.get(`${prefix}/:kind/export.xlsx`, office, async (req, res) =>
      send(res, await importExport(deps, actorOf(res), targetOf(req))),
    );
    r.post(`${prefix}/:kind`, office, ...sheetUpload(protect), async (req, res) => {
      const result = await runImport(deps, actorOf(res), targetOf(req), req.file);
      renderPage(res, result.ok ? 200 : (result.status ?? 400), result);
    });
  }
  return r;
}
