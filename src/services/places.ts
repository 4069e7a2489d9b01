/**
 * Places and units: 镇街, 社区, 点位, 责任单位 and 包联. Creation and editing go through here (pages,
 * Excel imports and the demo seed alike) so names are checked the same way and every change is
 * audit-logged. Retiring keeps the row (history points at it); nothing is ever deleted.
 */
import { z } from 'zod';
import { parseField } from './validate.ts';
import type { Db } from '../db/connection.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  addLiaison,
  findUnitByCode,
  findUnitById,
  findUnitNamed,
  insertUnit,
  setLiaisons,
  setLiaisonsOfUnit,
  setUnitRetired,
  unitSubtreeIds,
  updateUnit,
  type UnitKind,
} from '../db/repos/units.ts';
import {
  findCommunityById,
  findSiteById,
  findSiteNamed,
  findStreetById,
  insertCommunity,
  insertSite,
  insertStreet,
  setRetired,
  siteTypeNames,
  updateCommunity,
  updateSite,
  updateStreet,
  type PlaceTable,
} from '../db/repos/places.ts';

const name = z.string().trim().min(1, '名称不能为空').max(100, '名称不能超过100个字符');

/** Runs a write; a UNIQUE violation becomes a 409 on the named field (a name taken) instead of a 500. */
function unique<T>(field: string, message: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
      throw new Conflict(message, { [field]: message });
    throw err;
  }
}

function optionalUnit(db: Db, id: number | null | undefined, field: string): number | null {
  if (id === null || id === undefined) return null;
  if (!findUnitById(db, id)) throw new InvalidInput('所选单位不存在', { [field]: '所选单位不存在' });
  return id;
}

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
    z.enum(['street', 'community', 'department', 'other'], { error: '单位类别无效' }),
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

export function createUnit(db: Db, input: UnitInput, actorId: number | null): number {
  const u = checkUnit(db, input, null);
  return db.transaction(() => {
    const id = unique('code', `单位编码“${u.code}”已存在`, () => insertUnit(db, u));
    appendAudit(db, { userId: actorId, action: 'unit.create', entity: 'unit', entityId: id, detail: u });
    return id;
  })();
}

export function editUnit(db: Db, id: number, input: UnitInput, actorId: number): void {
  if (!findUnitById(db, id)) throw new NotFound('找不到该单位');
  const u = checkUnit(db, input, id);
  db.transaction(() => {
    unique('code', `单位编码“${u.code}”已存在`, () => updateUnit(db, id, u));
    appendAudit(db, { userId: actorId, action: 'unit.update', entity: 'unit', entityId: id, detail: u });
  })();
}

export function createStreet(
  db: Db,
  streetName: string,
  unitId: number | null,
  actorId: number | null,
): number {
  const n = parseField(name, streetName, 'name');
  const unit = optionalUnit(db, unitId, 'unitId');
  return db.transaction(() => {
    const id = unique('name', `镇街“${n}”已存在`, () => insertStreet(db, n, unit));
    appendAudit(db, {
      userId: actorId,
      action: 'street.create',
      entity: 'street',
      entityId: id,
      detail: { name: n },
    });
    return id;
  })();
}

export function editStreet(
  db: Db,
  id: number,
  streetName: string,
  unitId: number | null,
  actorId: number,
): void {
  if (!findStreetById(db, id)) throw new NotFound('找不到该镇街');
  const n = parseField(name, streetName, 'name');
  const unit = optionalUnit(db, unitId, 'unitId');
  db.transaction(() => {
    unique('name', `镇街“${n}”已存在`, () => updateStreet(db, id, n, unit));
    appendAudit(db, {
      userId: actorId,
      action: 'street.update',
      entity: 'street',
      entityId: id,
      detail: { name: n, unitId: unit },
    });
  })();
}

export function createCommunity(
  db: Db,
  streetId: number,
  communityName: string,
  unitId: number | null,
  actorId: number | null,
): number {
  const n = parseField(name, communityName, 'name');
  if (!findStreetById(db, streetId)) throw new InvalidInput('所属镇街不存在', { streetId: '所属镇街不存在' });
  const unit = optionalUnit(db, unitId, 'unitId');
  return db.transaction(() => {
    const id = unique('name', `该镇街已有社区“${n}”`, () => insertCommunity(db, streetId, n, unit));
    appendAudit(db, {
      userId: actorId,
      action: 'community.create',
      entity: 'community',
      entityId: id,
      detail: { name: n, streetId },
    });
    return id;
  })();
}

export function editCommunity(
  db: Db,
  id: number,
  input: { streetId: number; name: string; unitId: number | null; liaisonUnitIds: number[] },
  actorId: number,
): void {
  if (!findCommunityById(db, id)) throw new NotFound('找不到该社区');
  const n = parseField(name, input.name, 'name');
  if (!findStreetById(db, input.streetId))
    throw new InvalidInput('所属镇街不存在', { streetId: '所属镇街不存在' });
  const unit = optionalUnit(db, input.unitId, 'unitId');
  const liaisons = [...new Set(input.liaisonUnitIds)].map((u) => optionalUnit(db, u, 'liaisons') as number);
  db.transaction(() => {
    unique('name', `该镇街已有社区“${n}”`, () => updateCommunity(db, id, input.streetId, n, unit));
    setLiaisons(db, id, liaisons);
    appendAudit(db, {
      userId: actorId,
      action: 'community.update',
      entity: 'community',
      entityId: id,
      detail: { name: n, streetId: input.streetId, unitId: unit, liaisons },
    });
  })();
}

