/**
 * Ask first. A consequential form action (close a round, publish, withdraw, submit a sheet, delete a
 * photo) that arrives without `confirmed=1` is answered with a confirmation page saying what will
 * happen, whose one button posts the same form again with `confirmed=1`. Nothing has changed until
 * then. A plain page works by touch and without JavaScript; a page with a script may add
 * `confirmed=1` itself after asking in place.
 */
import type { Request, Response } from 'express';
import { body } from './forms.ts';

export interface Confirmation {
  /** the page's heading, e.g. 结束轮次？ */
  title: string;
  /** what will happen, in plain words */
  message: string;
  /** further consequences, one per line */
  details?: string[];
  /** the button's label, e.g. 确认结束 */
  confirmLabel: string;
  /** where 取消 leads */
  back: string;
  /** true for something that cannot be undone: the button is drawn as a warning */
  danger?: boolean;
}

/** True when the request carries `confirmed=1`: the person was asked already. */
export function confirmed(req: Request): boolean {
  return body(req).confirmed === '1';
}

/** Renders the confirmation page and returns true, unless the request carries `confirmed=1`. */
export function askFirst(req: Request, res: Response, c: Confirmation): boolean {
  if (confirmed(req)) return false;
  const form = body(req);
  // the typed fields travel with the confirmation, so the second post is the same action
  const carry: { name: string; value: string }[] = [];
  for (const [name, v] of Object.entries(form)) {
    if (name === '_csrf' || name === 'confirmed') continue;
    for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v])
      if (typeof value === 'string') carry.push({ name, value });
  }
  res.status(200).render('confirm/ask', {
    title: c.title,
    confirm: { ...c, details: c.details ?? [], danger: c.danger ?? false, action: req.originalUrl, carry },
  });
  return true;
}
