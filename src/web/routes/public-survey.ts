/**
 * The public survey pages (/s/<token>): mounted before the body parsers, session, login and CSRF middleware (see app.ts). Owned by the survey-collection work.
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';

export function publicSurveyRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
