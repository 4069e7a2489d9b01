/**
 * Who is keeping up (/units/standing and its workbook /units/standing.xlsx): responsible units and 包联
 * units ranked on their problems, document tasks and 得分率 over a period. The service decides who may
 * (the office; a 包联 leader, their own units) and refuses a bad period or 来源 with a 400.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { attachment } from '../download.ts';
import { unitStandingPage } from '../../services/unit-standing.ts';
import { unitStandingWorkbook } from '../../export/unit-standing.ts';
import { presentStanding } from '../presenters/unit-standing.ts';

export function unitStandingRouter(deps: AppDeps, _protect: RequestHandler): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria };
  const load = (req: Request, res: Response) => unitStandingPage(ctx, actorOf(res), req.query);

  r.get('/units/standing', (req, res) => {
    res.render('standing/index', { title: '单位整改排名', page: presentStanding(load(req, res)) });
  });

  r.get('/units/standing.xlsx', async (req, res) => {
    const page = load(req, res);
    const buf = await unitStandingWorkbook(page);
    attachment(res, `单位整改排名-${page.filter.from}至${page.filter.to}.xlsx`);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.send(buf);
  });
  return r;
}
