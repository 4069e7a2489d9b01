/**
 * Multipart parsing for photo uploads: files are kept in memory (never written until the photo has been
 * decoded and checked), with limits that turn oversized input into a 4xx, and the CSRF check run as soon
 * as the body's fields are known. Every multipart route must use this, never multer directly.
 */
import multer from 'multer';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PHOTO_LIMITS } from '../../photos/store.ts';

export function photoUpload(protect: RequestHandler, maxFiles: number): RequestHandler[] {
  const parser = multer({
    storage: multer.memoryStorage(),
    // browsers send file names as raw UTF-8 (Chinese names would come out garbled as latin1)
    defParamCharset: 'utf8',
    limits: {
      fileSize: PHOTO_LIMITS.maxBytes,
      files: maxFiles,
      fields: 2000,
      fieldSize: 64 * 1024,
      parts: 2000 + maxFiles,
    },
  }).any();
  return [parser, (req: Request, res: Response, next: NextFunction) => protect(req, res, next)];
}

/** One spreadsheet in memory (field `file`), then the CSRF check. */
export function sheetUpload(protect: RequestHandler): RequestHandler[] {
  const parser = multer({
    storage: multer.memoryStorage(),
    // browsers send file names as raw UTF-8 (Chinese names would come out garbled as latin1)
    defParamCharset: 'utf8',
    limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 20, fieldSize: 4096, parts: 25 },
  }).single('file');
  return [parser, (req: Request, res: Response, next: NextFunction) => protect(req, res, next)];
}
