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
import { roundsVisibleTo } from '../../services/access-scopes.ts';
import { assignedSites } from '../../db/repos/rounds.ts';
import { findInspection } from '../../db/repos/inspections.ts';
import { listInspectionPhotos } from '../../db/repos/photos.ts';
import { Forbidden } from '../../errors.ts';

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
    if (user.role !== 'inspector') throw new Forbidden('只有测评员可以离线工作');
    const sites: OfflineManifest['sites'] = [];
    for (const round of roundsVisibleTo(deps.db, user)) {
      for (const s of assignedSites(deps.db, round.id, user.id)) {
        const inspection = findInspection(deps.db, round.id, s.site_id);
        const photos = inspection ? listInspectionPhotos(deps.db, inspection.id) : [];
        sites.push({
          round: round.id,
          site: s.site_id,
          name: s.site_name,
          url: `/rounds/${round.id}/sites/${s.site_id}`,
          version: inspection ? `${inspection.revision}:${inspection.status}:${photos.length}` : 'none',
          thumbs: photos.map((p) => `/photos/${p.id}/thumb`),
        });
      }
    }
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
