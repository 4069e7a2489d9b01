/**
 * 入户调查 on the tablet: an interviewer's 社区 and one answer per household.
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';

export function interviewsRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
