/**
 * 用户 import: username, name, role, unit, home 镇街 (回避) and a first password (hashed before writing).
 * A 包联领导's unit is the 包联 unit they lead (accounts.ts `unitRefusal` says which units may be).
 */
import { oneOf, text, type RowError } from '../excel/index.ts';
import { findUserByUsername, listUsers, type Role } from '../db/repos/users.ts';
import { listStreets } from '../db/repos/places.ts';
import { listUnits } from '../db/repos/units.ts';
import { hashPassword } from '../services/passwords.ts';
import { createImportedUser, passwordSchema, unitRefusal, usernameSchema } from '../services/accounts.ts';
import { lookup, type ImportKind } from './kind.ts';
import { placeChoices, placeIndex } from './places-lookup.ts';

const ROLES = { 创城办: 'office', 测评员: 'inspector', 责任单位: 'unit', 包联领导: 'leader' } as const;

interface Row {
  username: string;
  displayName?: string;
  role: Role;
  unit?: string;
  homeStreet?: string;
  password?: string;
}

interface Planned {
  username: string;
  displayName: string;
  role: Role;
  unitId: number | null;
  homeStreetId: number | null;
  passwordHash: string;
}

export const usersImport: ImportKind<Row, Planned[]> = {
  key: 'users',
  title: '用户',
  spec: ({ db }) => {
    const choices = placeChoices(db);
    return {
      name: '用户',
      sheetName: '用户',
      columns: [
        {
          key: 'username',
          header: '用户名',
          required: true,
          unique: true,
          width: 14,
          parse: text({ max: 40 }),
          example: 'zhangwei',
        },
        { key: 'displayName', header: '姓名', width: 10, parse: text({ max: 60 }), example: '张伟' },
        { key: 'role', header: '角色', required: true, width: 10, parse: oneOf(ROLES), example: '测评员' },
        {
          key: 'unit',
          header: '所属单位',
          width: 18,
          parse: text({ max: 100 }),
          note: '单位名称（从下拉列表选择）或单位编码；责任单位账号必填；包联领导填所领导的包联单位',
          choices: choices.unitNames,
        },
        {
          key: 'homeStreet',
          header: '所在镇街',
          width: 12,
          parse: text({ max: 100 }),
          note: '测评员的所在镇街，用于回避',
          choices: choices.streets,
          choicesOnly: true,
        },
        {
          key: 'password',
          header: '初始密码',
          required: true,
          width: 14,
          parse: text({ max: 200 }),
          note: '至少8位；导入后请通知本人修改',
        },
      ],
    };
  },
  async resolve(rows, { db }) {
    const errors: RowError[] = [];
    const idx = placeIndex(db);
    const plan: Planned[] = [];
    for (const r of rows) {
      const name = usernameSchema.safeParse(r.username);
      if (!name.success)
        errors.push({ row: r._row, column: '用户名', message: name.error.issues[0]!.message });
      else if (findUserByUsername(db, name.data))
        errors.push({ row: r._row, column: '用户名', message: `用户名“${name.data}”已存在` });
      const pw = passwordSchema.safeParse(r.password ?? '');
      if (!pw.success) errors.push({ row: r._row, column: '初始密码', message: pw.error.issues[0]!.message });
      const unitId = lookup(errors, r._row, '所属单位', r.unit, idx.unit, '单位');
      const unitWrong = r.unit && unitId === undefined ? null : unitRefusal(db, r.role, unitId ?? null);
      if (unitWrong) errors.push({ row: r._row, column: '所属单位', message: unitWrong });
      const homeStreetId = lookup(errors, r._row, '所在镇街', r.homeStreet, idx.street, '镇街');
      if (name.success && pw.success && !errors.some((e) => e.row === r._row))
        plan.push({
          username: name.data,
          displayName: r.displayName || name.data,
          role: r.role,
          unitId: unitId ?? null,
          homeStreetId: homeStreetId ?? null,
          passwordHash: '',
        });
    }
    if (!errors.length)
      for (const [i, p] of plan.entries()) p.passwordHash = await hashPassword(rows[i]!.password!);
    return { errors, plan };
  },
  apply(plan, { db, actor }) {
    for (const p of plan) createImportedUser(db, actor, p);
    return plan.length;
  },
  current({ db }) {
    const units = listUnits(db);
    const streets = listStreets(db);
    return listUsers(db).map((u) => ({
      username: u.username,
      displayName: u.display_name,
      role: u.role,
      unit: units.find((x) => x.id === u.unit_id)?.code ?? '',
      homeStreet: streets.find((x) => x.id === u.home_street_id)?.name ?? '',
      password: '',
    }));
  },
};
