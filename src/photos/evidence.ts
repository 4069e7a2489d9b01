/**
 * Doubts about a photo as evidence, worked out from its metadata alone (pure, no I/O): an inspector's
 * photo taken outside the round's dates, a unit's after-photo (整改后照片) taken before the problem was
 * raised or in the future, and either taken far from the site it is filed under. A flag does not refuse
 * the photo — metadata can be missing or wrong — it tells the office where to look, in plain Chinese.
 */
import { formatShanghai, shanghaiDate } from '../util/time.ts';
import type { PhotoMeta } from './exif.ts';

export type EvidenceFlag =
  | { code: 'time_outside_round'; takenAt: string }
  | { code: 'far_from_site'; distanceM: number }
  | { code: 'taken_before_problem'; takenAt: string; raisedAt: string }
  | { code: 'taken_in_future'; takenAt: string };

export interface LatLng {
  lat: number;
  lng: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance (haversine), in metres. */
export function distanceMeters(a: LatLng, b: LatLng): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * `round` dates are Asia/Shanghai calendar days, both inclusive. A site without coordinates, or a
 * photo without time or position, raises no flag for that check.
 */
export function evidenceFlags(
  meta: PhotoMeta,
  round: { startsOn: string; endsOn: string },
  site: { lat: number | null; lng: number | null },
  maxDistanceM = 500,
): EvidenceFlag[] {
  const flags: EvidenceFlag[] = [];
  if (meta.takenAt) {
    const day = shanghaiDate(new Date(meta.takenAt));
    if (day < round.startsOn || day > round.endsOn)
      flags.push({ code: 'time_outside_round', takenAt: meta.takenAt });
  }
  return [...flags, ...farFromSite(meta, site, maxDistanceM)];
}

function farFromSite(
  meta: PhotoMeta,
  site: { lat: number | null; lng: number | null },
  maxDistanceM: number,
): EvidenceFlag[] {
  if (!meta.gps || site.lat === null || site.lng === null) return [];
  const distanceM = Math.round(distanceMeters(meta.gps, { lat: site.lat, lng: site.lng }));
  return distanceM > maxDistanceM ? [{ code: 'far_from_site', distanceM }] : [];
}

/** How far ahead of the server's clock a camera's clock may run before its photo counts as "in the future". */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

/**
 * A unit's after-photo proves a fix made after the problem was raised: it is flagged when taken before
 * `raisedAt` (e.g. the inspector's own before-photo sent back) or after `now` (a camera whose clock is
 * wrong), or far from the site, with the same distance rule as an inspector's photo.
 */
export function fixPhotoFlags(
  meta: PhotoMeta,
  problem: { raisedAt: string },
  site: { lat: number | null; lng: number | null },
  now: Date,
  maxDistanceM = 500,
): EvidenceFlag[] {
  const flags: EvidenceFlag[] = [];
  if (meta.takenAt) {
    const taken = Date.parse(meta.takenAt);
    if (taken < Date.parse(problem.raisedAt))
      flags.push({ code: 'taken_before_problem', takenAt: meta.takenAt, raisedAt: problem.raisedAt });
    else if (taken > now.getTime() + CLOCK_SKEW_MS)
      flags.push({ code: 'taken_in_future', takenAt: meta.takenAt });
  }
  return [...flags, ...farFromSite(meta, site, maxDistanceM)];
}

const grouped = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 });

/** '约 812 米', '约 2.4 公里', '约 8,432 公里'. */
export function formatDistance(distanceM: number): string {
  if (distanceM < 1000) return `约 ${grouped.format(distanceM)} 米`;
  if (distanceM < 10_000) return `约 ${oneDecimal.format(distanceM / 1000)} 公里`;
  return `约 ${grouped.format(distanceM / 1000)} 公里`;
}

export function describeFlag(flag: EvidenceFlag): string {
  switch (flag.code) {
    case 'time_outside_round':
      return `拍摄时间 ${formatShanghai(flag.takenAt)} 不在本轮测评日期内`;
    case 'far_from_site':
      return `拍摄地点距点位${formatDistance(flag.distanceM)}`;
    case 'taken_before_problem':
      return `拍摄时间 ${formatShanghai(flag.takenAt)} 早于问题交办时间 ${formatShanghai(flag.raisedAt)}`;
    case 'taken_in_future':
      return `拍摄时间 ${formatShanghai(flag.takenAt)} 晚于上传时间（相机时间有误？）`;
  }
}
