/**
 * The office's rules for problems from outside rounds: deadline rule per source, the outside-the-district distance, how long residents' phone numbers are kept (/problem-settings).
 * (Being built: see issue #20.)
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

export function problemSettingsRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  return Router();
}
