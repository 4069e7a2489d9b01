/**
 * `/rounds/<id>/materials.zip`: the 网上申报 package of a round, streamed (services/materials.ts decides
 * who may have it and what it holds; export/materials-zip.ts writes it). Once the first byte is sent a
 * failure can no longer become an error page: the connection is cut, so the browser reports the download
 * as failed instead of keeping a truncated zip as if it were whole.
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import { materialsPackage } from '../../services/materials.ts';
import { writePackage } from '../../export/materials-zip.ts';

export function materialsRouter(deps: AppDeps): Router {
  const router = Router();
  const ctx = { db: deps.db, criteria: deps.criteria, uploadDir: deps.config.uploadDir };

  router.get('/rounds/:id/materials.zip', async (req, res) => {
    const pkg = await materialsPackage(ctx, actorOf(res), idParam(req.params.id, '测评轮次'));
    attachment(res, pkg.fileName);
    res.type('application/zip');
    res.setHeader('Cache-Control', 'no-store');
    // a HEAD request (a download manager checking the link) is answered without reading every file
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await writePackage(pkg.plan, pkg.index, res, {
        onSize: (bytes) => {
          if (!res.headersSent) res.setHeader('Content-Length', String(bytes));
        },
      });
    } catch (err) {
      deps.logError(`materials.zip of round ${req.params.id}: ${(err as Error).message}`);
      res.destroy();
    }
  });

  return router;
}
