// Working days by hand, around the 2026 National Day holiday (the State Council's schedule: 10月1日–7日 off,
// 9月20日 (Sunday) and 10月10日 (Saturday) worked), a year the package does not know yet (2027), and the same
// year once the office has entered its schedule.
import { describe, expect, it } from 'vitest';
import { addWorkdays, packageCalendar, workCalendar, type CalendarDay } from '../../src/calendar/workdays.ts';

describe('the package’s calendar', () => {
  const cal = workCalendar();

  it('knows 2026: 国庆 days off, the make-up Saturday worked, an ordinary weekend off', () => {
    expect(cal.knows(2026)).toBe(true);
    expect(cal.isWorkday('2026-10-01')).toBe(false); // Thursday, 国庆节
    expect(cal.nameOf('2026-10-01')).toBe('国庆节');
    expect(cal.isWorkday('2026-10-10')).toBe(true); // Saturday, 调休上班
    expect(cal.isWorkday('2026-09-20')).toBe(true); // Sunday, 调休上班
    expect(cal.isWorkday('2026-09-27')).toBe(false); // an ordinary Sunday
    expect(cal.isWorkday('2026-09-30')).toBe(true); // Wednesday
  });

  it('counts 3 working days from Wednesday 9月30日 to Saturday 10月10日', () => {
    // 10-01 … 10-07 off; 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat make-up day (3)
    expect(addWorkdays(cal, '2026-09-30', 3)).toEqual({ date: '2026-10-10', unknownYears: [] });
    // a Friday + 1 is the Monday
    expect(addWorkdays(cal, '2026-11-27', 1)).toEqual({ date: '2026-11-30', unknownYears: [] });
  });

  it('counts weekends only in a year nobody knows, and says which', () => {
    expect(packageCalendar().years.has(2027)).toBe(false);
    // 2027-09-30 is a Thursday: Fri 10-01 (1), Mon 10-04 (2), Tue 10-05 (3) — holidays unknown
    expect(addWorkdays(cal, '2027-09-30', 3)).toEqual({ date: '2027-10-05', unknownYears: [2027] });
    // crossing into it from a known year names only the unknown one
    expect(addWorkdays(cal, '2026-12-30', 3).unknownYears).toEqual([2027]);
  });

  it('refuses a count that is not a positive whole number', () => {
    for (const n of [0, -1, 1.5]) expect(() => addWorkdays(cal, '2026-09-30', n)).toThrow(RangeError);
  });
});

describe('the office’s calendar', () => {
  // the office enters 2027's 国庆 (as the State Council would publish it): 10-01 … 10-07 off, Sat 10-09 worked
  const days: CalendarDay[] = [
    ...[1, 2, 3, 4, 5, 6, 7].map((d) => ({
      date: `2027-10-0${d}`,
      kind: 'holiday' as const,
      name: '国庆节',
    })),
    { date: '2027-10-09', kind: 'workday', name: '国庆节调休' },
  ];
  const cal = workCalendar(days, [2027]);

  it('knows the year it entered and counts its holidays', () => {
    expect(cal.knows(2027)).toBe(true);
    // Thu 09-30 → Fri 10-08 (1), Sat 10-09 make-up (2), Mon 10-11 (3)
    expect(addWorkdays(cal, '2027-09-30', 3)).toEqual({ date: '2027-10-11', unknownYears: [] });
  });

  it('wins over the package on a day both name', () => {
    const moved = workCalendar([{ date: '2026-10-10', kind: 'holiday', name: '本地调整' }]);
    expect(moved.isWorkday('2026-10-10')).toBe(false);
    expect(addWorkdays(moved, '2026-09-30', 3).date).toBe('2026-10-12');
  });
});
