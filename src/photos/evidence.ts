/**
 * Doubts about a photo as evidence, worked out from its metadata alone (pure, no I/O): taken outside
 * the round's dates, or taken far from the site it is filed under. A flag does not refuse the photo —
 * metadata can be missing or wrong — it tells the office reviewer where to look, in plain Chinese.
 */
import { formatShanghai, shanghaiDate } from '../util/time.ts';
import type { PhotoMeta } from './exif.ts';

export type EvidenceFlag =
  { code: 'time_outside_round'; takenAt: string } | { code: 'far_from_site'; distanceM: number };

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
  if (meta.gps && site.lat !== null && site.lng !== null) {
    const distanceM = Math.round(distanceMeters(meta.gps, { lat: site.lat, lng: site.lng }));
    if (distanceM > maxDistanceM) flags.push({ code: 'far_from_site', distanceM });
  }
  return flags;
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
  }
}
