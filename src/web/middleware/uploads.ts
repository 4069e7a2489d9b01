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