export interface SiteInput {
  name: string;
  siteType: string;
  streetId: number;
  communityId: number | null;
  address?: string;
  lat?: number | null;
  lng?: number | null;
  responsibleUnitId: number | null;
}

function checkSite(db: Db, input: SiteInput, selfId: number | null) {
  const n = parseField(name, input.name, 'name');
  if (!siteTypeNames(db).has(input.siteType))
    throw new InvalidInput('点位类型无效', { siteType: '点位类型无效' });
  const street = findStreetById(db, input.streetId);
  if (!street) throw new InvalidInput('所属镇街不存在', { streetId: '所属镇街不存在' });
  let community: { name: string } | undefined;
  if (input.communityId !== null) {
    const c = findCommunityById(db, input.communityId);
    if (!c) throw new InvalidInput('所属社区不存在', { communityId: '所属社区不存在' });
    community = c;
    if (c.street_id !== input.streetId)
      throw new InvalidInput('社区不属于所选镇街', { communityId: '社区不属于所选镇街' });
  }
  const lat = parseField(
    z
      .number({ error: '纬度必须是数字' })
      .min(-90, '纬度应在 -90 到 90 之间')
      .max(90, '纬度应在 -90 到 90 之间')
      .nullable(),
    input.lat ?? null,
    'lat',
  );
  const lng = parseField(
    z
      .number({ error: '经度必须是数字' })
      .min(-180, '经度应在 -180 到 180 之间')
      .max(180, '经度应在 -180 到 180 之间')
      .nullable(),
    input.lng ?? null,
    'lng',
  );
  if ((lat === null) !== (lng === null))
    throw new InvalidInput('经纬度须同时填写', { lat: '经纬度须同时填写' });
  const address = parseField(
    z.string().trim().max(200, '地址不能超过200个字符'),
    input.address ?? '',
    'address',
  );
  const responsibleUnitId = optionalUnit(db, input.responsibleUnitId, 'responsibleUnitId');
  // the same rule as the sites import: one active site of a name per 镇街 / 社区
  if (findSiteNamed(db, input.streetId, input.communityId, n, selfId)) {
    const message = community ? `${community.name}已有点位“${n}”` : `${street.name}已有直属点位“${n}”`;
    throw new Conflict(message, { name: message });
  }
  return { ...input, name: n, lat, lng, address, responsibleUnitId };
}

export function createSite(db: Db, input: SiteInput, actorId: number | null): number {
  const s = checkSite(db, input, null);
  return db.transaction(() => {
    const id = insertSite(db, s);
    appendAudit(db, {
      userId: actorId,
      action: 'site.create',
      entity: 'site',
      entityId: id,
      siteId: id,
      detail: { name: s.name, siteType: s.siteType },
    });
    return id;
  })();
}

export function editSite(db: Db, id: number, input: SiteInput, actorId: number): void {
  const before = findSiteById(db, id);
  if (!before) throw new NotFound('找不到该点位');
  const s = checkSite(db, input, id);
  db.transaction(() => {
    updateSite(db, id, s);
    appendAudit(db, {
      userId: actorId,
      action: 'site.update',
      entity: 'site',
      entityId: id,
      siteId: id,
      detail: { before, after: s },
    });
  })();
}

export type Retirable = 'street' | 'community' | 'site' | 'unit';
const TABLES: Record<Exclude<Retirable, 'unit'>, PlaceTable> = {
  street: 'streets',
  community: 'communities',
  site: 'sites',
};

/** 停用 / 恢复: the row stays, so every round and problem that refers to it keeps its history. */
export function setRetiredState(
  db: Db,
  kind: Retirable,
  id: number,
  retired: boolean,
  actorId: number,
): void {
  const exists =
    kind === 'unit'
      ? findUnitById(db, id)
      : kind === 'street'
        ? findStreetById(db, id)
        : kind === 'community'
          ? findCommunityById(db, id)
          : findSiteById(db, id);
  if (!exists) throw new NotFound('找不到该记录');
  db.transaction(() => {
    if (kind === 'unit') setUnitRetired(db, id, retired);
    else setRetired(db, TABLES[kind], id, retired);
    appendAudit(db, {
      userId: actorId,
      action: `${kind}.${retired ? 'retire' : 'restore'}`,
      entity: kind,
      entityId: id,
    });
  })();
}

export function linkLiaison(db: Db, communityId: number, unitId: number, actorId: number | null): void {
  db.transaction(() => {
    addLiaison(db, communityId, unitId);
    appendAudit(db, {
      userId: actorId,
      action: 'liaison.add',
      entity: 'community',
      entityId: communityId,
      detail: { unitId },
    });
  })();
}

/** The 社区 a unit 包联, ticked on the units page; returns how many. */
export function setUnitLiaisons(db: Db, unitId: number, communityIds: number[], actorId: number): number {
  if (!findUnitById(db, unitId)) throw new NotFound('找不到该单位');
  const chosen = [...new Set(communityIds)];
  for (const id of chosen)
    if (!Number.isInteger(id) || !findCommunityById(db, id))
      throw new InvalidInput('所选社区不存在', { communities: '所选社区不存在' });
  db.transaction(() => {
    setLiaisonsOfUnit(db, unitId, chosen);
    appendAudit(db, {
      userId: actorId,
      action: 'unit.liaisons',
      entity: 'unit',
      entityId: unitId,
      detail: { communities: chosen },
    });
  })();
  return chosen.length;
}

export function unitIdByCode(db: Db, code: string): number | undefined {
  return findUnitByCode(db, code)?.id;
}
