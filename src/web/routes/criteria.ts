/**
 * 测评体系 pages for the office: the loaded versions, one version as a readable tree with its
 * site-type × standard matrix, export to Excel, and import of a new version from the Excel template
 * (checked exactly like `npm run criteria:check`; a refused file shows the list again with every problem).
 * A version's 调查问卷 are listed on its page and each opens as residents read it, with its scoring.
 */
import { Router, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { sheetUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import {
  criteriaList,
  criteriaVersion,
  criteriaWorkbook,
  importCriteria,
} from '../../services/criteria-pages.ts';
import { presentCriteriaList, presentCriteriaVersion } from '../presenters/criteria-versions.ts';
import { questionnairePage, versionQuestionnaires } from '../../services/questionnaire-pages.ts';
import { presentQuestionnaire, presentQuestionnaireList } from '../presenters/questionnaire.ts';

export const CRITERIA_MULTIPART_ROUTES = [/^\/criteria\/import$/];

export function criteriaRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');

  function renderList(res: Response, status = 200, errors: string[] = []) {
    const versions = presentCriteriaList(criteriaList(deps, actorOf(res)));
    res.status(status).render('criteria/index', { title: '测评体系', versions, errors });
  }

  r.get('/criteria', office, (_req, res) => renderList(res));

  r.get('/criteria/:id', office, (req, res) => {
    const id = idParam(req.params.id, '测评体系版本');
    res.render('criteria/show', {
      ...presentCriteriaVersion(id, criteriaVersion(deps, actorOf(res), id)),
      questionnaires: presentQuestionnaireList(id, versionQuestionnaires(deps.db, actorOf(res), id)),
    });
  });

  // any logged-in user who may read criteria (the service asks criteria.read)
  r.get('/criteria/:id/questionnaires/:qid', (req, res) => {
    const page = questionnairePage(
      deps,
      actorOf(res),
      idParam(req.params.id, '测评体系版本'),
      idParam(req.params.qid, '调查问卷'),
    );
    res.render('criteria/questionnaire', presentQuestionnaire(page));
  });

  r.get('/criteria/:id/export.xlsx', office, async (req, res) => {
    const { fileName, buffer } = await criteriaWorkbook(
      deps,
      actorOf(res),
      idParam(req.params.id, '测评体系版本'),
    );
    attachment(res, fileName);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.send(buffer);
  });

  r.post('/criteria/import', office, ...sheetUpload(protect), async (req, res) => {
    const outcome = await importCriteria(deps, actorOf(res), req.file);
    if (!outcome.ok) return renderList(res, outcome.status, outcome.errors);
    flash(req, 'ok', `已导入测评体系“${outcome.name}”。`);
    res.redirect(303, `/criteria/${outcome.id}`);
  });

  return r;
}
