/** calendar_days and calendar_years (migration 012): the working-day calendar the office enters. */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export interface CalendarDayRow {
  day: string;
  kind: 'workday' | 'holiday';
  name: string;
}

export function listCalendarDays(db: Db): CalendarDayRow[] {
  return db.prepare('SELECT day, kind, name FROM calendar_days ORDER BY day').all() as CalendarDayRow[];
}

export function calendarYears(db: Db): number[] {
  return db.prepare('SELECT year FROM calendar_years ORDER BY year').pluck().all() as number[];
}

/** Replaces a year's days with these and marks the year entered (call inside a transaction). */
export function replaceCalendarYear(
  db: Db,
  year: number,
  days: CalendarDayRow[],
  userId: number | null,
): void {
  const at = nowIso();
  db.prepare('DELETE FROM calendar_days WHERE day >= ? AND day <= ?').run(`${year}-01-01`, `${year}-12-31`);
  const insert = db.prepare(
    'INSERT INTO calendar_days (day, kind, name, entered_at, entered_by) VALUES (?, ?, ?, ?, ?)',
  );
  for (const d of days) insert.run(d.day, d.kind, d.name, at, userId);
  db.prepare(
    `INSERT INTO calendar_years (year, entered_at, entered_by) VALUES (?, ?, ?)
     ON CONFLICT (year) DO UPDATE SET entered_at = excluded.entered_at, entered_by = excluded.entered_by`,
  ).run(year, at, userId);
}
