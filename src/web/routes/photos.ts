/** GET /photos/:id/(thumb|display|original): photo files, only to users allowed to see the site. */
import { existsSync } from 'node:fs';
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { idParam } from '../params.ts';
import { findPhoto } from '../../db/repos/photos.ts';
import { canOrReject } from '../../services/access.ts';
import { photoPaths } from '../../photos/store.ts';
import { NotFound } from '../../errors.ts';

export function photosRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/photos/:id/:variant', async (req, res, next) => {
    const variant = req.params.variant;
    if (variant !== 'thumb' && variant !== 'display' && variant !== 'original')
      throw new NotFound('找不到该照片');
    const photo = findPhoto(deps.db, idParam(req.params.id, '照片'));
    if (!photo) throw new NotFound('找不到该照片');
    canOrReject(deps.db, currentUser(res), 'photo.read', photo);
    const paths = photoPaths(deps.config.uploadDir, photo.sha256, photo.display_key);
    // versions are made after the upload; one asked for before that is made now
    if (variant !== 'original' && !existsSync(paths[variant]))
      await deps.versions.ensure(photo).catch(() => {
        throw new NotFound('照片文件缺失');
      });
    res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (variant === 'original') {
      res.type(photo.mime);
      res.setHeader(
        'Content-Disposition',
        `inline; filename="photo-${photo.id}-${photo.sha256.slice(0, 12)}"`,
      );
    } else res.type('image/jpeg');
    res.sendFile(paths[variant], (err) => {
      if (err && !res.headersSent) next(new NotFound('照片文件缺失'));
    });
  });
  return r;
}
