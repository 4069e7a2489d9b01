// The office enters a year the chinese-days package does not know yet (2027, as the State Council would
// publish it); deadlines in working days then count its holidays and make-up days. A bad line refuses the
// whole entry, by line, and stores nothing; entering a year again replaces it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { findUserByUsername } from '../../src/db/repos/users.ts';
import { enterCalendarYear, workCalendarOf } from '../../src/services/calendar.ts';
import { addWorkdays } from '../../src/calendar/workdays.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
  // the demo enters 2027 (marked 演示): these tests start from a district that has entered no year
  app.booted.db.prepare('DELETE FROM calendar_days').run();
  app.booted.db.prepare('DELETE FROM calendar_years').run();
});
afterAll(() => app.destroy());
const db = () => app.booted.db;
const count = (sql: string) => db().prepare(sql).pluck().get() as number;

const NATIONAL_DAY_2027 = `
2027-10-01 休 国庆节
2027-10-02 休 国庆节
2027-10-03 休 国庆节
2027-10-04 休 国庆节
2027-10-05 休 国庆节
2027-10-06 休 国庆节
2027-10-07 休 国庆节
2027-10-09 班 国庆节调休
`;

describe('the office’s calendar', () => {
  it('weekends only before 2027 is entered, its holidays after', () => {
    // Thu 09-30 + 3: Fri 10-01, Mon 10-04, Tue 10-05 (unknown year, weekends only)
    expect(addWorkdays(workCalendarOf(db()), '2027-09-30', 3)).toEqual({
      date: '2027-10-05',
      unknownYears: [2027],
    });
    expect(enterCalendarYear(db(), SYSTEM, '2027', NATIONAL_DAY_2027)).toBe(8);
    // Fri 10-08 (1), Sat 10-09 make-up (2), Mon 10-11 (3)
    expect(addWorkdays(workCalendarOf(db()), '2027-09-30', 3)).toEqual({
      date: '2027-10-11',
      unknownYears: [],
    });
    const audit = db()
      .prepare("SELECT detail FROM audit_log WHERE action = 'calendar.enter' ORDER BY id DESC LIMIT 1")
      .pluck()
      .get() as string;
    expect(JSON.parse(audit)).toEqual({ year: 2027, holidays: 7, workdays: 1 });
  });

  it('refuses every bad line at once and keeps what was there', () => {
    const before = count('SELECT count(*) FROM calendar_days');
    const bad =
      '2027-02-30 休 春节\n2026-10-01 休 国庆节\n2027-10-01 放 国庆节\n2027-10-02 休\n2027-10-02 班';
    expect(() => enterCalendarYear(db(), SYSTEM, '2027', bad)).toThrow(
      expect.objectContaining({
        status: 400,
        fields: {
          days:
            '第 1 行：日期“2027-02-30”无效，应为 YYYY-MM-DD；第 2 行：2026-10-01 不在 2027 年；' +
            '第 3 行：“放”应为“休”（放假）或“班”（调休上班）；第 5 行：2027-10-02 重复',
        },
      }),
    );
    expect(() => enterCalendarYear(db(), SYSTEM, '二〇二七', NATIONAL_DAY_2027)).toThrow(
      expect.objectContaining({ fields: { year: '年份应为 2000 到 2100 之间的整数' } }),
    );
    expect(() => enterCalendarYear(db(), SYSTEM, '2027', '  \n ')).toThrow(
      expect.objectContaining({ fields: { days: '没有填写任何日期' } }),
    );
    expect(count('SELECT count(*) FROM calendar_days')).toBe(before);
  });

  it('replaces a year entered again, and only the office may enter one', () => {
    expect(enterCalendarYear(db(), SYSTEM, '2027', '2027-10-01 休 国庆节')).toBe(1);
    expect(count("SELECT count(*) FROM calendar_days WHERE day LIKE '2027-%'")).toBe(1);
    const unit = findUserByUsername(db(), 'xingfu')!;
    expect(() => enterCalendarYear(db(), unit, '2027', NATIONAL_DAY_2027)).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(count("SELECT count(*) FROM calendar_days WHERE day LIKE '2027-%'")).toBe(1);
  });
});
