/**
 * unit_aliases: the names hotline platforms (and other outside lists) give a unit — 「区城管执法局」 for
 * 区城管局 — kept by the office so an imported 承办单位 finds its unit. Matched without regard to case
 * (the column's NOCASE collation); a unit's own name is matched the same way.
 */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';
import type { UnitRow } from './units.ts';

export interface UnitAliasRow {
  alias: string;
  unit_id: number;
  created_at: string;
}

export function listUnitAliases(db: Db): UnitAliasRow[] {
  return db
    .prepare('SELECT alias, unit_id, created_at FROM unit_aliases ORDER BY unit_id, alias')
    .all() as UnitAliasRow[];
}

export function findUnitAlias(db: Db, alias: string): UnitAliasRow | undefined {
  return db.prepare('SELECT alias, unit_id, created_at FROM unit_aliases WHERE alias = ?').get(alias) as
    UnitAliasRow | undefined;
}

export function insertUnitAlias(db: Db, alias: string, unitId: number): void {
  db.prepare('INSERT INTO unit_aliases (alias, unit_id, created_at) VALUES (?, ?, ?)').run(
    alias,
    unitId,
    nowIso(),
  );
}

export function deleteUnitAlias(db: Db, alias: string): void {
  db.prepare('DELETE FROM unit_aliases WHERE alias = ?').run(alias);
}

/** Units whose own name is this one, case aside (retired ones included: the caller says why they do not match). */
export function unitsNamedNoCase(db: Db, name: string): UnitRow[] {
  return db
    .prepare(
      `SELECT id, code, name, kind, department, parent_id, retired_at FROM units
       WHERE name = ? COLLATE NOCASE ORDER BY retired_at IS NOT NULL, id`,
    )
    .all(name) as UnitRow[];
}
