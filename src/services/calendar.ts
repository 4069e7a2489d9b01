/**
 * The working-day calendar deadlines count in: the chinese-days package's holidays and 调休 days, and a
 * year the office enters over them (`enterCalendarYear`: one line per day, as the State Council's notice
 * lists them). Entering a year again replaces it whole. Only the office may; each entry is audited.
 */
import { atomically, type Db } from '../db/connection.ts';
import {
  calendarYears,
  listCalendarDays,
  replaceCalendarYear,
  type CalendarDayRow,
} from '../db/repos/calendar.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { InvalidInput } from '../errors.ts';
import { packageCalendar, workCalendar, type WorkCalendar } from '../calendar/workdays.ts';
import { shanghaiDate } from '../util/time.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

/** The calendar as deadlines use it now: the office's days over the package's. */
export function workCalendarOf(db: Db): WorkCalendar {
  return workCalendar(
    listCalendarDays(db).map((d) => ({ date: d.day, kind: d.kind, name: d.name })),
    calendarYears(db),
  );
}

const HOLIDAY_WORDS = new Set(['休', '放假', '休息', '假']);
const WORKDAY_WORDS = new Set(['班', '上班', '补班', '调休上班']);

/**
 * Reads a year's days, one per line: `2027-10-01 休 国庆节` or `2027-10-09 班 国庆节调休` (date, 休 or 班,
 * an optional name; blank lines ignored). Every problem is refused at once, by line, and nothing is stored.
 */
export function parseCalendarYear(year: number, text: string): CalendarDayRow[] {
  const problems: string[] = [];
  const days = new Map<string, CalendarDayRow>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const [date = '', word = '', ...rest] = line.split(/\s+/);
    const where = `第 ${i + 1} 行`;
    // a real calendar day: 2027-02-30 rolls over and 2027-13-01 is no date at all
    const at = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : null;
    const valid = !!at && !Number.isNaN(at.getTime()) && at.toISOString().startsWith(date);
    if (!valid) return void problems.push(`${where}：日期“${date}”无效，应为 YYYY-MM-DD`);
    if (Number(date.slice(0, 4)) !== year) return void problems.push(`${where}：${date} 不在 ${year} 年`);
    const kind = HOLIDAY_WORDS.has(word) ? 'holiday' : WORKDAY_WORDS.has(word) ? 'workday' : null;
    if (!kind) return void problems.push(`${where}：“${word}”应为“休”（放假）或“班”（调休上班）`);
    if (days.has(date)) return void problems.push(`${where}：${date} 重复`);
    days.set(date, { day: date, kind, name: rest.join(' ').slice(0, 50) });
  });
  if (!problems.length && !days.size) problems.push('没有填写任何日期');
  if (problems.length) throw new InvalidInput('日历有误，未保存', { days: problems.join('；') });
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** The office enters (or re-enters) a year's holidays and make-up working days. Returns how many days. */
export function enterCalendarYear(db: Db, actor: Actor, yearText: string, text: string): number {
  canOrReject(db, actor, 'office.manage', null);
  const year = Number(yearText);
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new InvalidInput('日历有误，未保存', { year: '年份应为 2000 到 2100 之间的整数' });
  const days = parseCalendarYear(year, text);
  atomically(db, () => {
    replaceCalendarYear(db, year, days, auditUserId(actor));
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'calendar.enter',
      entity: 'calendar',
      entityId: year,
      detail: {
        year,
        holidays: days.filter((d) => d.kind === 'holiday').length,
        workdays: days.filter((d) => d.kind === 'workday').length,
      },
    });
  });
  return days.length;
}

export interface CalendarPage {
  /** the years the chinese-days package knows, first and last */
  packageYears: { first: number; last: number };
  /** the years the office entered, newest first, each with its days */
  entered: { year: number; days: CalendarDayRow[] }[];
  /** this year and next when nobody knows them: deadlines there count weekends only */
  unknown: number[];
}

/** The office's calendar page: what is known, what was entered, what is missing. */
export function calendarPage(db: Db, actor: Actor, today: string = shanghaiDate()): CalendarPage {
  canOrReject(db, actor, 'office.manage', null);
  const years = [...packageCalendar().years].sort((a, b) => a - b);
  const days = listCalendarDays(db);
  const entered = calendarYears(db)
    .reverse()
    .map((year) => ({ year, days: days.filter((d) => d.day.startsWith(`${year}-`)) }));
  const calendar = workCalendarOf(db);
  const year = Number(today.slice(0, 4));
  return {
    packageYears: { first: years[0] ?? 0, last: years.at(-1) ?? 0 },
    entered,
    unknown: [year, year + 1].filter((y) => !calendar.knows(y)),
  };
}
