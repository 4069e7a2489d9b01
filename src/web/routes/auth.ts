/**
 * Login and logout. A successful login regenerates the session (no fixation); a failed one re-renders
 * the form with one message that does not say which part was wrong; repeated failures lock the name out
 * for a while and slow down attempts from an address with many failures (login-throttle.ts).
 */
import { Router } from 'express';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { AppDeps } from '../../app.ts';
import { authenticate, isDemoInstall, recordLogin } from '../../services/accounts.ts';
import { LoginThrottle } from '../middleware/login-throttle.ts';

const loginForm = z.object({
  username: z.string().max(100).default(''),
  password: z.string().max(200).default(''),
  next: z.string().max(500).optional(),
});

/** Only same-site paths are followed after login. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : '/';
}

export function authRouter(deps: AppDeps): Router {
  const r = Router();
  const throttle = new LoginThrottle();

  // a demo install's login page says where the demo passwords are and how to set new ones
  r.use('/login', (_req, res, next) => {
    res.locals.demoInstall = isDemoInstall(deps.db);
    next();
  });

  r.get('/login', (req, res) => {
    if (res.locals.user) return res.redirect(303, '/');
    const next = typeof req.query.next === 'string' ? req.query.next : '';
    res.render('auth/login', { title: '登录', error: null, username: '', next });
  });

  r.post('/login', async (req, res, nextFn) => {
    const parsed = loginForm.safeParse(req.body ?? {});
    const form = parsed.success ? parsed.data : { username: '', password: '', next: undefined };
    const address = req.ip ?? '';
    const verdict = throttle.attempt(form.username, address);
    if (!verdict.ok) {
      res.status(429).render('auth/login', {
        title: '登录',
        error: verdict.message,
        username: form.username,
        next: form.next ?? '',
      });
      return;
    }
    if (verdict.waitMs) await delay(verdict.waitMs);
    const user =
      form.username && form.password ? await authenticate(deps.db, form.username, form.password) : undefined;
    if (!user) {
      throttle.fail(form.username, address);
      res.status(400).render('auth/login', {
        title: '登录',
        error: '用户名或密码不正确',
        username: form.username,
        next: form.next ?? '',
      });
      return;
    }
    throttle.succeed(form.username);
    req.session.regenerate((err) => {
      if (err) return nextFn(err);
      req.session.userId = user.id;
      recordLogin(deps.db, user);
      req.session.save((saveErr) => (saveErr ? nextFn(saveErr) : res.redirect(303, safeNext(form.next))));
    });
  });

  r.post('/logout', (req, res, nextFn) => {
    req.session.destroy((err) => {
      if (err) return nextFn(err);
      res.clearCookie(deps.sessionCookieName);
      // the browser's HTTP cache of this user's pages; the offline queue and cached pages are removed
      // per user by the page script before the form is posted (client/offline.ts), after a warning
      res.setHeader('Clear-Site-Data', '"cache"');
      res.redirect(303, '/login');
    });
  });

  return r;
}
