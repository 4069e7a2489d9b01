/**
 * Who is asking: loads the session's user onto res.locals, sends anonymous page requests to the login
 * page (script requests get 401, never a redirect that looks like success), and checks roles.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../../db/connection.ts';
import type { UserRow } from '../../db/repos/users.ts';
import { NotLoggedIn } from '../../errors.ts';
import { sessionUser } from '../../services/accounts.ts';
import { canOrReject, ANONYMOUS, type Actor, type Verb } from '../../services/access.ts';
import { userLoadedWithSession } from './session-store.ts';

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
      // read with the session when the store could (session-store.ts), else on its own
      const user = (userLoadedWithSession(req, id) ?? { user: sessionUser(db, id) }).user;
      if (user) res.locals.user = user;
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

/** Who is asking, for the services: the session's user, or an anonymous visitor on a public page. */
export function actorOf(res: Response): Actor {
  return (res.locals.user as UserRow | undefined) ?? ANONYMOUS;
}

/**
 * Guards a whole router or route with a district-wide verb (e.g. `office.manage`): access.ts decides,
 * as the services it calls decide again for each object.
 */
export function allow(db: Db, verb: Verb & ('office.manage' | 'offline.work' | 'problem.export')) {
  return (_req: Request, res: Response, next: NextFunction) => {
    canOrReject(db, currentUser(res), verb, null);
    next();
  };
}
