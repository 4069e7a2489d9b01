/**
 * The one place errors become answers. Expected errors (AppError, CSRF, malformed bodies, upload limits)
 * get their status and a Chinese message; anything else is logged and answered with a plain 500 page:
 * no stack trace or SQL ever reaches the client.
 */
import type { NextFunction, Request, Response } from 'express';
import { AppError, InvalidInput } from '../../errors.ts';
import { wantsJson } from './auth.ts';

interface Answer {
  status: number;
  message: string;
  fields?: Record<string, string>;
  reply?: Record<string, unknown>;
}

const MULTER_MESSAGES: Record<string, [number, string]> = {
  LIMIT_FILE_SIZE: [413, '文件太大：照片不能超过 20 MB，Excel 文件不能超过 10 MB'],
  LIMIT_FILE_COUNT: [400, '一次上传的文件太多'],
  LIMIT_FIELD_VALUE: [413, '表单字段内容太长'],
  LIMIT_FIELD_COUNT: [400, '表单字段太多'],
  LIMIT_PART_COUNT: [400, '表单内容太多'],
  LIMIT_FIELD_KEY: [400, '表单字段名太长'],
  LIMIT_UNEXPECTED_FILE: [400, '上传了不应有的文件字段'],
};

function classify(err: unknown): Answer | null {
  if (err instanceof AppError)
    return {
      status: err.status,
      message: err.message,
      ...(err instanceof InvalidInput ? { fields: err.fields } : {}),
      ...(err.reply ? { reply: err.reply } : {}),
    };
  const e = err as { code?: string; type?: string; status?: number; name?: string };
  if (e?.code === 'EBADCSRFTOKEN')
    return { status: 403, message: '页面已过期或请求来源无效，请刷新页面后重试' };
  if (e?.name === 'MulterError' && e.code && MULTER_MESSAGES[e.code]) {
    const [status, message] = MULTER_MESSAGES[e.code] as [number, string];
    return { status, message };
  }
  if (e?.type === 'entity.too.large') return { status: 413, message: '提交的内容太大' };
  if (e?.type === 'parameters.too.many') return { status: 413, message: '表单字段太多' };
  if (e?.type === 'entity.parse.failed') return { status: 400, message: '提交的内容格式无效' };
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return { status: 415, message: '不支持的内容编码' };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
    return { status: e.status, message: e.status === 404 ? '找不到该页面或记录' : '请求无效' };
  return null;
}

export function errorHandler(log: (msg: string) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let answer = classify(err);
    if (!answer) {
      log(`500 ${req.method} ${req.originalUrl}: ${(err as Error)?.stack ?? String(err)}`);
      answer = { status: 500, message: '服务器内部错误，请稍后再试；如果一再出现，请联系系统管理员' };
    }
    if (res.headersSent) return res.end();
    res.status(answer.status);
    if (wantsJson(req) || req.path.startsWith('/api/')) {
      return res.json({
        ...answer.reply,
        error: answer.message,
        ...(answer.fields ? { fields: answer.fields } : {}),
      });
    }
    // a body refused by the parsers arrives before the session and the layout's locals are set up
    res.locals.csrfToken ??= '';
    const { status, message } = answer;
    // a refused form action names the page to go back to (res.locals.back) and may list what is missing
    res.render('errors/error', { title: '出错了', status, message }, (renderError, html) => {
      if (renderError) {
        log(`error page for ${req.method} ${req.originalUrl} failed: ${renderError.stack ?? renderError}`);
        return res.type('text/plain; charset=utf-8').send(message);
      }
      res.send(html);
    });
  };
}

export function notFound(req: Request, _res: Response, next: NextFunction) {
  next(new (class extends AppError {})(404, '找不到该页面'));
}
