/**
 * The 网上申报 package of a round, for the office only (`task.review` with no task: the office's
 * review rights): what it holds (db/repos/materials.ts), where each file goes and the index rows
 * (export/materials-zip.ts), ready to be streamed. A file whose bytes are not on disk as recorded is
 * listed in the index as missing and left out, so a damaged upload folder never yields a broken zip.
 */
import { statSync } from 'node:fs';
import type { Db } from '../db/connection.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { packagedFiles, returnedTaskCount } from '../db/repos/materials.ts';
import { documentPath } from '../documents/store.ts';
import { indexWorkbook, planPackage, type PackagePlan } from '../export/materials-zip.ts';
import { NotFound } from '../errors.ts';
import { formatShanghai, nowIso } from '../util/time.ts';
import { canOrReject, type Actor } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';

export interface MaterialsCtx {
  db: Db;
  criteria: CriteriaCache;
  uploadDir: string;
}

export interface MaterialsPackage {
  /** the download's name: the round's name + 申报材料.zip */
  fileName: string;
  plan: PackagePlan;
  /** the index workbook's bytes */
  index: Buffer;
}

export async function materialsPackage(
  ctx: MaterialsCtx,
  actor: Actor,
  roundId: number,
): Promise<MaterialsPackage> {
  canOrReject(ctx.db, actor, 'task.review', null, '申报材料包仅供创城办下载');
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  const version = ctx.criteria.get(round.criteria_version_id);
  const rows = packagedFiles(ctx.db, roundId);
  const sourceOf = (sha256: string) => documentPath(ctx.uploadDir, sha256);
  const plan = planPackage(
    rows,
    version,
    sourceOf,
    (row) => statSync(sourceOf(row.sha256), { throwIfNoEntry: false })?.size === row.bytes,
  );
  const index = await indexWorkbook(plan, {
    roundName: round.name,
    returnedTasks: returnedTaskCount(ctx.db, roundId),
    madeAt: formatShanghai(nowIso()),
  });
  return { fileName: `${round.name}申报材料.zip`, plan, index };
}
