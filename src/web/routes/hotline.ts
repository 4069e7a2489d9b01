/**
 * 12345: the import of hotline work orders, units' aliases, and the outcome export by 工单号 (/hotline).
 * (Being built: see issue #20.)
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

/** Multipart forms: their CSRF token is checked after the upload is parsed (app.ts). */
export const HOTLINE_MULTIPART_ROUTES: RegExp[] = [];

export function hotlineRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  return Router();
}
