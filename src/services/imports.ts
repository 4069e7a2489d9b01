/**
 * Runs an Excel import all or nothing: read and check every cell (src/excel), resolve every row against
 * the database, and only when no row has a problem apply the plan in one transaction. The answer lists
 * every problem as「第N行「列」…」 for the page.
 */
import { atomically } from '../db/connection.ts';
import { formatRowError, readTable, writeTable, writeTemplate } from '../excel/index.ts';
import type { Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { AppError } from '../errors.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { ImportKind } from '../imports/kind.ts';
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

/**
 * The import kind a URL names, or undefined. Own keys only: a plain object lookup would answer
 * "__proto__", "constructor" or "toString" with Object's own members.
 */
export function importKind(key: string): AnyKind | undefined {
  return Object.hasOwn(IMPORT_KINDS, key) ? IMPORT_KINDS[key] : undefined;
}

export type ImportOutcome = { ok: true; count: number } | { ok: false; messages: string[] };

export interface ImportEnv {
  db: Db;
  criteria: CriteriaCache;
  actorId: number;
  roundId?: number;
  fileName: string;
}

export async function runImport(kind: AnyKind, buf: Buffer, env: ImportEnv): Promise<ImportOutcome> {
  const read = await readTable<Record<string, unknown>>(buf, kind.spec(env));
  if (!read.ok && (read.fatal || !read.validRows)) return { ok: false, messages: read.messages };
  const rows = read.ok ? read.rows : read.validRows!;
  const cellErrors = read.ok ? [] : read.errors;
  if (read.ok && !rows.length) return { ok: false, messages: ['文件中没有数据行'] };
  let resolution;
  try {
    resolution = await kind.resolve(rows, env);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return { ok: false, messages: [err.message] };
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
    if (err instanceof AppError && err.status < 500) return { ok: false, messages: [err.message] };
    throw err;
  }
}

export function importTemplate(
  kind: AnyKind,
  env: Omit<ImportEnv, 'actorId' | 'fileName'>,
  prefill: boolean,
): Promise<Buffer> {
  const spec = kind.spec(env);
  return writeTemplate(spec, prefill && kind.current ? { prefill: kind.current(env) } : {});
}

export function importExport(kind: AnyKind, env: Omit<ImportEnv, 'actorId' | 'fileName'>): Promise<Buffer> {
  return writeTable(kind.spec(env), kind.current ? kind.current(env) : [], { title: `${kind.title}清单` });
}
