/**
 * The demo district's ids that tests look up again and again — a round by its status or name, a user by
 * login name (and the unit a user acts for), a unit by code, a criteria version by code (or the newest),
 * a 镇街, 社区 or site by name — in one place, so a test file states what it needs ("the open round",
 * "inspector2") instead of repeating the SQL. A look-up that finds nothing fails at once with what it
 * looked for, rather than passing `undefined` into a URL.
 */
import type { Db } from '../../src/db/connection.ts';

function idOf(db: Db, what: string, sql: string, value?: string): number {
  const statement = db.prepare(sql).pluck();
  const id = (value === undefined ? statement.get() : statement.get(value)) as number | null | undefined;
  if (id === undefined || id === null)
    throw new Error(`no ${what} ${value ?? ''} in the test database`.trim());
  return id;
}

/** The first round (by id) with this status: the demo has one open and one published round. */
export const roundWithStatus = (db: Db, status: 'draft' | 'open' | 'closed' | 'published'): number =>
  idOf(db, 'round with status', 'SELECT id FROM rounds WHERE status = ? ORDER BY id LIMIT 1', status);

/** The first round (by id) with this name. */
export const roundIdOf = (db: Db, name: string): number =>
  idOf(db, 'round', 'SELECT id FROM rounds WHERE name = ? ORDER BY id LIMIT 1', name);

export const userIdOf = (db: Db, username: string): number =>
  idOf(db, 'user', 'SELECT id FROM users WHERE username = ?', username);

/** The unit a unit user (e.g. chengguan) acts for. */
export const unitIdOfUser = (db: Db, username: string): number =>
  idOf(db, 'unit of user', 'SELECT unit_id FROM users WHERE username = ?', username);

export const unitIdOf = (db: Db, code: string): number =>
  idOf(db, 'unit', 'SELECT id FROM units WHERE code = ?', code);

export const versionIdOf = (db: Db, code: string): number =>
  idOf(db, 'criteria version', 'SELECT id FROM criteria_versions WHERE code = ?', code);

/** The criteria version loaded last (the highest id). */
export const latestVersionId = (db: Db): number =>
  idOf(db, 'criteria version', 'SELECT id FROM criteria_versions ORDER BY id DESC LIMIT 1');

/** Places by name; a name used twice (a 社区 or site in two places) gives the first by id. */
export const streetIdOf = (db: Db, name: string): number =>
  idOf(db, '镇街', 'SELECT id FROM streets WHERE name = ? ORDER BY id LIMIT 1', name);
export const communityIdOf = (db: Db, name: string): number =>
  idOf(db, '社区', 'SELECT id FROM communities WHERE name = ? ORDER BY id LIMIT 1', name);
export const siteIdOf = (db: Db, name: string): number =>
  idOf(db, 'site', 'SELECT id FROM sites WHERE name = ? ORDER BY id LIMIT 1', name);

/** The first 镇街, 社区 or site by id, for a test that needs any one of them. */
export const firstIdIn = (db: Db, table: 'streets' | 'communities' | 'sites'): number =>
  idOf(db, table, `SELECT id FROM ${table} ORDER BY id LIMIT 1`);

/** A site assigned to an inspector in a round, for a test that opens its sheet. */
export interface AssignedSite {
  id: number;
  name: string;
  site_type: string;
}

/**
 * The sites assigned to this inspector in the round that nobody has started a sheet for yet (by id), so
 * a test that saves answers begins from an empty sheet.
 */
export const untouchedSites = (db: Db, roundId: number, username: string): AssignedSite[] =>
  db
    .prepare(
      `SELECT s.id, s.name, s.site_type FROM assignments a JOIN sites s ON s.id = a.site_id
         JOIN users u ON u.id = a.inspector_id
       WHERE a.round_id = ? AND u.username = ?
         AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.round_id = a.round_id AND i.site_id = a.site_id)
       ORDER BY s.id`,
    )
    .all(roundId, username) as AssignedSite[];
