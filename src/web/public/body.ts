/**
 * The public pages' own form body reader (they are mounted before the app's body parsers): only
 * application/x-www-form-urlencoded, at most BODY_LIMIT bytes and PARAM_LIMIT fields; a field sent more
 * than once becomes a list (a multiple choice). Refusals: 413 too large, 400 too many fields, 415 another
 * content type — each with a Chinese message, and nothing is parsed or stored.
 */
import type { Request } from 'express';
import { AppError, InvalidInput, TooLarge } from '../../errors.ts';
import type { FormBody } from '../../services/survey-answer-check.ts';

export const BODY_LIMIT = 100 * 1024;
export const PARAM_LIMIT = 100;
export const BODY_TOO_LARGE = '提交的内容太大，请精简后再提交';

export function readForm(req: Request): Promise<Record<string, string | string[]>> {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      return reject(new AppError(415, '提交的内容格式无效，请在问卷页面中提交'));
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > BODY_LIMIT) {
      req.resume();
      return reject(new TooLarge(BODY_TOO_LARGE));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > BODY_LIMIT) {
        refused = true;
        chunks.length = 0;
        reject(new TooLarge(BODY_TOO_LARGE));
      } else chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!refused) reject(err);
      refused = true;
    });
    req.on('end', () => {
      if (refused) return;
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      // no prototype: a field named __proto__ is just a field
      const out = Object.create(null) as Record<string, string | string[]>;
      let n = 0;
      for (const [k, v] of params) {
        if (++n > PARAM_LIMIT) return reject(new InvalidInput('表单字段太多'));
        const had = out[k];
        out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
      }
      resolve(out satisfies FormBody);
    });
  });
}
