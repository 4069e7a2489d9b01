/**
 * The server's side of offline work on the tablet: the service worker script at the root scope, the
 * session check the sync queue makes before replaying (a fresh CSRF token, or 401), and the manifest
 * of what the device keeps for the inspector's open rounds (My sites, every assigned sheet, the static
 * files and the thumbnails of the photos so far). Script requests without a session get a 401 JSON
 * answer before the CSRF check, never a redirect or a 403 that a replay could mistake for a refusal.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { offlineSheets } from '../../services/sheet-pages.ts';

/** The answer a replay gets when the session has expired: 401, so the device waits for a new login. */
export function apiNeedsLogin(req: Request, res: Response, next: NextFunction): void {
  if (res.locals.user || !req.path.startsWith('/api/')) return next();
  res.status(401).json({ error: '登录已过期，请重新登录', login: true });
}

/** GET /sw.js: no login needed, revalidated on every check so a new version is picked up at once. */
export function serviceWorkerRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/sw.js', (req, res) => {
    const file = deps.assets.file('sw.js');
    if (!file) return void res.status(404).end();
    res.type('application/javascript');
    res.setHeader('Service-Worker-Allowed', '/');
    res.setHeader('Cache-Control', 'no-cache, max-age=0');
    res.setHeader('ETag', `"${file.etag}"`);
    if (req.get('if-none-match') === `"${file.etag}"`) return void res.status(304).end();
    res.send(file.code);
  });
  return r;
}

export interface OfflineManifest {
  user: string;
  pages: string[];
  assets: string[];
  /** `version` changes whenever the sheet page would: the device refetches only those pages */
  sites: { round: number; site: number; name: string; url: string; version: string; thumbs: string[] }[];
}

export function offlineRouter(deps: AppDeps, csrfToken: (req: Request) => string): Router {
  const r = Router();

  r.get('/api/session', (req, res) => {
    const user = currentUser(res);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ user: `u${user.id}`, role: user.role, csrf: csrfToken(req) });
  });

  r.get('/api/offline/manifest', (_req, res) => {
    const user = currentUser(res);
    const sites: OfflineManifest['sites'] = offlineSheets(deps.db, user).map((s) => ({
      round: s.roundId,
      site: s.siteId,
      name: s.siteName,
      url: `/rounds/${s.roundId}/sites/${s.siteId}`,
      version: s.version,
      thumbs: s.photoIds.map((id) => `/photos/${id}/thumb`),
    }));
    const manifest: OfflineManifest = {
      user: `u${user.id}`,
      pages: ['/'],
      assets: ['/static/css/app.css', ...Object.values(deps.assets.urls)],
      sites,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(manifest);
  });

  return r;
}
