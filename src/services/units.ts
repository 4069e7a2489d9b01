/**
 * 责任单位 and 包联: creating and editing a unit (code, name, kind, department, parent), and the 社区 a
 * unit 包联. Units are picked and imported by name as well as by code, so both are unique; a unit
 * cannot sit under itself. Every change is the office's (access.ts: `office.manage`) and audit-logged
 * under its actor; retiring is in places.ts with the places.
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import { parseField } from './validate.ts';
import { name, optionalUnit, unique } from './place-fields.ts';
import type { Db } from '../db/connection.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  addLiaison,
  findUnitById,
  findUnitNamed,
  insertUnit,
  setLiaisonsOfUnit,
  unitSubtreeIds,
  updateUnit,
  type UnitKind,
} from '../db/repos/units.ts';
import { findCommunityById } from '../db/repos/places.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export interface UnitInput {
  code: string;
  name: string;
  kind: UnitKind;
  department?: string | null;
  parentId?: number | null;
}

function checkUnit(db: Db, input: UnitInput, selfId: number | null) {
  const code = parseField(
    z.string().trim().min(1, '单位编码不能为空').max(60, '单位编码不能超过60个字符'),
    input.code,
    'code',
  );
  const unitName = parseField(name, input.name, 'name');
  const kind = parseField(
    z.enum(['district', 'street', 'community', 'department', 'other'], { error: '单位类别无效' }),
    input.kind,
    'kind',
  );
  const department =
    kind === 'department'
      ? parseField(
          z.string().trim().min(1, '部门单位须填写部门名称（如 城管局）').max(40, '部门名称不能超过40个字符'),
          input.department ?? '',
          'department',
        )
      : null;
  const parentId = optionalUnit(db, input.parentId, 'parentId');
  if (selfId !== null && parentId !== null && unitSubtreeIds(db, selfId).includes(parentId))
    throw new InvalidInput('上级单位不能是本单位或其下级', { parentId: '上级单位不能是本单位或其下级' });
  // units are picked and imported by name as well as by code, so two of one name would be ambiguous
  const namesake = findUnitNamed(db, unitName, selfId);
  if (namesake) {
    const message = `单位名称“${unitName}”已被单位 ${namesake.code} 使用${namesake.retired_at ? '（已停用，可恢复）' : ''}`;
    throw new Conflict(message, { name: message });
  }
  return { code, name: unitName, kind, department, parentId };
}

export function createUnit(db: Db, actor: Actor, input: UnitInput): number {
  canOrReject(db, actor, 'office.manage', null);
  const u = checkUnit(db, input, null);
  return atomically(db, () => {
    const id = unique('code', `单位编码“${u.code}”已存在`, () => insertUnit(db, u));
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'unit.create',
      entity: 'unit',
      entityId: id,
      detail: u,
    });
    return id;
  });
}

export function editUnit(db: Db, actor: Actor, id: number, input: UnitInput): void {
  canOrReject(db, actor, 'office.manage', null);
  if (!findUnitById(db, id)) throw new NotFound('找不到该单位');
  const u = checkUnit(db, input, id);
  atomically(db, () => {
    unique('code', `单位编码“${u.code}”已存在`, () => updateUnit(db, id, u));
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'unit.update',
      entity: 'unit',
      entityId: id,
      detail: u,
    });
  });
}

export function linkLiaison(db: Db, actor: Actor, communityId: number, unitId: number): void {
  canOrReject(db, actor, 'office.manage', null);
  atomically(db, () => {
    addLiaison(db, communityId, unitId);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'liaison.add',
      entity: 'community',
      entityId: communityId,
      detail: { unitId },
    });
  });
}

/** The 社区 a unit 包联, ticked on the units page; returns how many. */
export function setUnitLiaisons(db: Db, actor: Actor, unitId: number, communityIds: number[]): number {
  canOrReject(db, actor, 'office.manage', null);
  if (!findUnitById(db, unitId)) throw new NotFound('找不到该单位');
  const chosen = [...new Set(communityIds)];
  for (const id of chosen)
    if (!Number.isInteger(id) || !findCommunityById(db, id))
      throw new InvalidInput('所选社区不存在', { communities: '所选社区不存在' });
  atomically(db, () => {
    setLiaisonsOfUnit(db, unitId, chosen);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'unit.liaisons',
      entity: 'unit',
      entityId: unitId,
      detail: { communities: chosen },
    });
  });
  return chosen.length;
}
