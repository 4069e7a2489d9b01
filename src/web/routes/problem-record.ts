/**
 * 督查 and 媒体 problems recorded by the office or a 包联 leader on a phone or tablet (/problems/new).
 * (Being built: see issue #20.)
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

/** Multipart forms: their CSRF token is checked after the upload is parsed (app.ts). */
export const RECORD_MULTIPART_ROUTES: RegExp[] = [];

export function problemRecordRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  return Router();
}
