/**
 * Times are stored as ISO-8601 UTC; people read dates and times in Asia/Shanghai (UTC+8, no DST).
 * These helpers are the only place that knows that.
 */
import { now } from './clock.ts';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/** Now as stored (ISO-8601 UTC), by the app's clock (util/clock.ts). */
export function nowIso(): string {
  return now().toISOString();
}

/** 'YYYY-MM-DD' of the given instant in Asia/Shanghai. */
export function shanghaiDate(at: Date = now()): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The moment a day in Asia/Shanghai ('YYYY-MM-DD') begins, as stored (ISO-8601 UTC):
 * 2026-10-01 → 2026-09-30T16:00:00.000Z. Limits "today", periods and day ranges of stored times.
 */
export function shanghaiMidnight(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS).toISOString();
}

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai, for pages and sheets. */
export function formatShanghai(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Adds calendar days to a 'YYYY-MM-DD' date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
