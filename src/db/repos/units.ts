/** units: 责任单位 / 包保单位 as a tree, and 包联 links between units and communities. */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export type UnitKind = 'street' | 'community' | 'department' | 'other';

export interface UnitRow {
  id: number;
  code: string;
  name: string;
  kind: UnitKind;
  department: string | null;
  parent_id: number | null;
  retired_at: string | null;
}

const COLUMNS = 'id, code, name, kind, department, parent_id, retired_at';

export interface NewUnit {
  code: string;
  name: string;
  kind: UnitKind;
  department?: string | null;
  parentId?: number | null;
}

export function insertUnit(db: Db, u: NewUnit): number {
  const r = db
    .prepare(
      `INSERT INTO units (code, name, kind, department, parent_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(u.code, u.name, u.kind, u.department ?? null, u.parentId ?? null, nowIso());
  return Number(r.lastInsertRowid);
}

export function findUnitById(db: Db, id: number): UnitRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM units WHERE id = ?`).get(id) as UnitRow | undefined;
}

export function findUnitByCodeOrName(db: Db, key: string): UnitRow | undefined {
  return db
    .prepare(`SELECT ${COLUMNS} FROM units WHERE code = ? OR name = ? ORDER BY code = ? DESC LIMIT 1`)
    .get(key, key, key) as UnitRow | undefined;
}

export function listUnits(db: Db): UnitRow[] {
  return db.prepare(`SELECT ${COLUMNS} FROM units ORDER BY kind, code`).all() as UnitRow[];
}

/** The ids of a unit and every unit below it (a unit user acts for its subtree). */
export function unitSubtreeIds(db: Db, unitId: number): number[] {
  return db
    .prepare(
      `WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
       SELECT id FROM sub`,
    )
    .pluck()
    .all(unitId) as number[];
}

export function addLiaison(db: Db, communityId: number, unitId: number): void {
  db.prepare('INSERT OR IGNORE INTO community_liaisons (community_id, unit_id) VALUES (?, ?)').run(
    communityId,
    unitId,
  );
}

export function liaisonCommunityIds(db: Db, unitIds: number[]): number[] {
  if (!unitIds.length) return [];
  return db
    .prepare(
      `SELECT DISTINCT community_id FROM community_liaisons
       WHERE unit_id IN (SELECT value FROM json_each(?))`,
    )
    .pluck()
    .all(JSON.stringify(unitIds)) as number[];
}
