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

/** Where lazyCsrfToken keeps a response's request and its token, on the response's locals. */
const REQUEST = Symbol('csrfRequest');
const TOKEN = Symbol('csrfToken');
type Locals = Record<string | symbol, unknown> & { [REQUEST]?: Request; [TOKEN]?: string };

/** Keeps the token on the locals, under its symbol (not enumerable). */
function keep(locals: Locals, token: string): string {
  Object.defineProperty(locals, TOKEN, { value: token, writable: true, configurable: true });
  return token;
}

/**
 * `res.locals.csrfToken`, made only when a page reads it (rendering a page reads every local). Made
 * eagerly, every request without a session (a tablet's background /api/session check after its session
 * expired) started a new one and sent its cookie, which could overwrite the cookie of the login page
 * loading beside it: the login then failed its CSRF check (seen on a shared tablet, 2 of 7 browser runs).
 *
 * The getter and setter are the same two functions for every response, and the request and the token
 * sit on the locals under symbols nobody spreads (not enumerable). A getter made afresh for each
 * request, closing over it, was one of the two things found keeping every request's objects alive
 * until V8's next full collection (the other: express's per-request prototype change, http-server.ts):
 * V8 keeps an accessor pair in its old generation, and its fresh closures then held the request. With
 * the server of http-server.ts already in place, the bench's bare route (a trivial route behind every
 * middleware, logged in) went from ≈ 3,900 to ≈ 5,200 requests a second with this, and the share of its
 * allocation that a young collection copied from ≈ 23 % to ≈ 3 % (`--trace-gc-nvp`, one run each).
 */
export function lazyCsrfToken(generateToken: (req: Request) => string) {
  const accessor: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: Locals) {
      return this[TOKEN] ?? keep(this, generateToken(this[REQUEST]!));
    },
    set(this: Locals, value: string) {
      keep(this, value);
    },
  };
  return {
    /** gives `locals` its csrfToken, made from `req` when first read */
    offer(locals: Record<string, unknown>, req: Request): void {
      Object.defineProperty(locals, REQUEST, { value: req, writable: true });
      Object.defineProperty(locals, 'csrfToken', accessor);
    },
  };
}
