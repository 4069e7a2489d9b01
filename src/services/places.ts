/**
 * Places: 镇街 and 社区, and retiring any place or unit. Creation and editing go through here (pages,
 * Excel imports and the demo seed alike) so names are checked the same way and every change is
 * audit-logged; 点位 are in sites.ts, 责任单位 and 包联 in units.ts, the checks they share in
 * place-fields.ts. Retiring keeps the row (history points at it); nothing is ever deleted. Every change
 * is the office's (access.ts: `office.manage`) and names its actor in the audit log.
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
import { auditUserId, canOrReject, type Actor } from './access.ts';

export function createStreet(db: Db, actor: Actor, streetName: string, unitId: number | null): number {
  canOrReject(db, actor, 'office.manage', null);
  const n = parseField(name, streetName, 'name');
  const unit = optionalUnit(db, unitId, 'unitId');
  return atomically(db, () => {
    const id = unique('name', `镇街“${n}”已存在`, () => insertStreet(db, n, unit));
    appendAudit(db, {
      userId: auditUserId(actor),
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
  actor: Actor,
  id: number,
  streetName: string,
  unitId: number | null,
): void {
  canOrReject(db, actor, 'office.manage', null);
  if (!findStreetById(db, id)) throw new NotFound('找不到该镇街');
  const n = parseField(name, streetName, 'name');
  const unit = optionalUnit(db, unitId, 'unitId');
  atomically(db, () => {
    unique('name', `镇街“${n}”已存在`, () => updateStreet(db, id, n, unit));
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'street.update',
      entity: 'street',
      entityId: id,
      detail: { name: n, unitId: unit },
    });
  });
}

export function createCommunity(
  db: Db,
  actor: Actor,
  streetId: number,
  communityName: string,
  unitId: number | null,
): number {
  canOrReject(db, actor, 'office.manage', null);
  const n = parseField(name, communityName, 'name');
  if (!findStreetById(db, streetId)) throw new InvalidInput('所属镇街不存在', { streetId: '所属镇街不存在' });
  const unit = optionalUnit(db, unitId, 'unitId');
  return atomically(db, () => {
    const id = unique('name', `该镇街已有社区“${n}”`, () => insertCommunity(db, streetId, n, unit));
    appendAudit(db, {
      userId: auditUserId(actor),
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
  actor: Actor,
  id: number,
  input: { streetId: number; name: string; unitId: number | null; liaisonUnitIds: number[] },
): void {
  canOrReject(db, actor, 'office.manage', null);
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
      userId: auditUserId(actor),
      action: 'community.update',
      entity: 'community',
      entityId: id,
      detail: { name: n, streetId: input.streetId, unitId: unit, liaisons },
    });
  });
}

export type Retirable = 'street' | 'community' | 'site' | 'unit';
const RETIRABLE: readonly string[] = ['street', 'community', 'site', 'unit'];
const TABLES: Record<Exclude<Retirable, 'unit'>, PlaceTable> = {
  street: 'streets',
  community: 'communities',
  site: 'sites',
};

/**
 * 停用 / 恢复: the row stays, so every round and problem that refers to it keeps its history. `kind`
 * comes from the address: any other word names nothing (404, like an id that names nothing).
 */
export function setRetiredState(db: Db, actor: Actor, kind: string, id: number, retired: boolean): Retirable {
  canOrReject(db, actor, 'office.manage', null);
  if (!isRetirable(kind)) throw new NotFound('找不到该记录');
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
      userId: auditUserId(actor),
      action: `${kind}.${retired ? 'retire' : 'restore'}`,
      entity: kind,
      entityId: id,
    });
  });
  return kind;
}

const isRetirable = (kind: string): kind is Retirable => RETIRABLE.includes(kind);
