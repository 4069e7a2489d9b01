/**
 * Per-address throttling of the public pages, before any body is read: at most `perMinute` requests in a
 * fixed one-minute window per client address (req.ip, so behind a trusted proxy the forwarded address).
 * Generous by default (config.publicRateLimit: many phones share a carrier's address). Kept in memory
 * in a bounded map: when it holds MAX_ADDRESSES, windows that are over are dropped, and if none are, the
 * oldest half. Over the limit: 429 with Retry-After and a Chinese page.
 */
import type { NextFunction, Request, Response } from 'express';

const MAX_ADDRESSES = 50_000;
const WINDOW_MS = 60_000;

export const THROTTLED = '访问太频繁，请稍等一分钟后再试';

export function throttle(
  perMinute: number,
  refuse: (req: Request, res: Response, retryAfterSeconds: number) => void,
) {
  const windows = new Map<string, { start: number; count: number }>();
  const prune = (now: number) => {
    for (const [addr, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(addr);
    if (windows.size >= MAX_ADDRESSES) {
      let drop = windows.size / 2;
      for (const addr of windows.keys()) {
        if (drop-- <= 0) break;
        windows.delete(addr);
      }
    }
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    const addr = req.ip ?? req.socket.remoteAddress ?? '';
    let w = windows.get(addr);
    if (!w || now - w.start >= WINDOW_MS) {
      if (!w && windows.size >= MAX_ADDRESSES) prune(now);
      w = { start: now, count: 0 };
      windows.set(addr, w);
    }
    w.count += 1;
    if (w.count > perMinute) {
      const retry = Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000));
      res.set('Retry-After', String(retry));
      return refuse(req, res, retry);
    }
    next();
  };
}
