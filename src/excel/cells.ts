/**
 * What exceljs hands us for a cell, reduced to what a person typed: rich text and hyperlinks become
 * their text, strings are trimmed, formulas and error values are told apart so the reader can refuse
 * them. Also the two small facts both reader and writers need: how wide text looks (a Chinese
 * character takes two columns) and how Excel's zone-less dates map to Asia/Shanghai.
 */
import type { CellValue } from './types.ts';
import { formatShanghai } from '../util/time.ts';

export type Cell =
  | { kind: 'value'; value: CellValue }
  | { kind: 'formula'; result: CellValue }
  | { kind: 'error'; code: string };

const EMPTY: Cell = { kind: 'value', value: null };

function text(s: string): CellValue {
  const trimmed = s.trim();
  return trimmed === '' ? null : trimmed;
}

/** Reduces one exceljs cell value (streaming or in-memory reader) to a Cell. */
export function normaliseCell(raw: unknown): Cell {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'string') return { kind: 'value', value: text(raw) };
  if (typeof raw === 'number')
    return Number.isFinite(raw) ? { kind: 'value', value: raw } : { kind: 'error', code: '#NUM!' };
  if (typeof raw === 'boolean') return { kind: 'value', value: raw };
  if (raw instanceof Date)
    return Number.isNaN(raw.getTime()) ? { kind: 'error', code: '#VALUE!' } : { kind: 'value', value: raw };
  if (typeof raw !== 'object') return EMPTY;
  const o = raw as Record<string, unknown>;
  // The streaming reader gives a shared formula's later cells as { formula: '' }.
  if ('formula' in o || 'sharedFormula' in o) {
    const result = normaliseCell(o.result);
    return { kind: 'formula', result: result.kind === 'value' ? result.value : null };
  }
  if (Array.isArray(o.richText))
    return {
      kind: 'value',
      value: text(
        o.richText.map((r: { text?: unknown }) => (typeof r.text === 'string' ? r.text : '')).join(''),
      ),
    };
  if (typeof o.error === 'string') return { kind: 'error', code: o.error };
  if (typeof o.text === 'string') return { kind: 'value', value: text(o.text) };
  return EMPTY;
}

export function isEmpty(cell: Cell): boolean {
  return cell.kind === 'value' && cell.value === null;
}

/** A cell as plain text (headers, messages); formulas show their cached result. */
export function cellText(cell: Cell): string {
  const v = cell.kind === 'value' ? cell.value : cell.kind === 'formula' ? cell.result : cell.code;
  if (v === null) return '';
  if (v instanceof Date) return excelDateToYmd(v);
  return String(v);
}

/**
 * Excel stores a date as a day count with no time zone: what the person typed is what they mean,
 * here in Asia/Shanghai. exceljs encodes that wall-clock value in the UTC fields of a Date, so the
 * UTC fields are already the Shanghai date; converting the Date "to Shanghai" would add 8 hours and
 * move anything typed after 16:00 to the next day.
 */
export function excelDateToYmd(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD' → the Date exceljs writes as that calendar day. */
export function ymdToExcelDate(ymd: string): Date {
  return new Date(`${ymd}T00:00:00Z`);
}

/** A real instant (e.g. a stored timestamp) → the Date whose UTC fields show its Shanghai time, to the minute. */
export function instantToExcelDate(at: Date): Date {
  return new Date(`${formatShanghai(at.toISOString()).replace(' ', 'T')}:00Z`);
}

const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

/** Display width in Excel column units: CJK and full-width characters count as 2; the widest line wins. */
export function displayWidth(value: string): number {
  let widest = 0;
  for (const line of value.split('\n')) {
    let w = 0;
    for (const ch of line) w += WIDE.test(ch) ? 2 : 1;
    widest = Math.max(widest, w);
  }
  return widest;
}

/** 1 → 'A', 28 → 'AB' */
export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}
