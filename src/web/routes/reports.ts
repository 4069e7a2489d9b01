/**
 * 随手拍 for the office: the reports, their triage (受理 / 重复 / 不受理), replies, links and posters (/reports).
 * (Being built: see issue #20.)
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

/** Multipart forms: their CSRF token is checked after the upload is parsed (app.ts). */
export const REPORT_MULTIPART_ROUTES: RegExp[] = [];

export function reportsRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  return Router();
}
