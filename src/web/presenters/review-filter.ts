/**
 * The office's review of one sheet can show only the answers that need a look — 不符合, already
 * corrected, or with a photo whose time or place is in doubt — so a long sheet is not scrolled through
 * for the few that matter. The filter travels in `?show=` and with a correction, which returns to the
 * corrected answer under the same filter.
 */
import { InvalidInput } from '../../errors.ts';
import { RESULT_NAMES } from '../../labels.ts';
import type { SheetView, StandardView } from './sheet.ts';

export const REVIEW_FILTERS = {
  fail: { label: RESULT_NAMES.fail, test: (s: StandardView) => s.result === 'fail' },
  corrected: { label: '已更正', test: (s: StandardView) => s.corrected },
  flagged: { label: '照片存疑', test: (s: StandardView) => s.photos.some((p) => p.flags.length > 0) },
} as const;
export type ReviewFilter = keyof typeof REVIEW_FILTERS;

/** '' for 全部, a filter's key, or a refusal for anything else. */
export function parseReviewFilter(v: unknown): ReviewFilter | '' {
  if (v === undefined || v === '') return '';
  if (typeof v === 'string' && Object.hasOwn(REVIEW_FILTERS, v)) return v as ReviewFilter;
  throw new InvalidInput('筛选条件无效：只能看全部、不符合、已更正或照片存疑的项');
}

export interface ReviewFilterView {
  show: ReviewFilter | '';
  tabs: { key: string; label: string; count: number; href: string; active: boolean }[];
  /** the codes shown under the filter (every code when none) */
  visible: Set<string>;
  /** items with at least one shown standard */
  visibleItems: Set<string>;
}

export function presentReviewFilter(showIn: unknown, sheet: SheetView, baseUrl: string): ReviewFilterView {
  const show = parseReviewFilter(showIn);
  const all = sheet.items.flatMap((i) => i.standards);
  const tabs = [
    { key: '', label: '全部', count: all.length, href: baseUrl, active: show === '' },
    ...(Object.keys(REVIEW_FILTERS) as ReviewFilter[]).map((key) => ({
      key,
      label: REVIEW_FILTERS[key].label,
      count: all.filter(REVIEW_FILTERS[key].test).length,
      href: `${baseUrl}?show=${key}`,
      active: show === key,
    })),
  ];
  const shown = show ? all.filter(REVIEW_FILTERS[show].test) : all;
  const visible = new Set(shown.map((s) => s.code));
  const visibleItems = new Set(
    sheet.items.filter((i) => i.standards.some((s) => visible.has(s.code))).map((i) => i.code),
  );
  return { show, tabs, visible, visibleItems };
}

/** Where a correction returns: the corrected answer, under the filter the office was using. */
export function correctionReturn(roundId: number, siteId: number, form: Record<string, unknown>): string {
  const show = typeof form.show === 'string' && Object.hasOwn(REVIEW_FILTERS, form.show) ? form.show : '';
  const code = typeof form.standard === 'string' && /^[\w.-]{1,40}$/.test(form.standard) ? form.standard : '';
  return `/rounds/${roundId}/sites/${siteId}${show ? `?show=${show}` : ''}${code ? `#std-${code}` : ''}`;
}
