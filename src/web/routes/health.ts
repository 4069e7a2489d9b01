/** GET /healthz: 200 while the database answers, 503 otherwise; no session needed. */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { databaseAnswers } from '../../services/health.ts';

export function healthRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    if (databaseAnswers(deps.db)) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'error', error: '数据库不可用' });
  });
  return r;
}
