/**
 * A unit's 材料任务 (材料审核 / 网上申报): its list, a task's page (the requirement, what to upload, the
 * deadline), uploading, replacing and removing files, submitting; and the files themselves, served so
 * that nothing uploaded is ever a page of ours. Each action is parse → call → redirect, or the task's page
 * again with the refusal (400 / 409 / 413) above the form; a script (fetch) gets the refusal as JSON.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, wantsJson } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import {
  documentUpload,
  uploadedDocuments,
  uploadRefusal,
  UploadRefused,
} from '../middleware/document-uploads.ts';
import { idParam } from '../params.ts';
import { body, text } from '../forms.ts';
import { Conflict, InvalidInput, NotFound, TooLarge } from '../../errors.ts';
import { DOCUMENT_KINDS, DOCUMENT_LIMITS } from '../../documents/kinds.ts';
import { documentPath } from '../../documents/store.ts';
import { documentForViewing } from '../../services/document-files.ts';
import { officeTaskHref, officeTasksHref, taskPage, unitTasks } from '../../services/task-pages.ts';
import { removeTaskFile, replaceTaskFile, submitTask, uploadTaskFiles } from '../../services/task-submit.ts';
import { presentTaskList, presentTaskPage } from '../presenters/tasks.ts';

/** Multipart routes whose CSRF check runs after the upload is parsed (see csrf.ts). */
export const TASK_MULTIPART_ROUTES: RegExp[] = [
  /^\/tasks\/\d+\/files$/,
  /^\/tasks\/\d+\/files\/\d+\/replace$/,
];

/** The policy each kind of file is served with, instead of the pages' CSP. */
const IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
// A browser's PDF viewer runs in the document's place, and one that is a script in that document (pdf.js
// in Firefox) cannot run in a sandboxed one; so a PDF gets no `sandbox`, but may run nothing of its own:
// no scripts, no connections, no forms, and it embeds nothing but itself. (Chromium's viewer, checked in
// tests/e2e/task-files.test.ts, shows the file under this policy; plugin-types is gone from it: not used.)
const PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'";
const DOWNLOAD_CSP = "default-src 'none'; sandbox";

/** RFC 6266 / 5987: an ASCII fallback name and the real one, percent-encoded as UTF-8. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Refusals the task page shows above its forms (the rest go to the error middleware). */
const isRefusal = (err: unknown): err is InvalidInput | Conflict | TooLarge | UploadRefused =>
  err instanceof InvalidInput ||
  err instanceof Conflict ||
  err instanceof TooLarge ||
  err instanceof UploadRefused;

interface Refused {
  status: number;
  error: string;
  form: 'upload' | 'replace' | 'remove' | 'submit';
  fileId: number | null;
  note: string;
}

export function tasksRouter(deps: AppDeps, protect: RequestHandler): Router {
  const router = Router();
  const db = deps.db;
  const uploadDir = deps.config.uploadDir;
  const ctx = { db, criteria: deps.criteria, uploadDir };

  router.get('/tasks', (req, res) => {
    const review = officeTasksHref(db, actorOf(res));
    if (review) return res.redirect(303, review);
    res.render('tasks/index', presentTaskList(unitTasks(ctx, actorOf(res))));
  });

  const showTask = (res: Response, id: number, refused: Refused | null = null) =>
    res.render('tasks/show', { ...presentTaskPage(taskPage(ctx, actorOf(res), id)), refused });

  router.get('/tasks/:id', (req, res) => {
    const id = idParam(req.params.id, '材料任务');
    const review = officeTaskHref(db, actorOf(res), id);
    if (review) return res.redirect(303, review);
    showTask(res, id);
  });

  /** parse → call → redirect with a message, or the task's page again with the refusal. */
  const act =
    (form: Refused['form'], run: (req: Request, res: Response, id: number) => Promise<string> | string) =>
    async (req: Request, res: Response) => {
      const id = idParam(req.params.id, '材料任务');
      res.locals.back = `/tasks/${id}`;
      let done: string;
      try {
        const refusedUpload = uploadRefusal(req);
        if (refusedUpload) throw refusedUpload;
        done = await run(req, res, id);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        res.status(err.status);
        if (wantsJson(req)) return res.json({ error: err.message });
        const fid = (req.params as Record<string, string | undefined>).fid;
        return showTask(res, id, {
          status: err.status,
          error: err.message,
          form,
          fileId: fid ? Number(fid) : null,
          note: text(body(req).note),
        });
      }
      if (wantsJson(req)) return res.json({ ok: true, message: done });
      flash(req, 'ok', done);
      res.redirect(303, `/tasks/${id}`);
    };

  const documents = (req: Request, field: string) =>
    uploadedDocuments(req, field).map((f) => ({ path: f.path, originalName: f.originalname }));

  router.post(
    '/tasks/:id/files',
    ...documentUpload(protect, 'files', DOCUMENT_LIMITS.maxFilesPerTask, uploadDir),
    act('upload', async (req, res, id) => {
      const n = await uploadTaskFiles(ctx, actorOf(res), id, documents(req, 'files'));
      return `已上传 ${n} 个文件。全部材料上传后，请点击“提交”。`;
    }),
  );
  router.post(
    '/tasks/:id/files/:fid/replace',
    ...documentUpload(protect, 'file', 1, uploadDir),
    act('replace', async (req, res, id) => {
      const fid = idParam(req.params.fid, '文件');
      await replaceTaskFile(ctx, actorOf(res), id, fid, documents(req, 'file')[0]);
      return '已替换文件，原文件保留在历史记录中。';
    }),
  );
  router.post(
    '/tasks/:id/files/:fid/remove',
    act('remove', (req, res, id) => {
      removeTaskFile(ctx, actorOf(res), id, idParam(req.params.fid, '文件'));
      return '已删除文件，原文件保留在历史记录中。';
    }),
  );
  router.post(
    '/tasks/:id/submit',
    act('submit', (req, res, id) => {
      submitTask(ctx, actorOf(res), id, text(body(req).note));
      return '材料已提交，等待创城办审核。';
    }),
  );

  /**
   * A stored file, from disk, typed by its kind (never by its name), with a policy of its own: PDFs and
   * images inline (PDFs in the browser's viewer), Office and OFD files and `?download=1` as attachments.
   */
  router.get('/documents/:fid', async (req, res, next) => {
    const file = documentForViewing(db, actorOf(res), idParam(req.params.fid, '文件'));
    const kind = DOCUMENT_KINDS[file.kind];
    const path = documentPath(uploadDir, file.sha256);
    const info = await stat(path).catch(() => {
      throw new NotFound('文件缺失，请联系系统管理员');
    });
    const inline = kind.disposition === 'inline' && req.query.download !== '1';
    res.status(200);
    res.setHeader('Content-Type', kind.mime);
    res.setHeader('Content-Length', String(info.size));
    res.setHeader('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader(
      'Content-Security-Policy',
      !inline ? DOWNLOAD_CSP : file.kind === 'pdf' ? PDF_CSP : IMAGE_CSP,
    );
    // the PDF viewer is framed by the browser itself; pages of ours stay unframeable (helmet)
    if (inline && file.kind === 'pdf') res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(path);
    stream.on('error', (err) => (res.headersSent ? res.destroy(err) : next(err)));
    stream.pipe(res);
  });

  return router;
}
