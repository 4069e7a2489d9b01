/**
 * A round's survey figures and workbooks (/rounds/<id>/surveys/results …), for the office: the results
 * page (rates with margins, points, 样本不足, progress per 社区 and per day), every answer as a streamed
 * workbook, and the summary per 社区, 镇街 and the district. The services refuse (404 / 403 / 409)
 * before a byte is sent, so a refused download is an error page, never half a file.
 */
import { Router, type Request } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import { surveyReport } from '../../services/survey-report.ts';
import { surveyAnswersExport, surveySummaryExport } from '../../services/survey-report-exports.ts';
import { presentSurveyReport } from '../presenters/survey-results.ts';
import { writeAnswersWorkbook } from '../../export/survey-answers.ts';
import { surveySummaryWorkbook } from '../../export/survey-summary.ts';

export function surveyResultsRouter(deps: AppDeps): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria };
  const round = (req: Request) => idParam(req.params.id, '测评轮次');

  r.get('/rounds/:id/surveys/results', (req, res) => {
    const view = presentSurveyReport(surveyReport(ctx, actorOf(res), round(req)));
    res.render('surveys/results', { title: `问卷调查结果 · ${view.round.name}`, view });
  });

  r.get('/rounds/:id/surveys/answers.xlsx', async (req, res) => {
    const data = surveyAnswersExport(ctx, actorOf(res), round(req));
    attachment(res, `问卷答卷-${data.round.name}.xlsx`);
    // a download manager checking the link is answered without writing every answer
    if (req.method === 'HEAD') return void res.end();
    await writeAnswersWorkbook(data, res);
  });

  r.get('/rounds/:id/surveys/summary.xlsx', async (req, res) => {
    const data = surveySummaryExport(ctx, actorOf(res), round(req));
    const buf = await surveySummaryWorkbook(data);
    attachment(res, `问卷汇总-${data.report.round.name}.xlsx`);
    res.send(buf);
  });

  return r;
}
