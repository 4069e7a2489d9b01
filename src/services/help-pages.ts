/**
 * Help for logged-in users: the user guide (docs/用户指南.md) and operations guide (docs/运维指南.md)
 * rendered from their markdown, so the 帮助 links work on a tablet without GitHub, and the guides'
 * screenshots (docs/images). The files are ours (no user input); marked's output has no inline scripts
 * or styles, so the CSP stays as it is. The 计分规则说明 page's versions come from criteria-pages.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Marked } from 'marked';
import { NotFound } from '../errors.ts';
import { userOf, type Actor } from './access.ts';

const DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));
export const GUIDE_IMAGES_DIR = join(DOCS_DIR, 'images');

export const GUIDES = {
  guide: { file: '用户指南.md', title: '用户指南' },
  ops: { file: '运维指南.md', title: '运维指南' },
} as const;
export type GuideKey = keyof typeof GUIDES;

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
function renderGuide(file: string): string | null {
  const path = join(DOCS_DIR, file);
  if (!existsSync(path)) return null;
  const { mtimeMs } = statSync(path);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.html;
  const html = rewriteLinks(marked.parse(readFileSync(path, 'utf8')) as string);
  cache.set(file, { mtimeMs, html });
  return html;
}

/** A guide's title and HTML (404 when its file is missing). */
export function guidePage(actor: Actor, key: GuideKey): { title: string; html: string } {
  userOf(actor);
  const guide = GUIDES[key];
  const html = renderGuide(guide.file);
  if (html === null) throw new NotFound(`没有找到${guide.title}（docs/${guide.file}）`);
  return { title: guide.title, html };
}

/** The file name of one of the guides' screenshots, checked to be one (404 otherwise). */
export function guideImage(actor: Actor, file: string): string {
  userOf(actor);
  if (!/^[\w-]+\.png$/.test(file) || !existsSync(join(GUIDE_IMAGES_DIR, file)))
    throw new NotFound('没有找到这张图片');
  return file;
}
