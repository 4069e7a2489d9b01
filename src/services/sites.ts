/**
 * 点位: creating and editing a site, from the places page, the sites import and the demo seed alike.
 * A site names its type, its 镇街 and (unless directly under the 镇街) its 社区, where it is, and its
 * responsible unit; one active site of a name per 镇街 / 社区. Every change is the office's (access.ts:
 * `office.manage`) and audit-logged under its actor.
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import { parseField } from './validate.ts';
import { name, optionalUnit } from './place-fields.ts';
import type { Db } from '../db/connection.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  findCommunityById,
  findSiteById,
  findSiteNamed,
  findStreetById,
  insertSite,
  siteTypeNames,
  updateSite,
} from '../db/repos/places.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

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

export function createSite(db: Db, actor: Actor, input: SiteInput): number {
  canOrReject(db, actor, 'office.manage', null);
  const s = checkSite(db, input, null);
  return atomically(db, () => {
    const id = insertSite(db, s);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'site.create',
      entity: 'site',
      entityId: id,
      siteId: id,
      detail: { name: s.name, siteType: s.siteType },
    });
    return id;
  });
}

export function editSite(db: Db, actor: Actor, id: number, input: SiteInput): void {
  canOrReject(db, actor, 'office.manage', null);
  const before = findSiteById(db, id);
  if (!before) throw new NotFound('找不到该点位');
  const s = checkSite(db, input, id);
  atomically(db, () => {
    updateSite(db, id, s);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'site.update',
      entity: 'site',
      entityId: id,
      siteId: id,
      detail: { before, after: s },
    });
  });
}
