/**
 * 材料模板: the office's page of template files, one current per kind of material (a new upload replaces
 * it; the old one stays in the list as removed), and their removal. Units reach the files through
 * /documents/:fid from their task pages.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { documentUpload, uploadedDocuments, uploadRefusal } from '../middleware/document-uploads.ts';
import { idParam } from '../params.ts';
import { body, text } from '../forms.ts';
import type { Refusal } from '../refusal.ts';
import { changedOrShownAgain } from '../form-again.ts';
import { removeTemplate, templatesPage, uploadTemplate } from '../../services/task-templates.ts';
import { fileView } from '../presenters/task-review.ts';
import { MATERIAL_NAMES } from '../../labels.ts';
import { DOCUMENT_KINDS } from '../../documents/kinds.ts';

export const TEMPLATE_MULTIPART_ROUTES = [/^\/task-templates$/];

const ACCEPT = [
  ...new Set(Object.values(DOCUMENT_KINDS).flatMap((k) => k.extensions.map((e) => `.${e}`))),
].join(',');

export function templatesRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const db = deps.db;
  const ctx = { db, uploadDir: deps.config.uploadDir };

  const show = (res: Response, refused: (Refusal & { material: string }) | null = null) => {
    const page = templatesPage(db, actorOf(res));
    res.render('task-review/templates', {
      title: '材料模板',
      kinds: page.kinds.map((k) => ({
        material: k.material,
        name: MATERIAL_NAMES[k.material],
        current: k.current && fileView(k.current),
        earlier: k.earlier.map(fileView),
      })),
      refused,
      accept: ACCEPT,
    });
  };

  r.get('/task-templates', (_req, res) => show(res));

  r.post(
    '/task-templates',
    ...documentUpload(protect, 'file', 1, deps.config.uploadDir),
    async (req: Request, res: Response) => {
      const material = text(body(req).material);
      const refused = uploadRefusal(req);
      if (refused) {
        res.status(refused.status);
        return show(res, {
          status: refused.status,
          error: refused.message,
          fields: { file: refused.message },
          material,
        });
      }
      const changed = await changedOrShownAgain(
        async () => {
          await uploadTemplate(
            ctx,
            actorOf(res),
            { material },
            uploadedDocuments(req, 'file').map((f) => ({ path: f.path, originalName: f.originalname })),
          );
        },
        (refusal) => {
          res.status(refusal.status);
          show(res, { ...refusal, material });
        },
      );
      if (!changed) return;
      flash(req, 'ok', `已上传“${MATERIAL_NAMES[material as keyof typeof MATERIAL_NAMES] ?? ''}”模板。`);
      res.redirect(303, '/task-templates');
    },
  );

  r.post('/task-templates/:fid/remove', (req, res) => {
    const file = removeTemplate(db, actorOf(res), idParam(req.params.fid, '模板'));
    flash(req, 'ok', `已删除模板“${file.name}”。`);
    res.redirect(303, '/task-templates');
  });

  return r;
}
