/**
 * Excel in and out for the office: templates to download (results pre-filled with the round's sites and
 * their standards), uploads checked row by row and imported all or nothing, and exports of the lists.
 * District-wide lists live at /imports/<kind>, a round's at /rounds/<id>/imports/<kind>.
 */
import { Router, type Request, type Response, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { sheetUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import {
  IMPORT_KINDS,
  ROUND_KINDS,
  importExport,
  importKind,
  importTemplate,
  runImport,
} from '../../services/imports.ts';
import { requireRound } from '../../services/rounds.ts';
import { listRounds } from '../../db/repos/rounds.ts';
import { NotFound } from '../../errors.ts';

export const IMPORT_MULTIPART_ROUTES = [/^\/imports\/\w+$/, /^\/rounds\/\d+\/imports\/\w+$/];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function importsRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');

  function kindOf(req: Request, roundScoped: boolean) {
    const key = String(req.params.kind);
    const kind = importKind(key);
    if (!kind || ROUND_KINDS.has(key) !== roundScoped) throw new NotFound('没有这种导入');
    return kind;
  }
  const roundOf = (req: Request) =>
    req.params.id === undefined ? undefined : requireRound(deps.db, idParam(req.params.id, '测评轮次')).id;

  function renderPage(
    res: Response,
    status: number,
    result: { kind: string; ok: boolean; messages: string[]; count?: number } | null,
  ) {
    res.status(status).render('imports/index', {
      title: 'Excel 导入导出',
      rounds: listRounds(deps.db).filter((x) => x.status === 'open' || x.status === 'draft'),
      kinds: Object.entries(IMPORT_KINDS).map(([key, k]) => ({
        key,
        title: k.title,
        round: ROUND_KINDS.has(key),
      })),
      result,
    });
  }

  r.get('/imports', office, (_req, res) => renderPage(res, 200, null));

  const send = (res: Response, name: string, buf: Buffer) => {
    attachment(res, name);
    res.type(XLSX);
    res.send(buf);
  };

  for (const prefix of ['/imports', '/rounds/:id/imports']) {
    const roundScoped = prefix !== '/imports';
    r.get(`${prefix}/:kind/template.xlsx`, office, async (req, res) => {
      const kind = kindOf(req, roundScoped);
      const roundId = roundOf(req);
      send(
        res,
        `${kind.title}导入模板.xlsx`,
        await importTemplate(
          kind,
          { db: deps.db, criteria: deps.criteria, ...(roundId ? { roundId } : {}) },
          kind.key === 'results',
        ),
      );
    });
    r.get(`${prefix}/:kind/export.xlsx`, office, async (req, res) => {
      const kind = kindOf(req, roundScoped);
      const roundId = roundOf(req);
      send(
        res,
        `${kind.title}清单.xlsx`,
        await importExport(kind, { db: deps.db, criteria: deps.criteria, ...(roundId ? { roundId } : {}) }),
      );
    });
    r.post(`${prefix}/:kind`, office, ...sheetUpload(protect), async (req, res) => {
      const kind = kindOf(req, roundScoped);
      const roundId = roundOf(req);
      const file = req.file;
      if (!file || file.size === 0)
        return renderPage(res, 400, {
          kind: kind.title,
          ok: false,
          messages: ['请选择要导入的 Excel 文件（.xlsx）'],
        });
      const outcome = await runImport(kind, file.buffer, {
        db: deps.db,
        criteria: deps.criteria,
        actorId: currentUser(res).id,
        fileName: file.originalname,
        ...(roundId ? { roundId } : {}),
      });
      if (!outcome.ok)
        return renderPage(res, 400, { kind: kind.title, ok: false, messages: outcome.messages });
      renderPage(res, 200, { kind: kind.title, ok: true, messages: [], count: outcome.count });
    });
  }
  return r;
}
