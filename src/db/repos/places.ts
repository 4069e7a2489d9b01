/** streets (镇街), communities (社区), site_types (点位类型) and sites (点位). */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export interface StreetRow {
  id: number;
  name: string;
  unit_id: number | null;
  retired_at: string | null;
}

export interface CommunityRow {
  id: number;
  street_id: number;
  name: string;
  unit_id: number | null;
  retired_at: string | null;
}

export interface SiteRow {
  id: number;
  name: string;
  site_type: string;
  street_id: number;
  community_id: number | null;
  address: string;
  lat: number | null;
  lng: number | null;
  responsible_unit_id: number | null;
  retired_at: string | null;
}

const SITE_COLUMNS =
  'id, name, site_type, street_id, community_id, address, lat, lng, responsible_unit_id, retired_at';

/**
 * Raised by the database on every write to 镇街, 社区 and sites (migration 008's triggers): cached
 * results (services/results.ts) carry names and the 镇街/社区 each site counts for.
 */
export function placesGeneration(db: Db): number {
  return db.prepare("SELECT n FROM change_counters WHERE name = 'places'").pluck().get() as number;
}

export function insertStreet(db: Db, name: string, unitId: number | null): number {
  return Number(
    db.prepare('INSERT INTO streets (name, unit_id, created_at) VALUES (?, ?, ?)').run(name, unitId, nowIso())
      .lastInsertRowid,
  );
}

export function insertCommunity(db: Db, streetId: number, name: string, unitId: number | null): number {
  return Number(
    db
      .prepare('INSERT INTO communities (street_id, name, unit_id, created_at) VALUES (?, ?, ?, ?)')
      .run(streetId, name, unitId, nowIso()).lastInsertRowid,
  );
}

export function upsertSiteType(db: Db, code: string, name: string): void {
  db.prepare(
    'INSERT INTO site_types (code, name) VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name',
  ).run(code, name);
}

export interface NewSite {
  name: string;
  siteType: string;
  streetId: number;
  communityId: number | null;
  address: string;
  lat: number | null;
  lng: number | null;
  responsibleUnitId: number | null;
}

export function insertSite(db: Db, s: NewSite): number {
  return Number(
    db
      .prepare(
        `INSERT INTO sites (name, site_type, street_id, community_id, address, lat, lng, responsible_unit_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.name,
        s.siteType,
        s.streetId,
        s.communityId,
        s.address,
        s.lat,
        s.lng,
        s.responsibleUnitId,
        nowIso(),
      ).lastInsertRowid,
  );
}

export function listStreets(db: Db): StreetRow[] {
  return db.prepare('SELECT id, name, unit_id, retired_at FROM streets ORDER BY id').all() as StreetRow[];
}

export function listCommunities(db: Db): CommunityRow[] {
  return db
    .prepare('SELECT id, street_id, name, unit_id, retired_at FROM communities ORDER BY street_id, id')
    .all() as CommunityRow[];
}

export function listActiveSites(db: Db): SiteRow[] {
  return db
    .prepare(`SELECT ${SITE_COLUMNS} FROM sites WHERE retired_at IS NULL ORDER BY id`)
    .all() as SiteRow[];
}

/** An active site of this name in the same 镇街 and 社区 (community null: the 镇街's own sites), other than `exceptId`. */
export function findSiteNamed(
  db: Db,
  streetId: number,
  communityId: number | null,
  name: string,
  exceptId: number | null,
): SiteRow | undefined {
  return db
    .prepare(
      `SELECT ${SITE_COLUMNS} FROM sites
       WHERE street_id = ? AND community_id IS ? AND name = ? AND retired_at IS NULL AND id IS NOT ?`,
    )
    .get(streetId, communityId, name, exceptId) as SiteRow | undefined;
}

export function findSiteById(db: Db, id: number): SiteRow | undefined {
  return db.prepare(`SELECT ${SITE_COLUMNS} FROM sites WHERE id = ?`).get(id) as SiteRow | undefined;
}

export function countSites(db: Db): number {
  return db.prepare('SELECT count(*) FROM sites').pluck().get() as number;
}

export function siteTypeNames(db: Db): Map<string, string> {
  const rows = db.prepare('SELECT code, name FROM site_types').all() as { code: string; name: string }[];
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** One site type's name (the code itself when the type is unknown). */
export function siteTypeName(db: Db, code: string): string {
  return (
    (db.prepare('SELECT name FROM site_types WHERE code = ?').pluck().get(code) as string | undefined) ?? code
  );
}

export function findStreetById(db: Db, id: number): StreetRow | undefined {
  return db.prepare('SELECT id, name, unit_id, retired_at FROM streets WHERE id = ?').get(id) as
    StreetRow | undefined;
}

export function findCommunityById(db: Db, id: number): CommunityRow | undefined {
  return db
    .prepare('SELECT id, street_id, name, unit_id, retired_at FROM communities WHERE id = ?')
    .get(id) as CommunityRow | undefined;
}

export function updateStreet(db: Db, id: number, name: string, unitId: number | null): void {
  db.prepare('UPDATE streets SET name = ?, unit_id = ? WHERE id = ?').run(name, unitId, id);
}

export function updateCommunity(
  db: Db,
  id: number,
  streetId: number,
  name: string,
  unitId: number | null,
): void {
  db.prepare('UPDATE communities SET street_id = ?, name = ?, unit_id = ? WHERE id = ?').run(
    streetId,
    name,
    unitId,
    id,
  );
}

export function updateSite(db: Db, id: number, s: NewSite): void {
  db.prepare(
    `UPDATE sites SET name = ?, site_type = ?, street_id = ?, community_id = ?, address = ?, lat = ?, lng = ?,
       responsible_unit_id = ? WHERE id = ?`,
  ).run(s.name, s.siteType, s.streetId, s.communityId, s.address, s.lat, s.lng, s.responsibleUnitId, id);
}

export type PlaceTable = 'streets' | 'communities' | 'sites';

export function setRetired(db: Db, table: PlaceTable, id: number, retired: boolean): void {
  db.prepare(`UPDATE ${table} SET retired_at = ? WHERE id = ?`).run(retired ? nowIso() : null, id);
}

export function listSites(db: Db): SiteRow[] {
  return db
    .prepare(`SELECT ${SITE_COLUMNS} FROM sites ORDER BY street_id, community_id, id`)
    .all() as SiteRow[];
}

export function listSiteTypes(db: Db): { code: string; name: string }[] {
  return db.prepare('SELECT code, name FROM site_types ORDER BY rowid').all() as {
    code: string;
    name: string;
  }[];
}
