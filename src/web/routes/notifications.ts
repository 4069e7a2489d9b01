/**
 * (Being built: see issue #21.)
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

export function notificationsRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  return Router();
}
