/**
 * The built-in cell parsers. Each turns a non-empty cell into a value or a short Chinese reason that
 * reads after the column name (「分值」应为数字（现为“三”）), and carries what a template needs to
 * explain itself: the allowed values, a hint, and the inverse format() for exports. Whether a cell may
 * be empty is the column's `required`, not the parser's: parsers never see empty cells.
 */
import type { CellError, CellParser, CellValue } from './types.ts';
import { excelDateToYmd, ymdToExcelDate } from './cells.ts';

type Raw = Exclude<CellValue, null>;

const fail = (error: string): CellError => ({ error });

/** How a cell looks to the person who typed it, for “现为…” in messages. */
function shown(raw: Raw): string {
  if (raw instanceof Date) return excelDateToYmd(raw);
  if (typeof raw === 'boolean') return raw ? 'TRUE' : 'FALSE';
  const s = String(raw);
  return s.length > 30 ? `${s.slice(0, 30)}…` : s;
}

/** Full-width digits and signs, as typed with a Chinese input method, become ASCII. */
function asciiDigits(s: string): string {
  return s.replace(/[\uff10-\uff19\uff0b\uff0d\uff0e\uff05]/g, (c) =>
    String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

function withMeta<T>(
  fn: CellParser<T>,
  meta: Pick<CellParser<T>, 'allowed' | 'hint' | 'numFmt' | 'format'>,
): CellParser<T> {
  return Object.assign(fn, meta);
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}～${max}`;
  if (min !== undefined) return `不小于 ${min}`;
  if (max !== undefined) return `不大于 ${max}`;
  return '';
}

function checkRange(n: number, min?: number, max?: number): CellError | null {
  if ((min !== undefined && n < min) || (max !== undefined && n > max))
    return fail(
      min !== undefined && max !== undefined
        ? `应在 ${min}～${max} 之间（现为 ${n}）`
        : min !== undefined
          ? `不能小于 ${min}（现为 ${n}）`
          : `不能大于 ${max}（现为 ${n}）`,
    );
  return null;
}

/** Text, trimmed; numbers become their digits (12 → '12'), dates 'YYYY-MM-DD'. */
export function text(opts: { max?: number } = {}): CellParser<string> {
  const { max } = opts;
  return withMeta(
    (raw) => {
      const s =
        raw instanceof Date ? excelDateToYmd(raw) : typeof raw === 'boolean' ? shown(raw) : String(raw);
      const length = [...s].length;
      if (max !== undefined && length > max) return fail(`不能超过 ${max} 个字（现有 ${length} 个）`);
      return s;
    },
    { hint: max !== undefined ? `文字，最多 ${max} 个字` : '文字' },
  );
}

function toNumber(raw: Raw, percent: boolean): number | null {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string') return null;
  let s = asciiDigits(raw).replace(/\s+/g, '');
  const isPercent = percent && s.endsWith('%');
  if (isPercent) s = s.slice(0, -1);
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
  return isPercent ? Number(s) / 100 : Number(s);
}

/** A whole number, typed as a number or as digits. */
export function integer(opts: { min?: number; max?: number } = {}): CellParser<number> {
  const { min, max } = opts;
  return withMeta(
    (raw) => {
      const n = toNumber(raw, false);
      if (n === null || !Number.isInteger(n)) return fail(`应为整数（现为“${shown(raw)}”）`);
      return checkRange(n, min, max) ?? n;
    },
    { hint: ['整数', range(min, max)].filter(Boolean).join('，') },
  );
}

/** Any number; with `percent`, '90%' is read as 0.9. */
export function number(opts: { min?: number; max?: number; percent?: boolean } = {}): CellParser<number> {
  const { min, max, percent = false } = opts;
  return withMeta(
    (raw) => {
      const n = toNumber(raw, percent);
      if (n === null || !Number.isFinite(n)) return fail(`应为数字（现为“${shown(raw)}”）`);
      return checkRange(n, min, max) ?? n;
    },
    { hint: ['数字', range(min, max), percent ? '可写作百分数' : ''].filter(Boolean).join('，') },
  );
}

/**
 * One of a fixed list. Given an array the value is the label itself; given a map, the label typed in
 * the sheet becomes the mapped value (「实地考察」→ 'field') and format() maps back. Aliases are older
 * words still read (files written before a label changed) but neither offered nor written.
 */
export function oneOf<const V extends string>(values: readonly V[]): CellParser<V>;
export function oneOf<T>(
  labels: Readonly<Record<string, T>>,
  aliases?: Readonly<Record<string, T>>,
): CellParser<T>;
export function oneOf(
  spec: readonly string[] | Readonly<Record<string, unknown>>,
  aliases: Readonly<Record<string, unknown>> = {},
): CellParser<unknown> {
  const entries: [string, unknown][] = Array.isArray(spec)
    ? spec.map((v: string) => [v, v])
    : Object.entries(spec as Record<string, unknown>);
  const byLabel = new Map([...entries, ...Object.entries(aliases)]);
  const allowed = entries.map(([label]) => label);
  return withMeta<unknown>(
    (raw) => {
      const label = shown(raw).trim();
      if (byLabel.has(label)) return byLabel.get(label);
      return fail(`只能填写：${allowed.join('、')}（现为“${label}”）`);
    },
    {
      allowed,
      hint: `从下拉列表选择：${allowed.join('、')}`,
      format: (value) => entries.find(([, v]) => v === value)?.[0] ?? (value == null ? null : String(value)),
    },
  );
}

/** 是 / 否 → true / false; Excel's TRUE / FALSE are accepted too. */
export function yesNo(): CellParser<boolean> {
  const choice = oneOf({ 是: true, 否: false });
  return withMeta((raw, ctx) => (typeof raw === 'boolean' ? raw : choice(raw, ctx)), {
    allowed: choice.allowed,
    hint: '填写“是”或“否”',
    format: (value) => (value ? '是' : '否'),
  });
}

const SERIAL_1970 = 25569;
const SERIAL_2100 = 73051;

/**
 * A calendar date as 'YYYY-MM-DD'. Accepts real Excel dates, 2026-03-01, 2026/3/1, 2026.3.1 and
 * 2026年3月1日, and a bare day number between 1970 and 2099 (a date whose cell lost its date format).
 */
export function date(): CellParser<string> {
  return withMeta(
    (raw) => {
      if (raw instanceof Date) return excelDateToYmd(raw);
      if (typeof raw === 'number') {
        if (Number.isInteger(raw) && raw >= SERIAL_1970 && raw < SERIAL_2100)
          return excelDateToYmd(new Date((raw - SERIAL_1970) * 86_400_000));
      } else if (typeof raw === 'string') {
        const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(asciiDigits(raw));
        if (m) {
          const ymd = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
          const d = ymdToExcelDate(ymd);
          if (!Number.isNaN(d.getTime()) && excelDateToYmd(d) === ymd) return ymd;
          return fail(`不是有效的日期（现为“${shown(raw)}”）`);
        }
      }
      return fail(`应为日期，格式如 2026-03-01（现为“${shown(raw)}”）`);
    },
    {
      hint: '日期，如 2026-03-01',
      numFmt: 'yyyy-mm-dd',
      format: (ymd) => (/^\d{4}-\d{2}-\d{2}$/.test(ymd) ? ymdToExcelDate(ymd) : ymd),
    },
  );
}

/** A cell of a ✓ matrix (site type × standard, inspector × site): ✓ (or √, ✔) is true; empty is absent. */
export function tick(): CellParser<boolean> {
  return withMeta(
    (raw) =>
      ['✓', '√', '✔'].includes(shown(raw).trim()) ? true : fail(`只能填“✓”或留空（现为“${shown(raw)}”）`),
    { allowed: ['✓'], hint: '适用的填“✓”，不适用留空', format: (v) => (v ? '✓' : null) },
  );
}

/** The cell as typed, for key/value sheets whose rows each parse their own value. */
export function raw(): CellParser<CellValue> {
  return withMeta((value) => value, { format: (value) => value, numFmt: 'yyyy-mm-dd' });
}
