// Deadlines counted by hand: calendar days from the Shanghai date (not the UTC one), working days across
// 国庆 2026 and onto its make-up days (Sunday 9月20日, Saturday 10月10日), hours across midnight in
// Asia/Shanghai and overdue to the minute, a year nobody entered (weekends only, and said so), and the
// office's rules read back safely.
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { setSetting } from '../../src/db/repos/settings.ts';
import {
  computeDeadline,
  deadlinePassed,
  deadlineWords,
  DEFAULT_SOURCE_RULES,
  parseDeadlineRule,
  ruleText,
  sourceDeadlineRule,
  standardDeadlineRule,
  unknownDeadlineYears,
} from '../../src/services/deadlines.ts';
import { insertProblem, updateProblem, type DeadlineUnit } from '../../src/db/repos/problems.ts';
import { workdayDeadlineYears } from '../../src/db/repos/problem-work.ts';
import { enterCalendarYear } from '../../src/services/calendar.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { InvalidInput } from '../../src/errors.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { checkCriteria } from '../../src/criteria/check.ts';
import { criteriaFromWorkbook } from '../../src/criteria/excel-read.ts';
import { criteriaToWorkbook } from '../../src/criteria/excel-write.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import type { CriteriaVersion } from '../../src/criteria/schema.ts';

let db: Db;
beforeEach(() => {
  db = openDatabase(':memory:');
  migrate(db);
});

/** A moment given in Shanghai time. */
const at = (local: string) => new Date(`${local}+08:00`);

describe('computeDeadline in calendar days', () => {
  it('counts from the Shanghai date', () => {
    const d = computeDeadline(db, { unit: 'calendar', amount: 7 }, at('2026-09-30T10:00:00'));
    expect(d).toEqual({ deadline: '2026-10-07', time: null, rule: 'calendar', amount: 7, unknownYears: [] });
    // 04:00 on 10月1日 in Shanghai is still 9月30日 in UTC: the count starts from 10月1日
    expect(computeDeadline(db, { unit: 'calendar', amount: 1 }, at('2026-10-01T04:00:00')).deadline).toBe(
      '2026-10-02',
    );
  });

  it('refuses an amount that is not a positive whole number', () => {
    for (const amount of [0, -3, 1.5])
      expect(() => computeDeadline(db, { unit: 'calendar', amount }, at('2026-09-30T10:00:00'))).toThrow(
        RangeError,
      );
  });
});

describe('computeDeadline in working days', () => {
  it('skips 国庆 and counts the make-up Saturday: 2026-09-30 + 3 = 2026-10-10', () => {
    // 10-01 … 10-07 off; Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休上班 (3)
    const d = computeDeadline(db, { unit: 'workdays', amount: 3 }, at('2026-09-30T16:00:00'));
    expect(d).toEqual({ deadline: '2026-10-10', time: null, rule: 'workdays', amount: 3, unknownYears: [] });
  });

  it('lands on the make-up Sunday 9月20日 from Friday 9月18日', () => {
    // Sat 09-19 off, Sun 09-20 调休上班 (1)
    expect(computeDeadline(db, { unit: 'workdays', amount: 1 }, at('2026-09-18T09:00:00')).deadline).toBe(
      '2026-09-20',
    );
  });

  it('counts weekends only in a year nobody entered, and says which; entered, the year counts its holidays', () => {
    // Thu 2027-09-30: Fri 10-01 (1), Mon 10-04 (2), Tue 10-05 (3) — 国庆 unknown
    const unknown = computeDeadline(db, { unit: 'workdays', amount: 3 }, at('2027-09-30T10:00:00'));
    expect(unknown).toMatchObject({ deadline: '2027-10-05', unknownYears: [2027] });
    enterCalendarYear(
      db,
      SYSTEM,
      '2027',
      ['01', '02', '03', '04', '05', '06', '07'].map((d) => `2027-10-${d} 休 国庆节`).join('\n') +
        '\n2027-10-09 班 国庆节调休',
    );
    // Fri 10-08 (1), Sat 10-09 调休上班 (2), Mon 10-11 (3)
    const known = computeDeadline(db, { unit: 'workdays', amount: 3 }, at('2027-09-30T10:00:00'));
    expect(known).toMatchObject({ deadline: '2027-10-11', unknownYears: [] });
  });
});

