/** GET /photos/:id/(thumb|display|original): photo files, only to users allowed to see them. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { idParam } from '../params.ts';
import { photoForViewing } from '../../services/photo-files.ts';
import { isWholeJpeg } from '../../photos/files.ts';
import { NotFound } from '../../errors.ts';

export function photosRouter(deps: AppDeps): Router {
  const r = Router();
  const ctx = { db: deps.db, uploadDir: deps.config.uploadDir };
  r.get('/photos/:id/:variant', async (req, res, next) => {
    const variant = req.params.variant;
    if (variant !== 'thumb' && variant !== 'display' && variant !== 'original')
      throw new NotFound('找不到该照片');
    const { photo, paths } = photoForViewing(ctx, actorOf(res), idParam(req.params.id, '照片'));
    // versions are made after the upload; one asked for before that, or cut short by a power cut (they
    // are written without fsync), is made now
    if (variant !== 'original' && !isWholeJpeg(paths[variant]))
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
