/**
 * One-shot messages across a redirect (parse → validate → store → redirect → "已保存"): kept in the
 * session by flash(), shown once by the layout and then gone.
 */
import type { NextFunction, Request, Response } from 'express';

export interface Flash {
  kind: 'ok' | 'warn' | 'error';
  text: string;
  details?: string[];
}

declare module 'express-session' {
  interface SessionData {
    flash?: Flash;
  }
}

export function flash(req: Request, kind: Flash['kind'], text: string, details?: string[]): void {
  req.session.flash = { kind, text, ...(details?.length ? { details } : {}) };
}

export function takeFlash(req: Request, res: Response, next: NextFunction): void {
  res.locals.flash = req.session?.flash ?? null;
  if (req.session?.flash) delete req.session.flash;
  next();
}
