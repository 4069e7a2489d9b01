/**
 * The 测评体系 as pages use it: the office's list of loaded versions (with how many rounds use each), one
 * version, its Excel export, the import of a new version from the Excel template (checked exactly like
 * `npm run criteria:check`), the versions a new round may choose, and every version's rules for the
 * 计分规则说明 help page (any logged-in user). Access is asked of access.ts for each.
 */
import type { Db } from '../db/connection.ts';
import { listCriteriaVersions, type CriteriaVersionRow } from '../db/repos/criteria-versions.ts';
import { listRounds } from '../db/repos/rounds.ts';
import type { IndexedCriteria } from '../criteria/load.ts';
import { criteriaFromWorkbook } from '../criteria/excel-read.ts';
import { criteriaToWorkbook } from '../criteria/excel-write.ts';
import { Conflict } from '../errors.ts';
import { canOrReject, type Actor } from './access.ts';
import { importCriteriaVersion, type CriteriaCache } from './criteria-registry.ts';
import type { UploadedFile, Workbook } from './imports.ts';

export interface CriteriaCtx {
  db: Db;
  criteria: CriteriaCache;
}

/** A loaded version: its row (without the stored content) and the version itself, indexed. */
export interface LoadedVersion {
  row: Omit<CriteriaVersionRow, 'content'>;
  criteria: IndexedCriteria;
}

function loadedVersions(ctx: CriteriaCtx): LoadedVersion[] {
  return listCriteriaVersions(ctx.db).map((row) => ({ row, criteria: ctx.criteria.get(row.id) }));
}

/** The 测评体系 page: every version, oldest first, with the number of rounds that use it. */
export function criteriaList(ctx: CriteriaCtx, actor: Actor): (LoadedVersion & { rounds: number })[] {
  canOrReject(ctx.db, actor, 'office.manage', null);
  const rounds = listRounds(ctx.db);
  return loadedVersions(ctx).map((v) => ({
    ...v,
    rounds: rounds.filter((r) => r.criteria_version_id === v.row.id).length,
  }));
}

/** One version (404 when there is none with this id). */
export function criteriaVersion(ctx: CriteriaCtx, actor: Actor, id: number): IndexedCriteria {
  canOrReject(ctx.db, actor, 'office.manage', null);
  return ctx.criteria.get(id);
}

/** One version as the Excel template it could be imported from. */
export async function criteriaWorkbook(ctx: CriteriaCtx, actor: Actor, id: number): Promise<Workbook> {
  const { version } = criteriaVersion(ctx, actor, id);
  return { fileName: `测评体系-${version.code}.xlsx`, buffer: await criteriaToWorkbook(version) };
}

export type CriteriaImportOutcome =
  { ok: true; id: number; name: string } | { ok: false; status: 400 | 409; errors: string[] };

/**
 * Imports a version from an uploaded workbook. A refused file answers with every problem found in it
 * (400), a code already loaded with the reason (409): the page shows them above the upload form.
 */
export async function importCriteria(
  ctx: CriteriaCtx,
  actor: Actor,
  file: UploadedFile | undefined,
): Promise<CriteriaImportOutcome> {
  canOrReject(ctx.db, actor, 'office.manage', null);
  if (!file || file.size === 0)
    return { ok: false, status: 400, errors: ['请选择要导入的 Excel 文件（.xlsx）'] };
  const read = await criteriaFromWorkbook(file.buffer);
  if (!read.ok) return { ok: false, status: 400, errors: read.errors };
  try {
    return {
      ok: true,
      id: importCriteriaVersion(ctx.db, actor, read.version, file.originalname),
      name: read.version.name,
    };
  } catch (err) {
    if (err instanceof Conflict) return { ok: false, status: 409, errors: [err.message] };
    throw err;
  }
}

/** The versions a new round may be frozen to (新建轮次). */
export function criteriaChoices(ctx: CriteriaCtx, actor: Actor): LoadedVersion[] {
  canOrReject(ctx.db, actor, 'office.manage', null);
  return loadedVersions(ctx);
}

/** Every loaded version, for 计分规则说明 (each ends with its own rules). */
export function scoringRulesVersions(ctx: CriteriaCtx, actor: Actor): LoadedVersion[] {
  canOrReject(ctx.db, actor, 'criteria.read', null);
  return loadedVersions(ctx);
}
