/** users: accounts of office staff, inspectors and unit staff. */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export type Role = 'office' | 'inspector' | 'unit' | 'leader';

export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  unit_id: number | null;
  home_street_id: number | null;
  password_hash: string;
  active: number;
  created_at: string;
}

const COLUMNS =
  'id, username, display_name, role, unit_id, home_street_id, password_hash, active, created_at';

export interface NewUser {
  username: string;
  displayName: string;
  role: Role;
  unitId: number | null;
  homeStreetId: number | null;
  passwordHash: string;
}

export function insertUser(db: Db, u: NewUser): number {
  const r = db
    .prepare(
      `INSERT INTO users (username, display_name, role, unit_id, home_street_id, password_hash, active, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
    )
    .run(u.username, u.displayName, u.role, u.unitId, u.homeStreetId, u.passwordHash, nowIso());
  return Number(r.lastInsertRowid);
}

export function findUserByUsername(db: Db, username: string): UserRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`).get(username) as UserRow | undefined;
}

export function findUserById(db: Db, id: number): UserRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined;
}

export function updatePasswordHash(db: Db, id: number, hash: string): void {
  db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, id);
}

export function listUsers(db: Db, role?: Role): UserRow[] {
  if (role)
    return db.prepare(`SELECT ${COLUMNS} FROM users WHERE role = ? ORDER BY id`).all(role) as UserRow[];
  return db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY role, id`).all() as UserRow[];
}

export function countUsers(db: Db): number {
  return db.prepare('SELECT count(*) FROM users').pluck().get() as number;
}

export function updateUser(
  db: Db,
  id: number,
  u: { displayName: string; role: Role; unitId: number | null; homeStreetId: number | null; active: boolean },
): void {
  db.prepare(
    'UPDATE users SET display_name = ?, role = ?, unit_id = ?, home_street_id = ?, active = ? WHERE id = ?',
  ).run(u.displayName, u.role, u.unitId, u.homeStreetId, u.active ? 1 : 0, id);
}
