// A unit's after-photo (整改后照片) is doubted when its EXIF time is before the problem was raised or
// ahead of the clock, or its EXIF position is far from the site — the inspector's distance rule.
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, describeFlag, fixPhotoFlags } from '../../src/photos/evidence.ts';

const SITE = { lat: 39.9087, lng: 116.3975 };
const RAISED = { raisedAt: '2026-12-01T02:00:00.000Z' }; // 10:00 in Shanghai
const NOW = new Date('2026-12-03T04:00:00.000Z');
const at = (takenAt: string | null, gps: { lat: number; lng: number } | null = null) =>
  fixPhotoFlags({ takenAt, gps }, RAISED, SITE, NOW);

describe('fixPhotoFlags', () => {
  it('flags a photo taken before the problem was raised, to the second', () => {
    expect(at('2026-12-01T02:00:00.000Z')).toEqual([]);
    expect(at('2026-12-01T01:59:59.000Z')).toEqual([
      { code: 'taken_before_problem', takenAt: '2026-12-01T01:59:59.000Z', raisedAt: RAISED.raisedAt },
    ]);
    expect(describeFlag(at('2026-11-28T01:00:00.000Z')[0]!)).toBe(
      '拍摄时间 2026-11-28 09:00 早于问题交办时间 2026-12-01 10:00',
    );
  });

  it('flags a photo taken in the future, beyond ten minutes of clock difference', () => {
    expect(CLOCK_SKEW_MS).toBe(600_000);
    expect(at('2026-12-03T04:10:00.000Z')).toEqual([]);
    expect(at('2026-12-03T04:10:01.000Z')).toEqual([
      { code: 'taken_in_future', takenAt: '2026-12-03T04:10:01.000Z' },
    ]);
    expect(describeFlag(at('2027-01-01T00:00:00.000Z')[0]!)).toBe(
      '拍摄时间 2027-01-01 08:00 晚于上传时间（相机时间有误？）',
    );
  });

  it('flags a photo taken more than 500 m from the site, as for inspectors’ photos', () => {
    // 0.004° of latitude ≈ 444.8 m; 0.005° ≈ 556 m (1° ≈ 111.2 km)
    expect(at(null, { lat: SITE.lat + 0.004, lng: SITE.lng })).toEqual([]);
    expect(at(null, { lat: SITE.lat + 0.005, lng: SITE.lng })).toEqual([
      { code: 'far_from_site', distanceM: 556 },
    ]);
    expect(
      at('2026-12-02T00:00:00.000Z', { lat: SITE.lat + 0.005, lng: SITE.lng }).map((f) => f.code),
    ).toEqual(['far_from_site']);
  });

  it('says nothing when the photo has no time or position, or the site no coordinates', () => {
    expect(at(null)).toEqual([]);
    expect(
      fixPhotoFlags({ takenAt: null, gps: { lat: 0, lng: 0 } }, RAISED, { lat: null, lng: null }, NOW),
    ).toEqual([]);
  });
});
