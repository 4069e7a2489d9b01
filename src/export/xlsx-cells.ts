/**
 * The cells of a streamed worksheet as XML (the 整改清单 workbooks write their sheet by hand, row by row,
 * to keep memory flat): text kept as text even when it starts with = + - @ (quotePrefix), numbers, a
 * calendar day or a day and time as real Excel dates, a stored instant in Asia/Shanghai time, a link to
 * a photo; and how many wrapped lines a text takes, for a row's height.
 */
import { instantToSerial, isFormulaLike, ymdToSerial } from '../excel/formats.ts';
import { STYLE, xmlEscape } from './xlsx-parts.ts';

/**
 * Wrapped lines `text` takes in a column `width` characters wide: a Chinese character is a little over
 * two, and a line never fills to the last character (words and punctuation wrap early).
 */
export function lines(text: string, width: number): number {
  let units = 0;
  for (const ch of text) units += ch.charCodeAt(0) > 0x2e80 ? 2.2 : 1;
  return Math.min(8, Math.max(1, Math.ceil(units / Math.max(1, width - 2))));
}

export function cellText(ref: string, value: string | null | undefined, style: number = STYLE.text): string {
  if (value === null || value === undefined || value === '') return `<c r="${ref}" s="${style}"/>`;
  const s = style === STYLE.text && isFormulaLike(value) ? STYLE.literal : style;
  return `<c r="${ref}" s="${s}" t="inlineStr"><is><t xml:space="preserve">${xmlEscape(value)}</t></is></c>`;
}

export function cellNumber(ref: string, value: number, style: number): string {
  return `<c r="${ref}" s="${style}"><v>${value}</v></c>`;
}

/**
 * A 'YYYY-MM-DD' calendar day as a date cell, or with an 'HH:MM' (a deadline in hours) as a date-and-time
 * cell (anything else stays text).
 */
export function cellDate(ref: string, ymd: string, hhmm: string | null = null): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd)) return cellText(ref, ymd);
  const time = hhmm && /^\d{2}:\d{2}$/.test(hhmm) ? hhmm : null;
  if (!time) return cellNumber(ref, ymdToSerial(ymd), STYLE.date);
  const minutes = Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  return cellNumber(ref, ymdToSerial(ymd) + minutes / 1440, STYLE.time);
}

/** A stored UTC instant as a date-and-time cell showing its Asia/Shanghai time. */
export function cellTime(ref: string, iso: string | null): string {
  const at = iso ? new Date(iso) : null;
  return at && !Number.isNaN(at.getTime())
    ? cellNumber(ref, instantToSerial(at), STYLE.time)
    : cellText(ref, '');
}

export function cellLink(ref: string, url: string): string {
  return `<c r="${ref}" s="${STYLE.link}" t="str"><f>HYPERLINK("${xmlEscape(url)}","查看原图")</f><v>查看原图</v></c>`;
}
