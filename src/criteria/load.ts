/**
 * Reads the criteria files shipped in criteria/ and indexes a version for fast look-ups
 * (standard by code, standards per site type). No Express, no database.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCriteriaText, formatIssues } from './check.ts';
import type { CriteriaVersion, Item, Content, Standard, SiteType } from './schema.ts';

export const CRITERIA_DIR = resolve(fileURLToPath(new URL('../../criteria/', import.meta.url)));

export class CriteriaFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CriteriaFileError';
  }
}

/** A standard with the names of the branches it hangs from. */
export interface IndexedStandard extends Standard {
  item: Pick<Item, 'code' | 'name'>;
  content: Pick<Content, 'code' | 'name'>;
}

export interface IndexedCriteria {
  version: CriteriaVersion;
  standards: IndexedStandard[];
  byCode: Map<string, IndexedStandard>;
  siteTypes: Map<string, SiteType>;
  /** field standards that apply to a site type, in file order */
  forSiteType(siteTypeCode: string): IndexedStandard[];
}

export function indexCriteria(version: CriteriaVersion): IndexedCriteria {
  const standards: IndexedStandard[] = [];
  for (const item of version.items)
    for (const content of item.contents)
      for (const s of content.standards)
        standards.push({
          ...s,
          item: { code: item.code, name: item.name },
          content: { code: content.code, name: content.name },
        });
  const byCode = new Map(standards.map((s) => [s.code, s]));
  const siteTypes = new Map(version.siteTypes.map((t) => [t.code, t]));
  const perType = new Map<string, IndexedStandard[]>();
  for (const s of standards) {
    if (s.method !== 'field') continue;
    for (const t of s.siteTypes) {
      const list = perType.get(t) ?? [];
      list.push(s);
      perType.set(t, list);
    }
  }
  return {
    version,
    standards,
    byCode,
    siteTypes,
    forSiteType: (t) => perType.get(t) ?? [],
  };
}

export interface LoadedFile {
  file: string;
  text: string;
  version: CriteriaVersion;
}

/** Loads and checks one file; throws CriteriaFileError with every problem listed. */
export function loadCriteriaFile(path: string): LoadedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CriteriaFileError(`${path}: 无法读取文件：${(err as Error).message}`);
  }
  const result = checkCriteriaText(text);
  if (!result.ok) throw new CriteriaFileError(formatIssues(path, result.issues));
  return { file: path, text, version: result.version };
}

export function shippedCriteriaFiles(dir = CRITERIA_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => join(dir, f));
}

/** Loads every shipped version; all problems of all files in one error. */
export function loadShippedCriteria(dir: string = CRITERIA_DIR): LoadedFile[] {
  const loaded: LoadedFile[] = [];
  const errors: string[] = [];
  let files: string[];
  try {
    files = shippedCriteriaFiles(dir);
  } catch (err) {
    throw new CriteriaFileError(`${dir}: 无法读取测评体系目录：${(err as Error).message}`);
  }
  if (!files.length) throw new CriteriaFileError(`${dir}: 目录中没有测评体系文件（*.json）`);
  for (const file of files) {
    try {
      loaded.push(loadCriteriaFile(file));
    } catch (err) {
      if (err instanceof CriteriaFileError) errors.push(err.message);
      else throw err;
    }
  }
  const codes = new Map<string, string>();
  for (const l of loaded) {
    const other = codes.get(l.version.code);
    if (other) errors.push(`${l.file}: code: 版本编码 "${l.version.code}" 与 ${other} 重复`);
    codes.set(l.version.code, l.file);
  }
  if (errors.length) throw new CriteriaFileError(errors.join('\n'));
  return loaded;
}
