/**
 * 随手拍 for residents, /r/<token> (one link for the district, one per 社区): mounted in app.ts BEFORE the
 * body parsers, session, login and CSRF middleware, like the survey pages (public-survey.ts).
 * (Being built: see issue #20.)
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';

export function publicReportRouter(_deps: AppDeps): Router {
  return Router();
}