describe('computeDeadline in hours', () => {
  it('is the same minute the next day for 24 hours, in Shanghai time', () => {
    const d = computeDeadline(db, { unit: 'hours', amount: 24 }, at('2026-12-02T14:05:30'));
    expect(d).toEqual({ deadline: '2026-12-03', time: '14:05', rule: 'hours', amount: 24, unknownYears: [] });
    expect(deadlineWords({ deadline: d.deadline, deadline_time: d.time })).toBe('2026-12-03 14:05');
  });

  it('crosses midnight in Shanghai, not in UTC', () => {
    // 23:30 in Shanghai is 15:30 UTC: one hour on is 00:30 on the next Shanghai day
    expect(computeDeadline(db, { unit: 'hours', amount: 1 }, at('2026-12-02T23:30:00'))).toMatchObject({
      deadline: '2026-12-03',
      time: '00:30',
    });
    // 01:00 in Shanghai is the previous day in UTC: two hours on is 03:00 the same Shanghai day
    expect(computeDeadline(db, { unit: 'hours', amount: 2 }, at('2026-12-03T01:00:00'))).toMatchObject({
      deadline: '2026-12-03',
      time: '03:00',
    });
    // holidays do not stop the clock: 48 hours from the eve of 国庆
    expect(computeDeadline(db, { unit: 'hours', amount: 48 }, at('2026-09-30T18:00:00'))).toMatchObject({
      deadline: '2026-10-02',
      time: '18:00',
    });
  });
});

describe('deadlinePassed', () => {
  it('is overdue to the minute for a deadline in hours', () => {
    const p = { deadline: '2026-12-03', deadline_time: '14:05' };
    expect(deadlinePassed(p, at('2026-12-03T14:05:59'))).toBe(false);
    expect(deadlinePassed(p, at('2026-12-03T14:06:00'))).toBe(true);
    expect(deadlinePassed(p, at('2026-12-02T23:59:00'))).toBe(false);
    expect(deadlinePassed(p, at('2026-12-04T00:00:00'))).toBe(true);
  });

  it('is overdue from the next Shanghai day for a deadline in days', () => {
    const p = { deadline: '2026-10-10', deadline_time: null };
    expect(deadlinePassed(p, at('2026-10-10T23:59:00'))).toBe(false);
    expect(deadlinePassed(p, at('2026-10-11T00:00:00'))).toBe(true);
    // 2026-10-10 16:30 UTC is already 10月11日 in Shanghai
    expect(deadlinePassed(p, new Date('2026-10-10T16:30:00Z'))).toBe(true);
  });
});

describe('the years of working-day deadlines (the office home warns of the ones nobody entered)', () => {
  const problem = (deadline: string, rule: DeadlineUnit, status: 'open' | 'fixed' | 'closed' = 'open') => {
    const id = insertProblem(db, {
      roundId: null,
      siteId: null,
      source: 'inspection',
      sheetId: null,
      standardCode: null,
      description: '测试问题',
      pointsLost: 0,
      unitId: null,
      deadline,
      repeatCount: 0,
      previousProblemId: null,
      deadlineRule: rule,
      deadlineAmount: 5,
    });
    if (status !== 'open') updateProblem(db, id, { status });
  };

  it('reads the years of open and fixed working-day deadlines only, and keeps those nobody entered', () => {
    problem('2026-12-30', 'workdays', 'fixed');
    problem('2027-01-04', 'workdays');
    problem('2027-03-01', 'workdays');
    problem('2028-01-03', 'workdays', 'closed'); // closed: its year no longer matters
    problem('2029-01-02', 'calendar'); // calendar days know no holidays
    expect(workdayDeadlineYears(db)).toEqual([2026, 2027]);
    // the package knows 2026; nobody entered 2027 in this fresh database
    expect(unknownDeadlineYears(db)).toEqual([2027]);
    enterCalendarYear(db, SYSTEM, '2027', '2027-01-01 休 元旦');
    expect(unknownDeadlineYears(db)).toEqual([]);
  });
});

