// Asia/Shanghai days over stored UTC instants, worked by hand around a day boundary: 16:00 UTC is
// midnight in Shanghai (UTC+8, no daylight saving), so 2026-09-30T15:59:59.999Z is still 30 September
// there and 16:00:00.000Z is 1 October — the moment shanghaiMidnight('2026-10-01') gives back.
import { describe, expect, it } from 'vitest';
import { addDays, formatShanghai, shanghaiDate, shanghaiMidnight } from '../../src/util/time.ts';

describe('shanghaiMidnight', () => {
  it('is 16:00 UTC of the day before', () => {
    expect(shanghaiMidnight('2026-10-01')).toBe('2026-09-30T16:00:00.000Z');
    // across a month, a year and a leap day
    expect(shanghaiMidnight('2026-11-01')).toBe('2026-10-31T16:00:00.000Z');
    expect(shanghaiMidnight('2027-01-01')).toBe('2026-12-31T16:00:00.000Z');
    expect(shanghaiMidnight('2028-03-01')).toBe('2028-02-29T16:00:00.000Z');
  });

  it('starts the day shanghaiDate reads, and the day before ends a millisecond earlier', () => {
    const midnight = new Date('2026-09-30T16:00:00.000Z');
    const justBefore = new Date('2026-09-30T15:59:59.999Z');
    expect(shanghaiDate(midnight)).toBe('2026-10-01');
    expect(shanghaiDate(justBefore)).toBe('2026-09-30');
    expect(shanghaiMidnight(shanghaiDate(midnight))).toBe(midnight.toISOString());
    expect(shanghaiMidnight(shanghaiDate(justBefore))).toBe('2026-09-29T16:00:00.000Z');
    expect(formatShanghai(shanghaiMidnight('2026-10-01'))).toBe('2026-10-01 00:00');
  });

  it('bounds a day: every instant of 1 October in Shanghai is at or after its midnight and before the next', () => {
    const from = shanghaiMidnight('2026-10-01');
    const to = shanghaiMidnight(addDays('2026-10-01', 1));
    expect(to).toBe('2026-10-01T16:00:00.000Z');
    for (const iso of ['2026-09-30T16:00:00.000Z', '2026-10-01T04:00:00.000Z', '2026-10-01T15:59:59.999Z'])
      expect(iso >= from && iso < to, iso).toBe(true);
    for (const iso of ['2026-09-30T15:59:59.999Z', '2026-10-01T16:00:00.000Z'])
      expect(iso >= from && iso < to, iso).toBe(false);
  });
});
