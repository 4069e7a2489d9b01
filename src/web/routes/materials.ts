/** `/rounds/<id>/materials.zip`: the 网上申报 package of a round, streamed. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';

export function materialsRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
