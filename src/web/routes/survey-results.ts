/**
 * A round's survey figures and workbooks (/rounds/<id>/surveys/results …).
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';

export function surveyResultsRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
