/**
 * 单位别名: the names hotline platforms give units (「区城管执法局」 for 区城管局), kept by the office per unit
 * so the 12345 import finds each order's 承办单位. An alias is unique across units and is never another
 * unit's name; both are matched without regard to case, and a retired unit matches nothing. Adding and
 * removing are the office's, audited.
 */
import { z } from 'zod';
import { atomically, type Db } from '../db/connection.ts';
import { findUnitById, listUnits, type UnitKind, type UnitRow } from '../db/repos/units.ts';
import {
  deleteUnitAlias,
  findUnitAlias,
  insertUnitAlias,
  listUnitAliases,
  unitsNamedNoCase,
} from '../db/repos/unit-aliases.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { UNIT_KIND_NAMES } from '../labels.ts';
import { parseField } from './validate.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export interface AliasesPage {
  units: {
    id: number;
    name: string;
    code: string;
    kind: string;
    kindCode: UnitKind;
    retired: boolean;
    aliases: string[];
  }[];
}

/** Departments first: they are the units hotline platforms name most, and spell their own way. */
const KIND_ORDER: Record<UnitKind, number> = {
  department: 0,
  district: 1,
  street: 2,
  community: 3,
  other: 4,
};

/** Every unit with its aliases (retired units last, still listed: their aliases can be removed). */
export function aliasesPage(db: Db, actor: Actor): AliasesPage {
  canOrReject(db, actor, 'office.manage', null);
  const byUnit = new Map<number, string[]>();
  for (const a of listUnitAliases(db)) byUnit.set(a.unit_id, [...(byUnit.get(a.unit_id) ?? []), a.alias]);
  const units = listUnits(db)
    .map((u) => ({
      id: u.id,
      name: u.name,
      code: u.code,
      kind: UNIT_KIND_NAMES[u.kind],
      kindCode: u.kind,
      retired: u.retired_at !== null,
      aliases: byUnit.get(u.id) ?? [],
    }))
    .sort((a, b) => Number(a.retired) - Number(b.retired) || KIND_ORDER[a.kindCode] - KIND_ORDER[b.kindCode]);
  return { units };
}

const aliasText = z
  .string({ error: '请填写别名' })
  .trim()
  .min(1, '请填写别名')
  .max(100, '别名不能超过100个字');

/** The office adds an alias to a unit; refused when it is a unit's name or another alias already. */
export function addUnitAlias(db: Db, actor: Actor, unitIdIn: unknown, aliasIn: unknown): string {
  canOrReject(db, actor, 'office.manage', null);
  const unitId = typeof unitIdIn === 'number' ? unitIdIn : NaN;
  const unit = Number.isInteger(unitId) ? findUnitById(db, unitId) : undefined;
  if (!unit) throw new InvalidInput('请选择单位', { unitId: '请选择单位' });
  const alias = parseField(aliasText, aliasIn, 'alias');
  const namesake = unitsNamedNoCase(db, alias)[0];
  if (namesake)
    throw new Conflict(`“${alias}”已是单位「${namesake.name}」的名称，无需添加别名`, {
      alias: '与单位名称相同',
    });
  const taken = findUnitAlias(db, alias);
  if (taken) {
    const owner = findUnitById(db, taken.unit_id);
    const message =
      taken.unit_id === unit.id
        ? `「${unit.name}」已有别名“${taken.alias}”`
        : `别名“${taken.alias}”已属于单位「${owner?.name ?? ''}」`;
    throw new Conflict(message, { alias: message });
  }
  atomically(db, () => {
    insertUnitAlias(db, alias, unit.id);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'unit_alias.add',
      entity: 'unit',
      entityId: unit.id,
      detail: { unit: unit.name, alias },
    });
  });
  return alias;
}

/** The office removes an alias (404 when there is none by that name). */
export function removeUnitAlias(db: Db, actor: Actor, aliasIn: unknown): string {
  canOrReject(db, actor, 'office.manage', null);
  const alias = typeof aliasIn === 'string' ? aliasIn.trim() : '';
  const found = alias ? findUnitAlias(db, alias) : undefined;
  if (!found) throw new NotFound('找不到该别名，可能已被删除');
  const unit = findUnitById(db, found.unit_id);
  atomically(db, () => {
    deleteUnitAlias(db, found.alias);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'unit_alias.remove',
      entity: 'unit',
      entityId: found.unit_id,
      detail: { unit: unit?.name ?? '', alias: found.alias },
    });
  });
  return found.alias;
}

/**
 * The unit an outside list names: by its own name first, then by an alias (case aside). A retired
 * unit matches nothing: the answer says so, for the row's message.
 */
export function unitByNameOrAlias(
  db: Db,
  name: string,
): { unit: UnitRow } | { retired: UnitRow } | { none: true } {
  const named = unitsNamedNoCase(db, name);
  const live = named.find((u) => u.retired_at === null);
  if (live) return { unit: live };
  const alias = findUnitAlias(db, name);
  const viaAlias = alias ? findUnitById(db, alias.unit_id) : undefined;
  if (viaAlias && viaAlias.retired_at === null) return { unit: viaAlias };
  const retired = named[0] ?? viaAlias;
  return retired ? { retired } : { none: true };
}
