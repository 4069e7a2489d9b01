/**
 * Working days (工作日) in China, for deadlines counted in them: the official holidays and 调休 make-up
 * working days from the `chinese-days` package where it knows the year (it ships each year's schedule once
 * the State Council publishes it), and the days the office enters for any year, which win over the
 * package's. A year nobody knows counts weekends only — and says so (`unknownYears`), so the office can be
 * warned rather than trust a deadline that may land on a holiday. Pure: the days come in as data.
 */
import { createRequire } from 'node:module';

export type DayKind = 'workday' | 'holiday';

/** A day that is not what its weekday says: a holiday on a weekday, or a make-up working day on a weekend. */
export interface CalendarDay {
  date: string;
  kind: DayKind;
  /** e.g. 国庆节 */
  name: string;
}

export interface WorkCalendar {
  isWorkday(date: string): boolean;
  /** whether the year's holidays are known (the package's data, or the office entered the year) */
  knows(year: number): boolean;
  /** the day's holiday or make-up name, or null */
  nameOf(date: string): string | null;
}

interface PackageData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

let packaged: { days: Map<string, CalendarDay>; years: Set<number> } | undefined;

/** The package's days (its `dist/chinese-days.json`: "English,中文,n" per date) and the years they cover. */
export function packageCalendar(): { days: ReadonlyMap<string, CalendarDay>; years: ReadonlySet<number> } {
  if (packaged) return packaged;
  const data = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as PackageData;
  const days = new Map<string, CalendarDay>();
  const years = new Set<number>();
  const add = (all: Record<string, string>, kind: DayKind) => {
    for (const [date, label] of Object.entries(all)) {
      days.set(date, { date, kind, name: label.split(',')[1] ?? label });
      years.add(Number(date.slice(0, 4)));
    }
  };
  add(data.holidays, 'holiday');
  add(data.workdays, 'workday');
  packaged = { days, years };
  return packaged;
}

const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/**
 * The calendar deadlines use: the office's days over the package's. `officeYears` are years the office
 * entered in full (a year's schedule it typed or imported): they count as known even where the package
 * has nothing.
 */
export function workCalendar(
  officeDays: readonly CalendarDay[] = [],
  officeYears: readonly number[] = [],
): WorkCalendar {
  const base = packageCalendar();
  const office = new Map(officeDays.map((d) => [d.date, d]));
  const years = new Set([...base.years, ...officeYears]);
  const dayOf = (date: string) => office.get(date) ?? base.days.get(date);
  return {
    isWorkday(date) {
      const d = dayOf(date);
      if (d) return d.kind === 'workday';
      const w = weekday(date);
      return w !== 0 && w !== 6;
    },
    knows: (year) => years.has(year),
    nameOf: (date) => dayOf(date)?.name ?? null,
  };
}

const nextDay = (date: string): string => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
};

/**
 * The n-th working day after `from` (the day itself not counted; n ≥ 1), and the years passed through
 * whose holidays nobody knows (there the count assumed weekends only).
 */
export function addWorkdays(
  calendar: WorkCalendar,
  from: string,
  n: number,
): { date: string; unknownYears: number[] } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a positive integer: ${n}`);
  const unknown = new Set<number>();
  let date = from;
  for (let left = n; left > 0;) {
    date = nextDay(date);
    const year = Number(date.slice(0, 4));
    if (!calendar.knows(year)) unknown.add(year);
    if (calendar.isWorkday(date)) left--;
  }
  return { date, unknownYears: [...unknown].sort((a, b) => a - b) };
}
