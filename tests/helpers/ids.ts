/**
 * The demo district's ids that HTTP tests look up again and again — a round by its status, a user by
 * login name, a unit by code, a criteria version by code — in one place, so a test file states what it
 * needs ("the open round", "inspector2") instead of repeating the SQL. A look-up that finds nothing
 * fails at once with what it looked for, rather than passing `undefined` into a URL.
 */
import type { Db } from '../../src/db/connection.ts';

function idOf(db: Db, what: string, sql: string, value: string): number {
  const id = db.prepare(sql).pluck().get(value) as number | undefined;
  if (id === undefined) throw new Error(`no ${what} ${value} in the test database`);
  return id;
}

/** The first round (by id) with this status: the demo has one open and one published round. */
export const roundWithStatus = (db: Db, status: 'draft' | 'open' | 'closed' | 'published'): number =>
  idOf(db, 'round with status', 'SELECT id FROM rounds WHERE status = ? ORDER BY id LIMIT 1', status);

export const userIdOf = (db: Db, username: string): number =>
  idOf(db, 'user', 'SELECT id FROM users WHERE username = ?', username);

export const unitIdOf = (db: Db, code: string): number =>
  idOf(db, 'unit', 'SELECT id FROM units WHERE code = ?', code);

export const versionIdOf = (db: Db, code: string): number =>
  idOf(db, 'criteria version', 'SELECT id FROM criteria_versions WHERE code = ?', code);
