/** Help pages (the guide proper lives in docs/; these explain the rules on the spot). */
import { Router } from 'express';

export function helpRouter(): Router {
  const r = Router();
  r.get('/help/scoring', (_req, res) => res.render('help/scoring', { title: '计分规则说明' }));
  return r;
}
