/**
 * Places: 镇街 and 社区, and retiring any place or unit. Creation and editing go through here (pages,
 * Excel imports and the demo seed alike) so names are checked the same way and every change is
 * audit-logged; 点位 are in sites.ts, 责任单位 and 包联 in units.ts, the checks they share in
 * place-fields.ts. Retiring keeps the row (history points at it); nothing is ever deleted.
 */
import { atomically } from '../db/connection.ts';
import { parseField } from './validate.ts';
import { name, optionalUnit, unique } from './place-fields.ts';
import type { Db } from '../db/connection.ts';
import { InvalidInput, NotFound } from '../errors.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { findUnitById, setLiaisons, setUnitRetired } from '../db/repos/units.ts';
import {
  findCommunityById,
  findSiteById,
  findStreetById,
  insertCommunity,
  insertStreet,
  setRetired,
  updateCommunity,
  updateStreet,
  type PlaceTable,
} from '../db/repos/places.ts';

export function createStreet(
  db: Db,
  streetName: string,
  unitId: number | null,
  actorId: number | null,
): number {
  const n = parseField(name, streetName, 'name');
  const unit = optionalUnit(db, unitId, 'unitId');
  return atomically(db, () => {
    const id = unique('name', `镇街“${n}”已存在`, () => insertStreet(db, n, unit));
    appendAudit(db, {
      userId: actorId,
      action: 'street.create',
      entity: 'street',
      entityId: id,
      detail: { name: n },
    });
    return id;
  });
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
  atomically(db, () => {
    unique('name', `镇街“${n}”已存在`, () => updateStreet(db, id, n, unit));
    appendAudit(db, {
      userId: actorId,
      action: 'street.update',
      entity: 'street',
      entityId: id,
      detail: { name: n, unitId: unit },
    });
  });
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
  return atomically(db, () => {
    const id = unique('name', `该镇街已有社区“${n}”`, () => insertCommunity(db, streetId, n, unit));
    appendAudit(db, {
      userId: actorId,
      action: 'community.create',
      entity: 'community',
      entityId: id,
      detail: { name: n, streetId },
    });
    return id;
  });
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
  atomically(db, () => {
    unique('name', `该镇街已有社区“${n}”`, () => updateCommunity(db, id, input.streetId, n, unit));
    setLiaisons(db, id, liaisons);
    appendAudit(db, {
      userId: actorId,
      action: 'community.update',
      entity: 'community',
      entityId: id,
      detail: { name: n, streetId: input.streetId, unitId: unit, liaisons },
    });
  });
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
  atomically(db, () => {
    if (kind === 'unit') setUnitRetired(db, id, retired);
    else setRetired(db, TABLES[kind], id, retired);
    appendAudit(db, {
      userId: actorId,
      action: `${kind}.${retired ? 'retire' : 'restore'}`,
      entity: kind,
      entityId: id,
    });
  });
}
