/**
 * Help pages: 计分规则说明, and the user guide (docs/用户指南.md) and operations guide (docs/运维指南.md)
 * rendered from their markdown inside the app's layout, so the 帮助 links work on a tablet without
 * GitHub. The files are ours (no user input); marked's output has no inline scripts or styles, so the
 * CSP stays as it is. Images are served from docs/images under /help/images/. 计分规则说明 ends with each
 * loaded criteria version's own rules, in words written from the values the version sets.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Router } from 'express';
import { Marked } from 'marked';
import { NotFound } from '../../errors.ts';
import type { AppDeps } from '../../app.ts';
import { listCriteriaVersions } from '../../db/repos/criteria-versions.ts';
import { ruleLines } from '../presenters/rules.ts';
import { AGGREGATION_NAMES, RESULT_NAMES } from '../../labels.ts';

const DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));
const IMAGES_DIR = join(DOCS_DIR, 'images');

export const GUIDES = {
  guide: { file: '用户指南.md', title: '用户指南' },
  ops: { file: '运维指南.md', title: '运维指南' },
} as const;

const marked = new Marked({ gfm: true, async: false });

/** Relative links of the markdown (images/…, the other guide, the README) made to work inside the app. */
function rewriteLinks(html: string): string {
  return html
    .replace(/(src|href)="(?:\.\/)?images\/([\w.-]+\.png)"/g, '$1="/help/images/$2"')
    .replace(
      /href="(?:\.\/)?(?:用户指南|%E7%94%A8%E6%88%B7%E6%8C%87%E5%8D%97)\.md(#[^"]*)?"/g,
      'href="/help/guide$1"',
    )
    .replace(
      /href="(?:\.\/)?(?:运维指南|%E8%BF%90%E7%BB%B4%E6%8C%87%E5%8D%97)\.md(#[^"]*)?"/g,
      'href="/help/ops$1"',
    );
}

const cache = new Map<string, { mtimeMs: number; html: string }>();

/** The guide as HTML, re-rendered when the file changes; null when the file is not there. */
export function renderGuide(file: string): string | null {
  const path = join(DOCS_DIR, file);
  if (!existsSync(path)) return null;
  const { mtimeMs } = statSync(path);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.html;
  const html = rewriteLinks(marked.parse(readFileSync(path, 'utf8')) as string);
  cache.set(file, { mtimeMs, html });
  return html;
}

export function helpRouter(deps: Pick<AppDeps, 'db' | 'criteria'>): Router {
  const r = Router();
  r.get('/help/scoring', (_req, res) =>
    res.render('help/scoring', {
      title: '计分规则说明',
      resultNames: RESULT_NAMES,
      aggregationNames: AGGREGATION_NAMES,
      versions: listCriteriaVersions(deps.db).map((row) => ({
        id: row.id,
        name: `${row.name}（${row.version}）`,
        rules: ruleLines(deps.criteria.get(row.id).version),
      })),
    }),
  );
  for (const [key, guide] of Object.entries(GUIDES)) {
    r.get(`/help/${key}`, (_req, res, next) => {
      const html = renderGuide(guide.file);
      if (html === null) return next(new NotFound(`没有找到${guide.title}（docs/${guide.file}）`));
      res.render('help/guide', { title: guide.title, html });
    });
  }
  r.get('/help/images/:file', (req, res, next) => {
    const file = req.params.file;
    if (!/^[\w-]+\.png$/.test(file) || !existsSync(join(IMAGES_DIR, file)))
      return next(new NotFound('没有找到这张图片'));
    res.sendFile(file, { root: IMAGES_DIR, maxAge: '1h' });
  });
  return r;
}
