/**
 * One Excel import (units, sites, users, assignments, results) as three steps: the table's columns
 * (parsed and checked cell by cell by src/excel), a resolution against the database that reports every
 * row it cannot place (unknown 镇街, duplicate name …) and builds a plan, and the plan's application in
 * one transaction. The runner (services/imports.ts) does all or nothing.
 */
import type { Db } from '../db/connection.ts';
import type { RowError, TableSpec } from '../excel/index.ts';
import type { CriteriaCache } from '../services/criteria-registry.ts';
import type { Actor } from '../services/access.ts';

export interface ImportCtx {
  db: Db;
  criteria: CriteriaCache;
  /** who imports (the services the plan calls ask access.ts about them) */
  actor: Actor;
  /** the same person's user id, for the rows and audit entries that name them */
  actorId: number;
  /** for round-scoped imports */
  roundId?: number;
  fileName: string;
}

export interface Resolution<Plan> {
  errors: RowError[];
  plan: Plan;
}

export interface ImportKind<Row, Plan> {
  key: string;
  /** what a row is, for messages: '单位', '点位' … */
  title: string;
  spec(ctx: Omit<ImportCtx, 'actor' | 'actorId' | 'fileName'>): TableSpec;
  resolve(rows: Array<Row & { _row: number }>, ctx: ImportCtx): Promise<Resolution<Plan>> | Resolution<Plan>;
  /** runs inside the transaction; returns how many rows it wrote */
  apply(plan: Plan, ctx: ImportCtx): number;
  /** the current list, for export and for a prefilled template */
  current?(ctx: Omit<ImportCtx, 'actor' | 'actorId' | 'fileName'>): Record<string, unknown>[];
}

/** A lookup by code or name that reports a row error when nothing matches. */
export function lookup<T>(
  errors: RowError[],
  row: number,
  column: string,
  value: string | undefined,
  find: (v: string) => T | undefined,
  what: string,
): T | undefined {
  if (value === undefined || value === '') return undefined;
  const hit = find(value);
  if (hit === undefined) errors.push({ row, column, message: `找不到${what}“${value}”` });
  return hit;
}
