/**
 * Places and units: 镇街, 社区, 点位, 责任单位 and 包联. Creation goes through here (pages, imports and the
 * demo seed alike) so names are checked and every addition is audit-logged.
 */
import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import { InvalidInput } from '../errors.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { addLiaison, findUnitById, insertUnit, type UnitKind } from '../db/repos/units.ts';
import { insertCommunity, insertSite, insertStreet } from '../db/repos/places.ts';

const name = z.string().trim().min(1, '名称不能为空').max(100, '名称不能超过100个字符');

function parse<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const message = r.error.issues[0]?.message ?? '取值无效';
    throw new InvalidInput(message, { [field]: message });
  }
  return r.data;
}

export interface CreateUnitInput {
  code: string;
  name: string;
  kind: UnitKind;
  department?: string | null;
  parentId?: number | null;
}

export function createUnit(db: Db, input: CreateUnitInput, actorId: number | null): number {
  const code = parse(z.string().trim().min(1, '单位编码不能为空').max(60), input.code, 'code');
  const unitName = parse(name, input.name, 'name');
  if (input.parentId != null && !findUnitById(db, input.parentId))
    throw new InvalidInput('上级单位不存在', { parentId: '上级单位不存在' });
  return db.transaction(() => {
    const id = insertUnit(db, { ...input, code, name: unitName });
    appendAudit(db, {
      userId: actorId,
      action: 'unit.create',
      entity: 'unit',
      entityId: id,
      detail: { code, name: unitName },
    });
    return id;
  })();
}

export function createStreet(
  db: Db,
  streetName: string,
  unitId: number | null,
  actorId: number | null,
): number {
  const n = parse(name, streetName, 'name');
  return db.transaction(() => {
    const id = insertStreet(db, n, unitId);
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

export function createCommunity(
  db: Db,
  streetId: number,
  communityName: string,
  unitId: number | null,
  actorId: number | null,
): number {
  const n = parse(name, communityName, 'name');
  return db.transaction(() => {
    const id = insertCommunity(db, streetId, n, unitId);
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

export interface CreateSiteInput {
  name: string;
  siteType: string;
  streetId: number;
  communityId: number | null;
  address?: string;
  lat?: number | null;
  lng?: number | null;
  responsibleUnitId: number | null;
}

export function createSite(db: Db, input: CreateSiteInput, actorId: number | null): number {
  const n = parse(name, input.name, 'name');
  const lat = parse(z.number().min(-90).max(90).nullable(), input.lat ?? null, 'lat');
  const lng = parse(z.number().min(-180).max(180).nullable(), input.lng ?? null, 'lng');
  return db.transaction(() => {
    const id = insertSite(db, { ...input, name: n, address: input.address ?? '', lat, lng });
    appendAudit(db, {
      userId: actorId,
      action: 'site.create',
      entity: 'site',
      entityId: id,
      siteId: id,
      detail: { name: n, siteType: input.siteType },
    });
    return id;
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