describe('rules', () => {
  it('a standard counts calendar days unless its version says otherwise', () => {
    expect(standardDeadlineRule({ deadlineDays: 7 })).toEqual({ unit: 'calendar', amount: 7 });
    expect(standardDeadlineRule({ deadlineDays: 5, deadlineUnit: 'workdays' })).toEqual({
      unit: 'workdays',
      amount: 5,
    });
    expect(ruleText({ unit: 'workdays', amount: 5 })).toBe('5 个工作日');
    expect(ruleText({ unit: 'calendar', amount: 7 })).toBe('7 天');
    expect(ruleText({ unit: 'hours', amount: 24 })).toBe('24 小时');
  });

  it('reads a form’s rule, or refuses it in words naming the field', () => {
    expect(parseDeadlineRule('hours', ' 720 ')).toEqual({ unit: 'hours', amount: 720 });
    const refused = (unit: unknown, amount: unknown) => {
      try {
        parseDeadlineRule(unit, amount, '时限');
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInput);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused('toString', '3')).toBe('时限：请选择按自然日、工作日或小时计算');
    expect(refused('weeks', '3')).toBe('时限：请选择按自然日、工作日或小时计算');
    expect(refused('workdays', '251')).toBe('时限：请填写 1 到 250 之间的整数（工作日）');
    expect(refused('calendar', '366')).toBe('时限：请填写 1 到 365 之间的整数（自然日）');
    expect(refused('hours', '0')).toBe('时限：请填写 1 到 720 之间的整数（小时）');
    expect(refused('hours', '1e2')).toBe('时限：请填写 1 到 720 之间的整数（小时）');
  });

  it('a damaged or out-of-range stored rule falls back to the default', () => {
    expect(sourceDeadlineRule(db, 'media')).toEqual(DEFAULT_SOURCE_RULES.media);
    for (const raw of ['{', '{"unit":"workdays","amount":900}', '{"unit":"toString","amount":3}', 'null']) {
      setSetting(db, 'deadline_rule.media', raw);
      expect(sourceDeadlineRule(db, 'media'), raw).toEqual(DEFAULT_SOURCE_RULES.media);
    }
    setSetting(db, 'deadline_rule.media', '{"unit":"hours","amount":12}');
    expect(sourceDeadlineRule(db, 'media')).toEqual({ unit: 'hours', amount: 12 });
  });
});

