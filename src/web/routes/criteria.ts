/**
 * 测评体系 pages for the office: the loaded versions, one version as a readable tree with its
 * site-type × standard matrix, export to Excel, and import of a new version from the Excel template
 * (checked exactly like `npm run criteria:check`).
 */
import { Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { allow, currentUser } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { sheetUpload } from '../middleware/uploads.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import { listCriteriaVersions } from '../../db/repos/criteria-versions.ts';
import { listRounds } from '../../db/repos/rounds.ts';
import { importCriteriaVersion } from '../../services/criteria-registry.ts';
import { criteriaFromWorkbook } from '../../criteria/excel-read.ts';
import { criteriaToWorkbook } from '../../criteria/excel-write.ts';
import { METHOD_NAMES, RESPONSIBLE_UNIT_NAMES } from '../../labels.ts';
import { scoringText } from '../presenters/sheet.ts';
import { ruleLines } from '../presenters/rules.ts';
import { formatShanghai } from '../../util/time.ts';
import type { RequestHandler } from 'express';

export const CRITERIA_MULTIPART_ROUTES = [/^\/criteria\/import$/];

export function criteriaRouter(deps: AppDeps, protect: RequestHandler): Router {
  const r = Router();
  const office = allow(deps.db, 'office.manage');

  function renderList(res: Parameters<RequestHandler>[1], status = 200, errors: string[] = []) {
    const rounds = listRounds(deps.db);
    const versions = listCriteriaVersions(deps.db).map((v) => {
      const c = deps.criteria.get(v.id);
      return {
        ...v,
        loadedAt: formatShanghai(v.loaded_at),
        standards: c.standards.length,
        field: c.standards.filter((s) => s.method === 'field').length,
        siteTypes: c.version.siteTypes.length,
        rounds: rounds.filter((x) => x.criteria_version_id === v.id).length,
      };
    });
    res.status(status).render('criteria/index', { title: '测评体系', versions, errors });
  }

  r.get('/criteria', office, (_req, res) => renderList(res));

  r.get('/criteria/:id', office, (req, res) => {
    const id = idParam(req.params.id, '测评体系版本');
    const c = deps.criteria.get(id);
    const v = c.version;
    res.render('criteria/show', {
      title: v.name,
      id,
      v,
      items: v.items.map((item) => ({
        ...item,
        contents: item.contents.map((content) => ({
          ...content,
          standards: content.standards.map((s) => ({
            ...s,
            methodName: METHOD_NAMES[s.method],
            scoringText: scoringText(s.points, s.scoring),
            responsible:
              s.responsibleUnit.kind === 'department'
                ? s.responsibleUnit.department
                : RESPONSIBLE_UNIT_NAMES[s.responsibleUnit.kind],
            types: new Set(s.siteTypes),
          })),
        })),
      })),
      rules: ruleLines(v),
      matrixTypes: v.siteTypes,
      fieldStandards: c.standards.filter((s) => s.method === 'field'),
    });
  });

  r.get('/criteria/:id/export.xlsx', office, async (req, res) => {
    const id = idParam(req.params.id, '测评体系版本');
    const c = deps.criteria.get(id);
    const buf = await criteriaToWorkbook(c.version);
    attachment(res, `测评体系-${c.version.code}.xlsx`);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.send(buf);
  });

  r.post('/criteria/import', office, ...sheetUpload(protect), async (req, res) => {
    const file = req.file;
    if (!file || file.size === 0) return renderList(res, 400, ['请选择要导入的 Excel 文件（.xlsx）']);
    const result = await criteriaFromWorkbook(file.buffer);
    if (!result.ok) return renderList(res, 400, result.errors);
    let id: number;
    try {
      id = importCriteriaVersion(deps.db, result.version, file.originalname, currentUser(res).id);
    } catch (err) {
      if (err instanceof Error && 'status' in err && (err as { status: number }).status < 500)
        return renderList(res, (err as { status: number }).status, [err.message]);
      throw err;
    }
    flash(req, 'ok', `已导入测评体系“${result.version.name}”。`);
    res.redirect(303, `/criteria/${id}`);
  });

  return r;
}
