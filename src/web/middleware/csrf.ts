/**
 * CSRF protection (synchronizer token in the session, csrf-sync) for every state-changing request:
 * forms send `_csrf`, scripts send the `X-CSRF-Token` header. Multipart bodies are only readable after
 * multer has parsed them, so for those the check runs inside the route, right after the upload parser
 * (see uploads.ts) and before anything is stored.
 */
import type { NextFunction, Request, Response } from 'express';
import { csrfSync } from 'csrf-sync';

export function isMultipart(req: Request): boolean {
  return (req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** `multipartRoutes`: the paths whose routes run `protect` after parsing their upload themselves. */
export function makeCsrf(multipartRoutes: RegExp[]) {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) =>
      (req.get('x-csrf-token') as string | undefined) ??
      (typeof req.body?._csrf === 'string' ? (req.body._csrf as string) : undefined),
    errorConfig: {
      statusCode: 403,
      message: '页面已过期或请求来源无效，请刷新页面后重试',
      code: 'EBADCSRFTOKEN',
    },
  });
  return {
    generateToken,
    /** the check itself, for routes that parse a multipart body first */
    protect: csrfSynchronisedProtection,
    /** the app-wide check; multipart requests are deferred to their route's own check */
    global: (req: Request, res: Response, next: NextFunction) => {
      if (req.method === 'POST' && isMultipart(req) && multipartRoutes.some((r) => r.test(req.path)))
        return next();
      csrfSynchronisedProtection(req, res, next);
    },
  };
}
