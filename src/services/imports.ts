/**
 * Runs an Excel import all or nothing: read and check every cell (src/excel), resolve every row against
 * the database, and only when no row has a problem apply the plan in one transaction. The answer lists
 * every problem as「第N行「列」…」 for the page. Every import, template and export is the office's
 * (access.ts `office.manage`); a kind or round the URL names that does not exist is a 404.
 */
import { atomically } from '../db/connection.ts';
import { formatRowError, readTable, writeTable, writeTemplate } from '../excel/index.ts';
import type { Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { findRoundById, listRounds, type RoundRow } from '../db/repos/rounds.ts';
import { AppError, NotFound } from '../errors.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { ImportCtx, ImportKind } from '../imports/kind.ts';
import { unitsImport } from '../imports/units.ts';
import { sitesImport } from '../imports/sites.ts';
import { usersImport } from '../imports/users.ts';
import { assignmentsImport } from '../imports/assignments.ts';
import { resultsImport } from '../imports/results.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = ImportKind<any, any>;

export const IMPORT_KINDS: Record<string, AnyKind> = {
  units: unitsImport,
  sites: sitesImport,
  users: usersImport,
  assignments: assignmentsImport,
  results: resultsImport,
};
export const ROUND_KINDS = new Set(['assignments', 'results']);

/** The kind a URL names, or 404. Own keys only: a plain object lookup would answer "__proto__",
 * "constructor" or "toString" with Object's own members. A round's kind is found only under a round. */
function kindAt(key: string, roundScoped: boolean): AnyKind {
  const kind = Object.hasOwn(IMPORT_KINDS, key) ? IMPORT_KINDS[key] : undefined;
  if (!kind || ROUND_KINDS.has(key) !== roundScoped) throw new NotFound('没有这种导入');
  return kind;
}

export interface ImportsCtx {
  db: Db;
  criteria: CriteriaCache;
}

/** What an import is about: the kind the URL names, and its round for a round's lists. */
export interface ImportTarget {
  kind: string;
  roundId?: number;
}

type Env = Omit<ImportCtx, 'actor' | 'actorId' | 'fileName'>;

function resolveTarget(ctx: ImportsCtx, actor: Actor, t: ImportTarget): { kind: AnyKind; env: Env } {
  canOrReject(ctx.db, actor, 'office.manage', null);
  const kind = kindAt(t.kind, t.roundId !== undefined);
  if (t.roundId === undefined) return { kind, env: { db: ctx.db, criteria: ctx.criteria } };
  if (!findRoundById(ctx.db, t.roundId)) throw new NotFound('找不到该测评轮次');
  return { kind, env: { db: ctx.db, criteria: ctx.criteria, roundId: t.roundId } };
}

export interface ImportsPage {
  kinds: { key: string; title: string; round: boolean }[];
  /** the rounds whose lists may still be imported: drafts and open rounds */
  rounds: RoundRow[];
}

export function importsPage(ctx: ImportsCtx, actor: Actor): ImportsPage {
  canOrReject(ctx.db, actor, 'office.manage', null);
  return {
    kinds: Object.entries(IMPORT_KINDS).map(([key, k]) => ({
      key,
      title: k.title,
      round: ROUND_KINDS.has(key),
    })),
    rounds: listRounds(ctx.db).filter((x) => x.status === 'open' || x.status === 'draft'),
  };
}

/** A refused import says why, with the status of the refusal (400 bad rows; 409 a round that has moved on). */
export type ImportOutcome = { ok: true; count: number } | { ok: false; messages: string[]; status?: number };

/** What the imports page says after an upload: the kind's title and the outcome. */
export type ImportResult = { kind: string } & ImportOutcome;

/** An uploaded file, as the upload middleware hands it over (absent when none was chosen). */
export interface UploadedFile {
  buffer: Buffer;
  originalname: string;
  size: number;
}

/** Imports an uploaded workbook all or nothing; a refused file answers with every message. */
export async function runImport(
  ctx: ImportsCtx,
  actor: Actor,
  target: ImportTarget,
  file: UploadedFile | undefined,
): Promise<ImportResult> {
  const { kind, env } = resolveTarget(ctx, actor, target);
  const user = userOf(actor);
  if (!file || file.size === 0)
    return { kind: kind.title, ok: false, messages: ['请选择要导入的 Excel 文件（.xlsx）'] };
  const outcome = await importRows(kind, file.buffer, {
    ...env,
    actor: user,
    actorId: user.id,
    fileName: file.originalname,
  });
  return { kind: kind.title, ...outcome };
}

/** Reads, checks and applies one workbook of a kind, all or nothing (also the 12345 import's runner). */
export async function importRows(kind: AnyKind, buf: Buffer, env: ImportCtx): Promise<ImportOutcome> {
  const read = await readTable<Record<string, unknown>>(buf, kind.spec(env));
  if (!read.ok && (read.fatal || !read.validRows)) return { ok: false, messages: read.messages };
  const rows = read.ok ? read.rows : read.validRows!;
  const cellErrors = read.ok ? [] : read.errors;
  if (read.ok && !rows.length) return { ok: false, messages: ['文件中没有数据行'] };
  let resolution;
  try {
    resolution = await kind.resolve(rows, env);
  } catch (err) {
    if (err instanceof AppError && err.status < 500)
      return { ok: false, messages: [err.message], status: err.status };
    throw err;
  }
  if (resolution.errors.length || cellErrors.length) {
    const sorted = [...cellErrors, ...resolution.errors].sort((a, b) => a.row - b.row);
    return {
      ok: false,
      messages: sorted
        .slice(0, 200)
        .map(formatRowError)
        .concat(sorted.length > 200 ? [`……另有 ${sorted.length - 200} 处错误`] : []),
    };
  }
  try {
    const count = atomically(env.db, () => {
      const n = kind.apply(resolution.plan, env);
      appendAudit(env.db, {
        userId: env.actorId,
        action: 'import.apply',
        entity: kind.key,
        roundId: env.roundId ?? null,
        detail: { kind: kind.title, file: env.fileName, rows: n },
      });
      return n;
    });
    return { ok: true, count };
  } catch (err) {
    if (err instanceof AppError && err.status < 500)
      return { ok: false, messages: [err.message], status: err.status };
    throw err;
  }
}

/** A workbook to download: its file name and bytes. */
export interface Workbook {
  fileName: string;
  buffer: Buffer;
}

/** The kind's empty template (a round's results: pre-filled with its sites and their standards). */
export async function importTemplate(ctx: ImportsCtx, actor: Actor, target: ImportTarget): Promise<Workbook> {
  const { kind, env } = resolveTarget(ctx, actor, target);
  const prefill = kind.key === 'results' && kind.current ? { prefill: kind.current(env) } : {};
  return { fileName: `${kind.title}导入模板.xlsx`, buffer: await writeTemplate(kind.spec(env), prefill) };
}

/** The kind's current list, in the import's own columns. */
export async function importExport(ctx: ImportsCtx, actor: Actor, target: ImportTarget): Promise<Workbook> {
  const { kind, env } = resolveTarget(ctx, actor, target);
  const buffer = await writeTable(kind.spec(env), kind.current ? kind.current(env) : [], {
    title: `${kind.title}清单`,
  });
  return { fileName: `${kind.title}清单.xlsx`, buffer };
}
