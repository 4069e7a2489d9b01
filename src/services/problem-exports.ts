/**
 * The problems on paper: a unit's printable 整改通知单 (its open and fixed problems, each standard named
 * by its text) and the 整改清单 workbook of a round (the board's filters, within what the actor may list).
 * Both are the office's and a unit's (`problem.export`); a unit's are always its own problems.
 */
import type { Writable } from 'node:stream';
import type { Db } from '../db/connection.ts';
import type { UnitRow } from '../db/repos/units.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { listProblems, type ProblemListRow } from '../db/repos/problems.ts';
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

/**
 * The 整改清单 workbook of a round: its name, and the writer that streams it. `baseUrl` is where its
 * photo links point; `ensureThumb` makes a photo's thumbnail not made yet (photos/versions.ts).
 */
export function problemsWorkbook(
  ctx: ProblemExportCtx,
  actor: Actor,
  roundId: number,
  q: ProblemQuery,
  links: { baseUrl: string; ensureThumb: (photo: PhotoRow) => Promise<void> },
): { fileName: string; write: (out: Writable) => Promise<void> } {
  const { db } = ctx;
  canOrReject(db, actor, 'problem.export', null);
  const round = requireRound(db, roundId);
  const filter = { ...problemFilter(db, actor, q), roundId: round.id };
  const fileName = `整改清单-${round.name}.xlsx`;
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
          makeThumb: async (photoId) => {
            const photo = findPhoto(db, photoId);
            if (photo) await links.ensureThumb(photo);
          },
        },
        out,
      ),
  };
}
