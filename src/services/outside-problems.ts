/**
 * Problems from outside rounds (督查, 随手拍, 12345, 媒体): where one is (a site, or a 社区 / 镇街 and an
 * address, and the browser's WGS-84 coordinates), whether that is outside the district, and raising one
 * into the rectification loop. They have no round and never change a round's score; their deadline is
 * counted by the office's rule for the source (or the hotline order's own 时限) and stored once.
 *
 * The pages that record them (督查 on a phone or tablet, 随手拍 triage, the 12345 import) check their
 * input and call `raiseOutsideProblem` inside their own transaction.
 */
import type { Db } from '../db/connection.ts';
import { addProblemEvent, insertProblem, type OutsideSource } from '../db/repos/problems.ts';
import { findCommunityById, findSiteById, findStreetById, listSites } from '../db/repos/places.ts';
import { findUnitById } from '../db/repos/units.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { getSetting, setSetting } from '../db/repos/settings.ts';
import { distanceMeters } from '../photos/evidence.ts';
import { InvalidInput } from '../errors.ts';
import { PROBLEM_SOURCE_NAMES } from '../labels.ts';
import { deadlineFields, type ComputedDeadline } from './deadlines.ts';

export interface OutsideProblemInput {
  source: OutsideSource;
  /** a site from the list (its 镇街 and 社区 follow from it) */
  siteId?: number | null;
  /** without a site: the 社区 and / or 镇街, when known */
  communityId?: number | null;
  streetId?: number | null;
  address?: string;
  /** WGS-84, as the browser's geolocation gives it */
  gps?: { lat: number; lng: number } | null;
  /** the standard it falls under, in a loaded criteria version (optional) */
  standard?: { versionId: number; code: string } | null;
  description: string;
  /** the responsible unit (null: the office assigns one later) */
  unitId: number | null;
  deadline: ComputedDeadline;
  /** who recorded it (null: a resident's report accepted by the system, a script) */
  recordedBy: number | null;
  /** the hotline's 工单号 */
  externalRef?: string | null;
}

/** Default distance beyond which a location counts as outside the district (metres from the nearest site). */
export const DEFAULT_OUTSIDE_DISTRICT_M = 3000;

/** The distance (metres) from every site beyond which a location is flagged as outside the district. */
export function outsideDistrictMeters(db: Db): number {
  const raw = Number(getSetting(db, 'outside_district_m'));
  return Number.isInteger(raw) && raw >= 100 ? raw : DEFAULT_OUTSIDE_DISTRICT_M;
}

export function setOutsideDistrictMeters(db: Db, metres: number): void {
  setSetting(db, 'outside_district_m', String(metres));
}

/** Days a resident's phone number (given with consent for a reply) is kept. */
export const DEFAULT_REPORT_PHONE_DAYS = 90;

export function reportPhoneDays(db: Db): number {
  const raw = Number(getSetting(db, 'report_phone_days'));
  return Number.isInteger(raw) && raw >= 1 && raw <= 365 ? raw : DEFAULT_REPORT_PHONE_DAYS;
}

export function setReportPhoneDays(db: Db, days: number): void {
  setSetting(db, 'report_phone_days', String(days));
}

/**
 * Whether WGS-84 coordinates are farther than the set distance from every site of the district that has
 * coordinates (false when no site has any: nothing to compare with). Flagged, never refused.
 */
export function isOutsideDistrict(db: Db, gps: { lat: number; lng: number }): boolean {
  const limit = outsideDistrictMeters(db);
  let any = false;
  for (const s of listSites(db)) {
    if (s.retired_at || s.lat === null || s.lng === null) continue;
    any = true;
    if (distanceMeters(gps, { lat: s.lat, lng: s.lng }) <= limit) return false;
  }
  return any;
}

/** Reads browser coordinates (WGS-84) from form fields, or null when both are empty; refuses nonsense. */
export function parseGps(latIn: unknown, lngIn: unknown): { lat: number; lng: number } | null {
  const t = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
  const lat = t(latIn);
  const lng = t(lngIn);
  if (lat === '' && lng === '') return null;
  const la = Number(lat);
  const ln = Number(lng);
  if (
    lat === '' ||
    lng === '' ||
    !Number.isFinite(la) ||
    !Number.isFinite(ln) ||
    Math.abs(la) > 90 ||
    Math.abs(ln) > 180
  )
    throw new InvalidInput('定位坐标无效，请重新定位或改填地址');
  return { lat: la, lng: ln };
}

/**
 * Inserts the problem and its first history step and audit row; the caller has checked access and
 * input and runs this inside its transaction. Returns the problem's id.
 */
export function raiseOutsideProblem(db: Db, input: OutsideProblemInput, actorId: number | null): number {
  const site = input.siteId ? findSiteById(db, input.siteId) : undefined;
  if (input.siteId && !site) throw new InvalidInput('找不到该点位');
  const community = site
    ? undefined
    : input.communityId
      ? findCommunityById(db, input.communityId)
      : undefined;
  if (!site && input.communityId && !community) throw new InvalidInput('找不到该社区');
  const streetId = site?.street_id ?? community?.street_id ?? input.streetId ?? null;
  if (streetId !== null && !findStreetById(db, streetId)) throw new InvalidInput('找不到该镇街');
  if (input.unitId !== null && !findUnitById(db, input.unitId)) throw new InvalidInput('找不到该责任单位');
  const gps = input.gps ?? null;
  const id = insertProblem(db, {
    roundId: null,
    siteId: site?.id ?? null,
    sheetId: null,
    source: input.source,
    standardCode: input.standard?.code ?? null,
    criteriaVersionId: input.standard?.versionId ?? null,
    description: input.description,
    pointsLost: 0,
    unitId: input.unitId,
    ...deadlineFields(input.deadline),
    repeatCount: 0,
    previousProblemId: null,
    streetId,
    communityId: site?.community_id ?? community?.id ?? null,
    address: input.address ?? site?.address ?? '',
    gps,
    outsideDistrict: gps !== null && isOutsideDistrict(db, gps),
    recordedBy: input.recordedBy,
    externalRef: input.externalRef ?? null,
  });
  addProblemEvent(db, {
    problemId: id,
    userId: actorId,
    action: 'raise',
    from: null,
    to: 'open',
    note: PROBLEM_SOURCE_NAMES[input.source],
  });
  appendAudit(db, {
    userId: actorId,
    action: 'problem.raise',
    entity: 'problem',
    entityId: id,
    siteId: site?.id ?? null,
    detail: {
      source: PROBLEM_SOURCE_NAMES[input.source],
      deadline: input.deadline.time
        ? `${input.deadline.deadline} ${input.deadline.time}`
        : input.deadline.deadline,
      ...(input.externalRef ? { externalRef: input.externalRef } : {}),
    },
  });
  return id;
}
