/**
 * The office's survey pages of a round (/rounds/<id>/surveys): links, targets, posters, interviewers, answers to clear or void.
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';

export function surveysRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
