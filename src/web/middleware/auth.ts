/**
 * Who is asking: loads the session's user onto res.locals, sends anonymous page requests to the login
 * page (script requests get 401, never a redirect that looks like success), and checks roles.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../../db/connection.ts';
import { findUserById, type Role, type UserRow } from '../../db/repos/users.ts';
import { Forbidden, NotLoggedIn } from '../../errors.ts';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
  }
}

export function currentUser(res: Response): UserRow {
  const user = res.locals.user as UserRow | undefined;
  if (!user) throw new NotLoggedIn();
  return user;
}

/** True when the client wants JSON (fetch from our scripts) rather than a page. */
export function wantsJson(req: Request): boolean {
  return (
    req.originalUrl.startsWith('/api/') ||
    req.get('x-requested-with') === 'fetch' ||
    (req.accepts(['html', 'json']) === 'json' && !req.accepts('html'))
  );
}

export function loadUser(db: Db) {
  return (req: Request, res: Response, next: NextFunction) => {
    const id = req.session?.userId;
    if (id) {
      const user = findUserById(db, id);
      if (user && user.active) res.locals.user = user;
      else delete req.session.userId;
    }
    next();
  };
}

export function requireLogin(req: Request, res: Response, next: NextFunction) {
  if (res.locals.user) return next();
  if (req.method === 'GET' && !wantsJson(req)) {
    const nextUrl = req.originalUrl.startsWith('/') ? req.originalUrl : '/';
    return res.redirect(303, `/login?next=${encodeURIComponent(nextUrl)}`);
  }
  next(new NotLoggedIn('登录已过期，请重新登录'));
}

export function requireRole(...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const user = currentUser(res);
    if (!roles.includes(user.role)) return next(new Forbidden());
    next();
  };
}
