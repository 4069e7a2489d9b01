/**
 * The problems on paper: a unit's printable 整改通知单 (its open and fixed problems of every source, each
 * standard named by its text), the 整改清单 workbook of a round, and the board's workbook (every source,
 * across rounds, as the board is filtered) — the board's filters, within what the actor may list. All are
 * the office's and a unit's (`problem.export`); a unit's are always its own problems.
 */
import type { Writable } from 'node:stream';
import type { Db } from '../db/connection.ts';
import type { UnitRow } from '../db/repos/units.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { listProblems, type ProblemFilter, type ProblemListRow } from '../db/repos/problems.ts';
import { findUnitById, unitSubtreeIds } from '../db/repos/units.ts';
import { siteTypeNames } from '../db/repos/places.ts';
import { findPhoto, type PhotoRow } from '../db/repos/photos.ts';
import { writeProblemsWorkbook } from '../export/problems-xlsx.ts';
import { InvalidInput, NotFound } from '../errors.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { canOrReject, type Actor } from './access.ts';
import { requireRound } from './rounds.ts';
import { problemStandard } from './problems.ts';
import { problemFilter, type ProblemQuery } from './problem-board.ts';
import { shanghaiDate } from '../util/time.ts';

export interface ProblemExportCtx {
  db: Db;
  criteria: CriteriaCache;
  uploadDir: string;
}

export interface ProblemNotice {
  unit: UnitRow;
  /** the round asked for (undefined: every round) */
  round: RoundRow | undefined;
  rows: (ProblemListRow & { standardText: string })[];
  siteTypes: Map<string, string>;
}

/**
 * A unit's 整改通知单: its subtree's problems still to fix or to re-inspect, of one round or all. A unit
 * user always gets its own; the office names the unit.
 */
export function problemNotice(
  ctx: ProblemExportCtx,
  actor: Actor,
  /** the office's choice of unit (NaN: not a unit id; a unit user's own is used whatever it says) */
  q: { unitId: number | null; roundId: number | null },
): ProblemNotice {
  const { db } = ctx;
  canOrReject(db, actor, 'problem.export', null);
  const unitId = actor.role === 'unit' ? actor.unit_id : q.unitId;
  if (unitId === null || Number.isNaN(unitId)) throw new InvalidInput('请选择单位');
  const unit = findUnitById(db, unitId);
  if (!unit) throw new NotFound('找不到该单位');
  const round = q.roundId === null ? undefined : requireRound(db, q.roundId);
  const rows = listProblems(db, {
    unitIds: unitSubtreeIds(db, unitId),
    roundId: q.roundId,
    status: null,
  }).filter((p) => p.status === 'open' || p.status === 'fixed');
  // a problem's standard named by its text in the version its round was scored with (or, from outside
  // rounds, the one it was recorded under)
  const standardText = (p: ProblemListRow): string => problemStandard(db, ctx.criteria, p)?.text ?? '';
  return {
    unit,
    round,
    rows: rows.map((p) => ({ ...p, standardText: standardText(p) })),
    siteTypes: siteTypeNames(db),
  };
}

/** Where a workbook's photo links point, and how to make a thumbnail not made yet. */
export interface WorkbookLinks {
  baseUrl: string;
  ensureThumb: (photo: PhotoRow) => Promise<void>;
}

/** A workbook's file name, and the writer that streams it. */
export interface Workbook {
  fileName: string;
  write: (out: Writable) => Promise<void>;
}

/**
 * The 整改清单 workbook of a round: its name, and the writer that streams it. `baseUrl` is where its
 * photo links point; `ensureThumb` makes a photo's thumbnail not made yet (photos/versions.ts).
 */
export function problemsWorkbook(
  ctx: ProblemExportCtx,
  actor: Actor,
  roundId: number,
  q: ProblemQuery,
  links: WorkbookLinks,
): Workbook {
  const { db } = ctx;
  canOrReject(db, actor, 'problem.export', null);
  const round = requireRound(db, roundId);
  const filter = { ...problemFilter(db, actor, q), roundId: round.id };
  return workbookOf(ctx, { filter, fileName: `整改清单-${round.name}.xlsx`, board: false }, links);
}

/**
 * The board's workbook: every problem the board lists with the same query (every source, any round or
 * none), with 轮次, 工单号 and 地址 beside the 整改清单 columns.
 */
export function boardWorkbook(
  ctx: ProblemExportCtx,
  actor: Actor,
  q: ProblemQuery,
  links: WorkbookLinks,
): Workbook {
  canOrReject(ctx.db, actor, 'problem.export', null);
  const filter = problemFilter(ctx.db, actor, q);
  return workbookOf(ctx, { filter, fileName: `问题清单-${shanghaiDate()}.xlsx`, board: true }, links);
}

function workbookOf(
  ctx: ProblemExportCtx,
  { filter, fileName, board }: { filter: ProblemFilter; fileName: string; board: boolean },
  links: WorkbookLinks,
): Workbook {
  const { db } = ctx;
  return {
    fileName,
    write: (out) =>
      writeProblemsWorkbook(
        {
          db,
          criteria: ctx.criteria,
          uploadDir: ctx.uploadDir,
          baseUrl: links.baseUrl,
          filter,
          siteTypeNames: siteTypeNames(db),
          title: fileName,
          board,
          makeThumb: async (photoId) => {
            const photo = findPhoto(db, photoId);
            if (photo) await links.ensureThumb(photo);
          },
        },
        out,
      ),
  };
}
