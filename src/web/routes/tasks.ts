/**
 * A unit's 材料任务 (材料审核 / 网上申报): its list, a task's page (the requirement, what to upload, the
 * deadline), uploading, replacing and removing files, submitting; and the files themselves, served so
 * that nothing uploaded is ever a page of ours.
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../app.ts';

/** Multipart routes whose CSRF check runs after the upload is parsed (see csrf.ts). */
export const TASK_MULTIPART_ROUTES: RegExp[] = [];

export function tasksRouter(_deps: AppDeps, _protect: RequestHandler): Router {
  const router = Router();
  return router;
}
