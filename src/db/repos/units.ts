/** units: 责任单位 / 包保单位 as a tree, and 包联 links between units and communities. */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export type UnitKind = 'district' | 'street' | 'community' | 'department' | 'other';

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

/** A unit of this name other than `exceptId` (names are shown and looked up as if unique). */
export function findUnitNamed(db: Db, name: string, exceptId: number | null): UnitRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM units WHERE name = ? AND id IS NOT ?`).get(name, exceptId) as
    UnitRow | undefined;
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

export function updateUnit(db: Db, id: number, u: NewUnit): void {
  db.prepare('UPDATE units SET code = ?, name = ?, kind = ?, department = ?, parent_id = ? WHERE id = ?').run(
    u.code,
    u.name,
    u.kind,
    u.department ?? null,
    u.parentId ?? null,
    id,
  );
}

export function setUnitRetired(db: Db, id: number, retired: boolean): void {
  db.prepare('UPDATE units SET retired_at = ? WHERE id = ?').run(retired ? nowIso() : null, id);
}

export function findUnitByCode(db: Db, code: string): UnitRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM units WHERE code = ?`).get(code) as UnitRow | undefined;
}

export function liaisonsOf(db: Db, communityId: number): number[] {
  return db
    .prepare('SELECT unit_id FROM community_liaisons WHERE community_id = ? ORDER BY unit_id')
    .pluck()
    .all(communityId) as number[];
}

export function setLiaisons(db: Db, communityId: number, unitIds: number[]): void {
  db.prepare('DELETE FROM community_liaisons WHERE community_id = ?').run(communityId);
  const add = db.prepare('INSERT INTO community_liaisons (community_id, unit_id) VALUES (?, ?)');
  for (const u of unitIds) add.run(communityId, u);
}

/** Replaces the 社区 a unit 包联 (the other side of setLiaisons). */
export function setLiaisonsOfUnit(db: Db, unitId: number, communityIds: number[]): void {
  db.prepare('DELETE FROM community_liaisons WHERE unit_id = ?').run(unitId);
  const add = db.prepare('INSERT INTO community_liaisons (community_id, unit_id) VALUES (?, ?)');
  for (const c of communityIds) add.run(c, unitId);
}

export function allLiaisons(db: Db): { community_id: number; unit_id: number }[] {
  return db.prepare('SELECT community_id, unit_id FROM community_liaisons').all() as {
    community_id: number;
    unit_id: number;
  }[];
}
