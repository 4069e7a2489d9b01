/**
 * Multipart parsing for document uploads (材料任务 files, templates, corrected documents): unlike photos,
 * documents go to disk as they arrive (a 20 MB PDF from ten phones at once must not sit in memory), into
 * the upload folder's tmp/ so that storing one is a rename on the same filesystem (store.ts) and a crash
 * leaves only temp files the start-up sweep removes. The CSRF check runs right after parsing. A limit
 * multer hits (a file over 20 MB, too many files) does not become an error page: it is kept as the
 * request's upload refusal (`uploadRefusal`), in DOCUMENT_REFUSALS' words, for the route to show on its
 * own page again. Whatever happens, the temp files are deleted when the response ends.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import multer from 'multer';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DOCUMENT_LIMITS, DOCUMENT_REFUSALS } from '../../documents/kinds.ts';
import { tmpDir } from '../../photos/files.ts';
import { AppError } from '../../errors.ts';

/** A refused upload (a limit hit while parsing): 400, or 413 for a file too large. */
export class UploadRefused extends AppError {
  readonly fields: Record<string, string> = {};
}

const LIMIT_MESSAGES: Record<string, [number, string]> = {
  LIMIT_FILE_SIZE: [413, DOCUMENT_REFUSALS.tooLarge],
  LIMIT_FILE_COUNT: [400, DOCUMENT_REFUSALS.tooManyFiles],
  LIMIT_UNEXPECTED_FILE: [400, '上传了不应有的文件字段'],
  LIMIT_FIELD_VALUE: [413, '表单字段内容太长'],
  LIMIT_FIELD_COUNT: [400, '表单字段太多'],
  LIMIT_PART_COUNT: [400, '表单内容太多'],
  LIMIT_FIELD_KEY: [400, '表单字段名太长'],
};

/** The refusal a parse left on the request, if any (the route shows it on its page). */
export function uploadRefusal(req: Request): UploadRefused | null {
  return (req as Request & { uploadRefusal?: UploadRefused }).uploadRefusal ?? null;
}

/** The files parsed for `field` (as multer wrote them to disk), empty-named parts left out. */
export function uploadedDocuments(req: Request, field: string): Express.Multer.File[] {
  const files = (req.files as Express.Multer.File[] | undefined) ?? (req.file ? [req.file] : []);
  return files.filter((f) => f.fieldname === field && f.originalname !== '');
}

/**
 * Parses up to `maxFiles` files of field `field` to temp files under `<uploadDir>/tmp`, then runs
 * `protect`. The temp files are removed when the response finishes or the connection closes.
 */
export function documentUpload(
  protect: RequestHandler,
  field: string,
  maxFiles: number,
  uploadDir: string,
): RequestHandler[] {
  const dir = tmpDir(uploadDir);
  const parser = multer({
    storage: multer.diskStorage({
      destination: (_req, _file, cb) => {
        try {
          mkdirSync(dir, { recursive: true });
          cb(null, dir);
        } catch (err) {
          cb(err as Error, dir);
        }
      },
      filename: (_req, _file, cb) => cb(null, `upload-${randomUUID()}`),
    }),
    // browsers send file names as raw UTF-8 (Chinese names would come out garbled as latin1)
    defParamCharset: 'utf8',
    // a name with path parts reaches inspectDocument as sent, to be refused with its message
    preservePath: true,
    limits: {
      fileSize: DOCUMENT_LIMITS.maxBytes,
      files: maxFiles,
      fields: 20,
      fieldSize: 8 * 1024,
      parts: 20 + maxFiles,
    },
  }).array(field, maxFiles);

  const parse: RequestHandler = (req, res, next) => {
    const written = new Set<string>();
    const cleanUp = () => {
      const files = (req.files as Express.Multer.File[] | undefined) ?? [];
      for (const f of files) if (f.path) written.add(f.path);
      for (const p of written) rmSync(p, { force: true });
    };
    res.once('finish', cleanUp);
    res.once('close', cleanUp);
    parser(req, res, (err?: unknown) => {
      const e = err as { name?: string; code?: unknown } | undefined;
      if (!err) return next();
      // a disk error writing the temp file (ENOSPC …) is the server's, not the upload's
      if (e?.name !== 'MulterError' && typeof e?.code === 'string') return next(err);
      // multer removes what it wrote of this request on an error; the rest goes in cleanUp
      const known =
        e?.name === 'MulterError' && typeof e.code === 'string' ? LIMIT_MESSAGES[e.code] : undefined;
      // anything else the parser refuses is a body cut short or malformed (a dropped connection)
      const [status, message] = known ?? [400, '上传没有完成或内容不完整，请重新上传'];
      (req as Request & { uploadRefusal?: UploadRefused }).uploadRefusal = new UploadRefused(status, message);
      req.body ??= {};
      next();
    });
  };
  return [parse, (req: Request, res: Response, next: NextFunction) => protect(req, res, next)];
}
