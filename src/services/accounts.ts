/**
 * Accounts: creating and editing users, changing passwords, checking a login and recording it. Used by
 * the office's users page, the users import, the CLI and the demo seed, so every path applies the same
 * rules; each change is the office's (access.ts: `office.manage`) and names its actor in the audit log.
 * A unit's account belongs to a unit; a 包联 leader's (包联领导) to the 包联 unit they lead.
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
  type NewUser,
  type UserRow,
} from '../db/repos/users.ts';
import {
  findUnitByCodeOrName,
  findUnitById,
  liaisonCommunityIds,
  type UnitKind,
  type UnitRow,
} from '../db/repos/units.ts';
import { findStreetById } from '../db/repos/places.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { getSetting } from '../db/repos/settings.ts';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export const usernameSchema = z
  .string()
  .trim()
  .min(2, '用户名至少2个字符')
  .max(40, '用户名不能超过40个字符')
  .regex(/^[A-Za-z0-9_.\-\u4e00-\u9fff]+$/, '用户名只能包含字母、数字、汉字、下划线、点和连字符');
export const passwordSchema = z.string().min(8, '密码至少8个字符').max(200, '密码不能超过200个字符');
export const roleSchema = z.enum(['office', 'inspector', 'unit', 'leader'], {
  error: '角色只能是 office、inspector、unit 或 leader',
});

/** Unit kinds that 包联 communities (district leaders' offices and departments, not the places' own units). */
export const LIAISON_KINDS: ReadonlySet<UnitKind> = new Set<UnitKind>(['department', 'other']);

/** A 包联 unit: of a kind that 包联s 社区, or one that 包联s some already. A leader's account belongs to one. */
export const isLiaisonUnit = (db: Db, unit: UnitRow): boolean =>
  LIAISON_KINDS.has(unit.kind) || liaisonCommunityIds(db, [unit.id]).length > 0;

/**
 * Why a role cannot have this unit (the message, and the field's), or null: a unit account needs a
 * unit, a 包联 leader a 包联 unit. The users page, the import and the CLI all ask this.
 */
export function unitRefusal(db: Db, role: string, unitId: number | null): string | null {
  if (role === 'unit' && unitId === null) return '责任单位账号必须指定所属单位';
  if (role !== 'leader') return null;
  if (unitId === null) return '包联领导账号必须指定所领导的包联单位';
  const unit = findUnitById(db, unitId);
  if (unit && !isLiaisonUnit(db, unit))
    return `“${unit.name}”不是包联单位：包联领导只能属于包联社区的部门或单位`;
  return null;
}

export interface CreateUserInput {
  username: string;
  password: string;
  role: string;
  displayName?: string;
  /** unit code or name (the CLI), or its id (the users page); required for role unit */
  unit?: string | number | null;
  homeStreetId?: number | null;
}

/** The unit a new account belongs to, by code, name or id; refused on the `unit` field when unknown. */
function unitOfInput(db: Db, unit: string | number | null | undefined): number | null {
  if (unit === undefined || unit === null || unit === '') return null;
  const found =
    typeof unit === 'number'
      ? Number.isInteger(unit)
        ? findUnitById(db, unit)
        : undefined
      : findUnitByCodeOrName(db, unit);
  const shown = typeof unit === 'number' ? `#${unit}` : unit;
  if (!found) throw new InvalidInput(`找不到单位“${shown}”`, { unit: '找不到该单位' });
  return found.id;
}

export async function createUser(db: Db, actor: Actor, input: CreateUserInput): Promise<number> {
  canOrReject(db, actor, 'office.manage', null);
  const username = parseField(usernameSchema, input.username, 'username');
  const password = parseField(passwordSchema, input.password, 'password');
  const role = parseField(roleSchema, input.role, 'role');
  const unitId = unitOfInput(db, input.unit);
  const unitWrong = unitRefusal(db, role, unitId);
  if (unitWrong) throw new InvalidInput(unitWrong, { unit: unitWrong });
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
      userId: auditUserId(actor),
      action: 'user.create',
      entity: 'user',
      entityId: id,
      detail: { username: username, role: role, unitId },
    });
    return id;
  });
}

/**
 * A user from the users import, already checked and with the password hashed (the import reports every
 * bad row before anything is written); runs inside the import's transaction.
 */
export function createImportedUser(db: Db, actor: Actor, user: NewUser): number {
  canOrReject(db, actor, 'office.manage', null);
  const id = insertUser(db, user);
  appendAudit(db, {
    userId: auditUserId(actor),
    action: 'user.create',
    entity: 'user',
    entityId: id,
    detail: { username: user.username, role: user.role, via: 'import' },
  });
  return id;
}

/**
 * Sets a user's password: `who` is the id (the users page) or the user name (the CLI). Returns the
 * user, whose name the page confirms.
 */
export async function changePassword(
  db: Db,
  actor: Actor,
  who: number | string,
  password: string,
): Promise<UserRow> {
  canOrReject(db, actor, 'office.manage', null);
  const user = typeof who === 'number' ? findUserById(db, who) : findUserByUsername(db, who);
  if (!user) throw new NotFound(typeof who === 'number' ? '找不到该用户' : `用户“${who}”不存在`);
  const checked = parseField(passwordSchema, password, 'password');
  const hash = await hashPassword(checked);
  atomically(db, () => {
    updatePasswordHash(db, user.id, hash);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'user.password',
      entity: 'user',
      entityId: user.id,
    });
  });
  return user;
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

/** A login that succeeded, in the audit log. */
export function recordLogin(db: Db, user: UserRow): void {
  appendAudit(db, { userId: user.id, action: 'user.login', entity: 'user', entityId: user.id });
}

/** A demo install: its login page says where the demo passwords are and how to set new ones. */
export function isDemoInstall(db: Db): boolean {
  return getSetting(db, 'demo_seeded_at') !== undefined;
}

export interface EditUserInput {
  displayName: string;
  role: string;
  unitId: number | null;
  homeStreetId: number | null;
  active: boolean;
}

export function editUser(db: Db, actor: Actor, id: number, input: EditUserInput): void {
  canOrReject(db, actor, 'office.manage', null);
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
  const unitWrong = unitRefusal(db, role, input.unitId);
  if (unitWrong) throw new InvalidInput(unitWrong, { unitId: unitWrong });
  if (
    input.homeStreetId !== null &&
    (!Number.isInteger(input.homeStreetId) || !findStreetById(db, input.homeStreetId))
  )
    throw new InvalidInput('所在镇街不存在', { homeStreetId: '所在镇街不存在' });
  if (id === actor.id && (!input.active || role !== 'office'))
    throw new InvalidInput('不能停用自己的账号或取消自己的创城办角色');
  atomically(db, () => {
    updateUser(db, id, { ...input, displayName: displayName, role: role });
    appendAudit(db, {
      userId: auditUserId(actor),
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
