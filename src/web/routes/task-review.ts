/**
 * The office's side of 材料任务: a round's review queue (filtered by unit, 项目 and state), a task to
 * score, 退回补充 or 延期, the completeness board per unit, and template files per kind of material.
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

/** Multipart routes whose CSRF check runs after the upload is parsed (see csrf.ts). */
export const TASK_REVIEW_MULTIPART_ROUTES: RegExp[] = [];

export function taskReviewRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  const router = Router();
  return router;
}
