/**
 * 12345 (/hotline): the office's page of imported work orders with their problems' state, the import of
 * a platform's workbook into the rectification loop (all or nothing, src/imports/hotline.ts run by the
 * imports' runner), its template, and the outcome export by 工单号 the office pastes back into the
 * hotline platform. All of it is the office's (access.ts `report.triage`).
 */
import type { Db } from '../db/connection.ts';
import {
  countHotlineOrders,
  hotlineBatches,
  hotlineOrdersPage,
  listHotlineOrders,
  type HotlineBatchRow,
  type HotlineOrderFilter,
  type HotlineOrderListRow,
} from '../db/repos/hotline.ts';
import { writeTemplate } from '../excel/index.ts';
import { InvalidInput } from '../errors.ts';
import { hotlineImport, type HotlineImportStats } from '../imports/hotline.ts';
import type { HOTLINE_STATE_NAMES } from '../labels.ts';
import { addDays, formatShanghai, nowIso, shanghaiDate, shanghaiMidnight } from '../util/time.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { importRows, type UploadedFile, type Workbook } from './imports.ts';
import { isOverdue } from './problems.ts';

export interface HotlineCtx {
  db: Db;
  criteria: CriteriaCache;
}

/** A work order's 办理状态: its problem's, with 逾期 for an open one past its deadline. */
export type HotlineState = keyof typeof HOTLINE_STATE_NAMES;

export function orderState(
  o: Pick<HotlineOrderListRow, 'status' | 'deadline' | 'deadline_time'>,
): HotlineState {
  if (o.status === 'open') return isOverdue(o) ? 'overdue' : 'open';
  return o.status;
}

/** 回复内容: the unit's fix note and the closing re-inspection's note (or why the order was voided). */
export function replyText(o: HotlineOrderListRow): string {
  if (o.status === 'void') return o.void_reason ? `作废原因：${o.void_reason}` : '';
  if (o.status === 'open') return '';
  const parts = [o.fix_note ? `整改情况：${o.fix_note}` : ''];
  if (o.status === 'closed') parts.push(o.close_note ? `复查意见：${o.close_note}` : '复查通过');
  return parts.filter(Boolean).join('；');
}

export interface HotlineOrderView extends HotlineOrderListRow {
  state: HotlineState;
}

export interface HotlinePage {
  orders: HotlineOrderView[];
  total: number;
  batches: HotlineBatchRow[];
  /** the batch the list is filtered by ('' for all) */
  batch: string;
}

/** How many orders the page lists (the export has every one). */
export const PAGE_ORDERS = 200;

/** Guards the upload before it is read: the office only. */
export function hotlineGuard(db: Db, actor: Actor): void {
  canOrReject(db, actor, 'report.triage', null);
}

export function hotlinePage(db: Db, actor: Actor, batchIn: unknown): HotlinePage {
  canOrReject(db, actor, 'report.triage', null);
  const batches = hotlineBatches(db);
  const batch = typeof batchIn === 'string' && batches.some((b) => b.batch === batchIn) ? batchIn : '';
  const filter = { batch: batch || null };
  return {
    orders: listHotlineOrders(db, filter, PAGE_ORDERS).map((o) => ({ ...o, state: orderState(o) })),
    total: countHotlineOrders(db, filter),
    batches,
    batch,
  };
}

/** What the page says after an upload. */
export type HotlineImportResult =
  | { ok: true; count: number; already: number; batch: string; unknownYears: number[] }
  | { ok: false; messages: string[]; status?: number };

/** The batch an import is filed under: as typed, else the file's name, else the time of the import. */
function batchName(typed: unknown, fileName: string): string {
  const own = typeof typed === 'string' ? typed.trim() : '';
  const fromFile = fileName.replace(/\.xlsx$/i, '').trim();
  return own || [...fromFile].slice(0, 60).join('') || `${formatShanghai(nowIso())} 导入`;
}

