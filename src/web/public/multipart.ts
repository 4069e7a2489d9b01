/**
 * The 随手拍 page's multipart reader (the public pages are mounted before the app's parsers): photos in
 * memory only (nothing touches the disk until each has been decoded whole by the photo door), with
 * strict limits checked while the body streams — the declared total size first (413 before a byte is
 * read; a body without Content-Length is refused), then at most `maxFiles` files of `fileBytes` each
 * (413 a larger one, 400 one more), `maxFields` short fields of `fieldBytes` (400 beyond). Every refusal
 * is an AppError with a Chinese message; nothing is kept.
 */
import multer from 'multer';
import type { Request, Response } from 'express';
import { AppError, InvalidInput, TooLarge } from '../../errors.ts';

export interface MultipartLimits {
  /** the files' field name */
  field: string;
  maxFiles: number;
  fileBytes: number;
  maxFields: number;
  fieldBytes: number;
}

export interface PublicUpload {
  fields: Record<string, string>;
  files: { buffer: Buffer; originalName: string }[];
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export function readPublicUpload(
  req: Request,
  res: Response,
  limits: MultipartLimits,
): Promise<PublicUpload> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? NaN);
  // the whole body: every file at its limit, plus the fields and the parts' headers
  const total = limits.maxFiles * limits.fileBytes + limits.maxFields * limits.fieldBytes + 64 * 1024;
  const refuse = (err: AppError) => {
    req.resume();
    return Promise.reject(err);
  };
  if (type !== 'multipart/form-data')
    return refuse(new AppError(415, '提交的内容格式无效，请在随手拍页面中提交'));
  if (!Number.isFinite(declared))
    return refuse(new AppError(411, '提交的内容无法识别，请在随手拍页面中提交'));
  if (declared > total)
    return refuse(new TooLarge(`提交的内容太大：每张照片不能超过 ${mb(limits.fileBytes)} MB`));
  const parser = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: {
      fileSize: limits.fileBytes,
      files: limits.maxFiles,
      fields: limits.maxFields,
      fieldSize: limits.fieldBytes,
      fieldNameSize: 100,
      parts: limits.maxFiles + limits.maxFields,
    },
  }).array(limits.field, limits.maxFiles);
  return new Promise((resolve, reject) => {
    parser(req, res, (err: unknown) => {
      if (err) return reject(uploadRefusal(err, limits));
      const raw = (req.body ?? {}) as Record<string, unknown>;
      const fields = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(raw)) fields[k] = typeof v === 'string' ? v : '';
      const files = ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
        buffer: f.buffer,
        originalName: f.originalname ?? '',
      }));
      resolve({ fields, files });
    });
  });
}

function uploadRefusal(err: unknown, limits: MultipartLimits): Error {
  const code =
    (err as { name?: string; code?: string })?.name === 'MulterError' ? (err as { code: string }).code : '';
  switch (code) {
    case 'LIMIT_FILE_SIZE':
      return new TooLarge(`照片太大：每张不能超过 ${mb(limits.fileBytes)} MB`);
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE':
      return new InvalidInput(`最多上传${limits.maxFiles}张照片`);
    case 'LIMIT_FIELD_VALUE':
    case 'LIMIT_FIELD_KEY':
    case 'LIMIT_FIELD_COUNT':
    case 'LIMIT_PART_COUNT':
      return new InvalidInput('提交的内容太长或字段太多，请精简后再提交');
    case '':
      break;
    default:
      return new InvalidInput('提交的内容无法识别，请重新填写后提交');
  }
  // a body cut short or malformed (busboy's own errors)
  if (err instanceof AppError) return err;
  return new InvalidInput('提交的内容不完整，请重新提交');
}
