/**
 * Accounts: creating users, changing passwords and checking a login. Used by the CLI, the demo seed
 * and (later) the office's user pages, so every path applies the same rules.
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import { parseField } from './validate.ts';
import type { Db } from '../db/connection.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import {
  findUserById,
  findUserByUsername,
  insertUser,
  updatePasswordHash,
  updateUser,
  type UserRow,
} from '../db/repos/users.ts';
import { findUnitByCodeOrName, findUnitById } from '../db/repos/units.ts';
import { findStreetById } from '../db/repos/places.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords.ts';

export const usernameSchema = z
  .string()
  .trim()
  .min(2, '用户名至少2个字符')
  .max(40, '用户名不能超过40个字符')
  .regex(/^[A-Za-z0-9_.\-\u4e00-\u9fff]+$/, '用户名只能包含字母、数字、汉字、下划线、点和连字符');
export const passwordSchema = z.string().min(8, '密码至少8个字符').max(200, '密码不能超过200个字符');
export const roleSchema = z.enum(['office', 'inspector', 'unit'], {
  error: '角色只能是 office、inspector 或 unit',
});

export interface CreateUserInput {
  username: string;
  password: string;
  role: string;
  displayName?: string;
  /** unit code or name; required for role unit */
  unit?: string;
  homeStreetId?: number | null;
}

export async function createUser(
  db: Db,
  input: CreateUserInput,
  actorId: number | null = null,
): Promise<number> {
  const username = parseField(usernameSchema, input.username, 'username');
  const password = parseField(passwordSchema, input.password, 'password');
  const role = parseField(roleSchema, input.role, 'role');
  let unitId: number | null = null;
  if (input.unit) {
    const unit = findUnitByCodeOrName(db, input.unit);
    if (!unit) throw new InvalidInput(`找不到单位“${input.unit}”`, { unit: '找不到该单位' });
    unitId = unit.id;
  }
  if (role === 'unit' && unitId === null)
    throw new InvalidInput('责任单位账号必须指定所属单位', { unit: '必须指定所属单位' });
  const home = input.homeStreetId ?? null;
  if (home !== null && (!Number.isInteger(home) || !findStreetById(db, home)))
    throw new InvalidInput('所在镇街不存在', { homeStreetId: '所在镇街不存在' });
  // 409 on the name field: the users page shows the form again with the message beside it
  const taken = () => new Conflict(`用户名“${username}”已存在`, { username: '该用户名已被使用，请换一个' });
  if (findUserByUsername(db, username)) throw taken();
  const hash = await hashPassword(password);
  return atomically(db, () => {
    if (findUserByUsername(db, username)) throw taken();
    const id = insertUser(db, {
      username: username,
      displayName: input.displayName?.trim() || username,
      role: role,
      unitId,
      homeStreetId: input.homeStreetId ?? null,
      passwordHash: hash,
    });
    appendAudit(db, {
      userId: actorId,
      action: 'user.create',
      entity: 'user',
      entityId: id,
      detail: { username: username, role: role, unitId },
    });
    return id;
  });
}

export async function changePassword(
  db: Db,
  username: string,
  password: string,
  actorId: number | null = null,
): Promise<void> {
  const checked = parseField(passwordSchema, password, 'password');
  const user = findUserByUsername(db, username);
  if (!user) throw new InvalidInput(`用户“${username}”不存在`, { username: '用户不存在' });
  const hash = await hashPassword(checked);
  atomically(db, () => {
    updatePasswordHash(db, user.id, hash);
    appendAudit(db, { userId: actorId, action: 'user.password', entity: 'user', entityId: user.id });
  });
}

/**
 * The name a login form's text stands for: trimmed (as usernameSchema stores names) and case-folded (the
 * column compares without case; names are ASCII letters, digits and 汉字, so lower case is the same fold).
 * The login lookup and the login throttle both use it, so "inspector1 " is inspector1 to both.
 */
export function loginName(typed: string): string {
  return typed.trim().toLowerCase();
}

/** The user when the name and password match an active account; undefined otherwise (no hint which). */
export async function authenticate(db: Db, username: string, password: string): Promise<UserRow | undefined> {
  const name = loginName(username);
  const user = name ? findUserByUsername(db, name) : undefined;
  const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY_HASH_PROMISE));
  if (!user || !ok || !user.active) return undefined;
  return findUserById(db, user.id);
}

export interface EditUserInput {
  displayName: string;
  role: string;
  unitId: number | null;
  homeStreetId: number | null;
  active: boolean;
}

export function editUser(db: Db, id: number, input: EditUserInput, actorId: number): void {
  const user = findUserById(db, id);
  if (!user) throw new NotFound('找不到该用户');
  const displayName = parseField(
    z.string().trim().min(1, '姓名不能为空').max(60, '姓名不能超过60个字符'),
    input.displayName,
    'displayName',
  );
  const role = parseField(roleSchema, input.role, 'role');
  if (input.unitId !== null && (!Number.isInteger(input.unitId) || !findUnitById(db, input.unitId)))
    throw new InvalidInput('所选单位不存在', { unitId: '所选单位不存在' });
  if (role === 'unit' && input.unitId === null)
    throw new InvalidInput('责任单位账号必须指定所属单位', { unitId: '必须指定所属单位' });
  if (
    input.homeStreetId !== null &&
    (!Number.isInteger(input.homeStreetId) || !findStreetById(db, input.homeStreetId))
  )
    throw new InvalidInput('所在镇街不存在', { homeStreetId: '所在镇街不存在' });
  if (id === actorId && (!input.active || role !== 'office'))
    throw new InvalidInput('不能停用自己的账号或取消自己的创城办角色');
  atomically(db, () => {
    updateUser(db, id, { ...input, displayName: displayName, role: role });
    appendAudit(db, {
      userId: actorId,
      action: 'user.update',
      entity: 'user',
      entityId: id,
      detail: {
        role: role,
        unitId: input.unitId,
        homeStreetId: input.homeStreetId,
        active: input.active,
      },
    });
  });
}

/** The session's user, if the account still exists and is active (the login middleware asks this). */
export function sessionUser(db: Db, id: number): UserRow | undefined {
  const user = findUserById(db, id);
  return user && user.active ? user : undefined;
}