/** Imports an uploaded 12345 workbook all or nothing; orders imported before change nothing. */
export async function importHotlineOrders(
  ctx: HotlineCtx,
  actor: Actor,
  file: UploadedFile | undefined,
  batchIn: unknown,
): Promise<HotlineImportResult> {
  canOrReject(ctx.db, actor, 'report.triage', null);
  const user = userOf(actor);
  if (!file || file.size === 0) return { ok: false, messages: ['请选择要导入的 Excel 文件（.xlsx）'] };
  if (typeof batchIn === 'string' && [...batchIn.trim()].length > 60)
    return { ok: false, messages: ['批次名称不能超过60个字'] };
  const batch = batchName(batchIn, file.originalname);
  const stats: HotlineImportStats = { already: 0, unknownYears: new Set() };
  const outcome = await importRows(hotlineImport(batch, stats), file.buffer, {
    db: ctx.db,
    criteria: ctx.criteria,
    actor: user,
    actorId: user.id,
    fileName: file.originalname,
  });
  if (!outcome.ok) return outcome;
  return {
    ok: true,
    count: outcome.count,
    already: stats.already,
    batch,
    unknownYears: [...stats.unknownYears].sort(),
  };
}

export async function hotlineTemplate(ctx: HotlineCtx, actor: Actor): Promise<Workbook> {
  canOrReject(ctx.db, actor, 'report.triage', null);
  const spec = hotlineImport('', { already: 0, unknownYears: new Set() }).spec(ctx);
  return {
    fileName: '12345工单导入模板.xlsx',
    buffer: await writeTemplate(spec, {
      instructions: [
        '承办单位按单位名称或「单位别名」匹配；热线平台的写法与本系统不同时，请先在 12345工单 → 单位别名 中添加。',
        '已导入过的工单号再次导入时不会重复登记。',
      ],
    }),
  };
}

/** The outcome export's filter, as the form sends it. */
export interface OutcomeQuery {
  batch?: unknown;
  from?: unknown;
  to?: unknown;
}

const YMD = /^\d{4}-\d{2}-\d{2}$/;

function dayOf(value: unknown, what: string, field: string): string | null {
  if (value !== undefined && typeof value !== 'string')
    throw new InvalidInput(`${what}应为日期，如 2026-10-01`, { [field]: '日期无效' });
  const s = (value ?? '').trim();
  if (!s) return null;
  const ok = YMD.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && addDays(s, 0) === s;
  if (!ok) throw new InvalidInput(`${what}应为日期，如 2026-10-01`, { [field]: '日期无效' });
  return s;
}

export interface OutcomeExport {
  fileName: string;
  /** the next page of rows after the problem id given (empty: done) */
  page(afterId: number): HotlineOrderView[];
}

/** The outcome of every order of a batch or of a 受理日期 range (all orders when neither is given). */
export function outcomeExport(db: Db, actor: Actor, q: OutcomeQuery): OutcomeExport {
  canOrReject(db, actor, 'report.triage', null);
  const batch = q.batch === undefined ? '' : q.batch;
  if (typeof batch !== 'string' || (batch && !hotlineBatches(db).some((b) => b.batch === batch)))
    throw new InvalidInput('没有这个导入批次', { batch: '没有这个导入批次' });
  const from = dayOf(q.from, '受理日期（起）', 'from');
  const to = dayOf(q.to, '受理日期（止）', 'to');
  if (from && to && from > to) throw new InvalidInput('受理日期的起始日不能晚于截止日', { to: '早于起始日' });
  const filter: HotlineOrderFilter = {
    batch: batch || null,
    from: from ? shanghaiMidnight(from) : null,
    before: to ? shanghaiMidnight(addDays(to, 1)) : null,
  };
  const range = from || to ? `${from ?? ''}至${to ?? ''}` : '';
  return {
    fileName: `12345办理结果-${[batch, range].filter(Boolean).join('-') || shanghaiDate()}.xlsx`,
    page: (afterId) =>
      hotlineOrdersPage(db, filter, afterId, 500).map((o) => ({ ...o, state: orderState(o) })),
  };
}
