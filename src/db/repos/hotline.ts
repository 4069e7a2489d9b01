/**
 * hotline_orders: 12345 work orders as imported, each beside the problem it became (problems.external_ref
 * is its 工单号), and the reads of the /hotline page and the outcome export.
 */
import type { Db } from '../connection.ts';
import type { DeadlineUnit, ProblemStatus } from './problems.ts';

export interface NewHotlineOrder {
  problemId: number;
  orderNo: string;
  content: string;
  address: string;
  /** ISO-8601 UTC */
  receivedAt: string;
  /** the 承办单位 as the platform spelled it */
  handler: string;
  limitAmount: number;
  limitUnit: DeadlineUnit;
  batch: string;
  importedAt: string;
  importedBy: number | null;
}

export function insertHotlineOrder(db: Db, o: NewHotlineOrder): void {
  db.prepare(
    `INSERT INTO hotline_orders (problem_id, order_no, content, address, received_at, handler, limit_amount,
       limit_unit, batch, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    o.problemId,
    o.orderNo,
    o.content,
    o.address,
    o.receivedAt,
    o.handler,
    o.limitAmount,
    o.limitUnit,
    o.batch,
    o.importedAt,
    o.importedBy,
  );
}

/** Which of these 工单号 were imported before. */
export function importedOrderNos(db: Db, orderNos: string[]): Set<string> {
  if (!orderNos.length) return new Set();
  return new Set(
    db
      .prepare('SELECT order_no FROM hotline_orders WHERE order_no IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(JSON.stringify(orderNos)) as string[],
  );
}

/** A work order with its problem's state, for the page and the export. */
export interface HotlineOrderListRow {
  problem_id: number;
  order_no: string;
  content: string;
  address: string;
  received_at: string;
  handler: string;
  limit_amount: number;
  limit_unit: DeadlineUnit;
  batch: string;
  imported_at: string;
  /** the problem's unit now (a transfer may have moved it) */
  unit_name: string | null;
  status: ProblemStatus;
  deadline: string;
  deadline_time: string | null;
  fix_note: string;
  closed_at: string | null;
  void_reason: string | null;
  /** the note of the re-inspection that closed it (销号), '' when none */
  close_note: string;
}

export interface HotlineOrderFilter {
  batch?: string | null;
  /** received_at bounds, ISO-8601 UTC: from inclusive, before exclusive */
  from?: string | null;
  before?: string | null;
}

const LIST = `SELECT o.problem_id, o.order_no, o.content, o.address, o.received_at, o.handler, o.limit_amount,
         o.limit_unit, o.batch, o.imported_at, u.name AS unit_name, p.status, p.deadline, p.deadline_time,
         p.fix_note, p.closed_at, p.void_reason,
         CASE WHEN p.status = 'closed' THEN coalesce((SELECT e.note FROM problem_events e
           WHERE e.problem_id = p.id AND e.action = 'close' ORDER BY e.id DESC LIMIT 1), '') ELSE '' END AS close_note
       FROM hotline_orders o JOIN problems p ON p.id = o.problem_id LEFT JOIN units u ON u.id = p.unit_id
       WHERE (:batch IS NULL OR o.batch = :batch) AND (:from IS NULL OR o.received_at >= :from)
         AND (:before IS NULL OR o.received_at < :before)`;

const params = (f: HotlineOrderFilter) => ({
  batch: f.batch ?? null,
  from: f.from ?? null,
  before: f.before ?? null,
});

/** The latest orders first (by 受理时间), at most `limit`. */
export function listHotlineOrders(db: Db, f: HotlineOrderFilter, limit: number): HotlineOrderListRow[] {
  return db
    .prepare(`${LIST} ORDER BY o.received_at DESC, o.problem_id DESC LIMIT :limit`)
    .all({ ...params(f), limit }) as HotlineOrderListRow[];
}

export function countHotlineOrders(db: Db, f: HotlineOrderFilter): number {
  return db
    .prepare(
      `SELECT count(*) FROM hotline_orders o WHERE (:batch IS NULL OR o.batch = :batch)
         AND (:from IS NULL OR o.received_at >= :from) AND (:before IS NULL OR o.received_at < :before)`,
    )
    .pluck()
    .get(params(f)) as number;
}

/** One page of the export, in problem id order after `afterId` (keyset: a large export is read page by page). */
export function hotlineOrdersPage(
  db: Db,
  f: HotlineOrderFilter,
  afterId: number,
  size: number,
): HotlineOrderListRow[] {
  return db
    .prepare(`${LIST} AND o.problem_id > :after ORDER BY o.problem_id LIMIT :size`)
    .all({ ...params(f), after: afterId, size }) as HotlineOrderListRow[];
}

export interface HotlineBatchRow {
  batch: string;
  orders: number;
  imported_at: string;
}

/** The import batches, the latest first. */
export function hotlineBatches(db: Db): HotlineBatchRow[] {
  return db
    .prepare(
      `SELECT batch, count(*) AS orders, max(imported_at) AS imported_at FROM hotline_orders
       GROUP BY batch ORDER BY max(imported_at) DESC, batch`,
    )
    .all() as HotlineBatchRow[];
}