// A criteria version that says its 整改时限 counts working days or hours: checked, written to the
// workbook's 整改时限单位 column only when a version uses it, and read back to exactly its JSON; an
// older workbook without the column still reads as calendar days.
describe('a standard’s 整改时限单位 in criteria files and workbooks', () => {
  const shipped = () => {
    const r = checkCriteria(JSON.parse(readFileSync(join(CRITERIA_DIR, 'district-2026.json'), 'utf8')));
    if (!r.ok) throw new Error('district-2026.json is invalid');
    const { $schema: _, ...version } = r.version;
    // a standard's site types come back in the order of the site types (a ✓ per column)
    const order = new Map(version.siteTypes.map((t, i) => [t.code, i]));
    for (const s of allStandards(version)) s.siteTypes.sort((a, b) => order.get(a)! - order.get(b)!);
    return version as CriteriaVersion;
  };
  const allStandards = (v: CriteriaVersion) => v.items.flatMap((i) => i.contents.flatMap((c) => c.standards));
  /** the version with its first standard in working days and its second in hours */
  const withUnits = () => {
    const v = shipped();
    const [first, second] = allStandards(v);
    Object.assign(first!, { deadlineUnit: 'workdays', deadlineDays: 5 });
    Object.assign(second!, { deadlineUnit: 'hours', deadlineDays: 24 });
    return { v, first: first!, second: second!, third: allStandards(v)[2]! };
  };
  const load = async (buf: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    return wb;
  };
  const headers = (wb: ExcelJS.Workbook) =>
    (wb.getWorksheet('测评标准')!.getRow(1).values as unknown[]).slice(1);
  /** a standard's cell under a header */
  const cell = (wb: ExcelJS.Workbook, code: string, header: string) => {
    const ws = wb.getWorksheet('测评标准')!;
    const column = headers(wb).indexOf(header) + 1;
    for (let r = 2; r <= ws.rowCount; r++) if (ws.getCell(r, 5).value === code) return ws.getCell(r, column);
    throw new Error(`${code} not found`);
  };

  it('a version without the field exports as before (no unit column) and reads back without it', async () => {
    const v = shipped();
    const buf = await criteriaToWorkbook(v);
    const wb = await load(buf);
    expect(headers(wb)).toContain('整改时限（天）');
    expect(headers(wb)).not.toContain('整改时限单位');
    const back = await criteriaFromWorkbook(buf);
    expect(back.ok && back.version).toEqual(v);
    expect(back.ok && allStandards(back.version).some((s) => 'deadlineUnit' in s)).toBe(false);
  });

  it('a version with it writes 整改时限 and 整改时限单位 (自然日 where absent) and reads back to exactly its JSON', async () => {
    const { v, first, second, third } = withUnits();
    const buf = await criteriaToWorkbook(v);
    const wb = await load(buf);
    const h = headers(wb);
    expect(h.slice(h.indexOf('整改时限'), h.indexOf('整改时限') + 2)).toEqual(['整改时限', '整改时限单位']);
    expect(cell(wb, first.code, '整改时限单位').value).toBe('工作日');
    expect(cell(wb, second.code, '整改时限单位').value).toBe('小时');
    expect(cell(wb, third.code, '整改时限单位').value).toBe('自然日');
    expect(cell(wb, second.code, '整改时限').value).toBe(24);
    const back = await criteriaFromWorkbook(buf);
    expect(back.ok && back.version).toEqual(v);
    expect(back.ok && allStandards(back.version)[2]).not.toHaveProperty('deadlineUnit');
  });

  it('reads an older workbook given the column by hand, and refuses a unit it does not know', async () => {
    const { v, first } = withUnits();
    const wb = await load(await criteriaToWorkbook(v));
    cell(wb, first.code, '整改时限单位').value = '周';
    const refused = await criteriaFromWorkbook(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.errors.join('\n')).toMatch(
      new RegExp(`「测评标准」第\\d+行.*「整改时限单位」.*只能填写：自然日、工作日、小时（现为“周”）`),
    );
    // an empty cell is 自然日: the field absent
    cell(wb, first.code, '整改时限单位').value = null;
    const read = await criteriaFromWorkbook(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(read.ok && allStandards(read.version)[0]).not.toHaveProperty('deadlineUnit');
  });

  it('refuses more than 250 working days, with the path and the limit', () => {
    const { v } = withUnits();
    allStandards(v)[0]!.deadlineDays = 251;
    const r = checkCriteria(v);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues).toEqual([
      {
        path: 'items[0].contents[0].standards[0].deadlineDays',
        message: '整改时限不能超过 250 个工作日（现为 251）',
      },
    ]);
    allStandards(v)[0]!.deadlineDays = 250;
    expect(checkCriteria(v).ok).toBe(true);
    // a unit the schema does not know
    (allStandards(v)[0] as { deadlineUnit: string }).deadlineUnit = 'weeks';
    const weeks = checkCriteria(v);
    expect(!weeks.ok && weeks.issues[0]!.message).toBe(
      '整改时限单位只能是 workdays（工作日）或 hours（小时）',
    );
  });
});
