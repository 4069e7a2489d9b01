/**
 * The delivery log as the office reads it (/notifications): one page of deliveries with their unit's
 * name, failures and unknowns first, then the newest. The table grows by tens of thousands of rows a
 * year, so a page is read with LIMIT/OFFSET along the primary key (id order is creation order), in two
 * parts — the rows that need attention, then the rest — each of which SQLite walks by id without
 * sorting (a row the office has resent no longer needs attention); the units' channels (robot, e-mail addresses) for the unit choosers.
 */
import type { Db } from '../connection.ts';
import type { DeliveryChannel, DeliveryEvent, DeliveryRow, DeliveryStatus, RobotKind } from './reminders.ts';

/** The statuses the office must look at: listed before all others. */
export const ATTENTION_STATUSES: DeliveryStatus[] = ['failed', 'unknown', 'dead'];

export interface DeliveryLogFilter {
  status: DeliveryStatus | null;
  event: DeliveryEvent | null;
  unitId: number | null;
  channel: DeliveryChannel | null;
}

export type DeliveryLogRow = Omit<DeliveryRow, 'body'> & {
  unit_name: string | null;
  /** the row that resent this one (the newest, when a resend was itself resent), or null */
  resent_as: number | null;
};

const LOG_COLUMNS = `d.id, d.event_key, d.event, d.unit_id, d.channel, d.address, d.subject, d.status, d.attempts,
  d.not_before, d.last_error, d.created_at, d.sent_at, d.resend_of, u.name AS unit_name,
  (SELECT max(r.id) FROM deliveries r WHERE r.resend_of = d.id) AS resent_as`;

/** failed, unknown or given up, and not yet resent by the office (a resent row is settled: its resend counts) */
const ATTENTION_SQL = `(d.status IN (${ATTENTION_STATUSES.map((s) => `'${s}'`).join(', ')})
  AND NOT EXISTS (SELECT 1 FROM deliveries r WHERE r.resend_of = d.id))`;

/** The WHERE clause of a filter, and of one part (attention or not; null: both). */
function where(f: DeliveryLogFilter, attention: boolean | null): { sql: string; args: unknown[] } {
  const clauses: string[] = [];
  const args: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    if (value === null) return;
    clauses.push(clause);
    args.push(value);
  };
  add('d.status = ?', f.status);
  add('d.event = ?', f.event);
  add('d.unit_id = ?', f.unitId);
  add('d.channel = ?', f.channel);
  if (attention !== null) clauses.push(attention ? ATTENTION_SQL : `NOT ${ATTENTION_SQL}`);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args };
}

function countPart(db: Db, f: DeliveryLogFilter, attention: boolean | null): number {
  const w = where(f, attention);
  return db
    .prepare(`SELECT count(*) FROM deliveries d ${w.sql}`)
    .pluck()
    .get(...w.args) as number;
}

function readPart(
  db: Db,
  f: DeliveryLogFilter,
  attention: boolean,
  limit: number,
  offset: number,
): DeliveryLogRow[] {
  if (limit <= 0) return [];
  const w = where(f, attention);
  return db
    .prepare(
      `SELECT ${LOG_COLUMNS} FROM deliveries d LEFT JOIN units u ON u.id = d.unit_id ${w.sql}
       ORDER BY d.id DESC LIMIT ? OFFSET ?`,
    )
    .all(...w.args, limit, offset) as DeliveryLogRow[];
}

/** One page of the log: failed, unknown and dead first (newest first), then the others (newest first). */
export function pageDeliveryLog(
  db: Db,
  f: DeliveryLogFilter,
  limit: number,
  offset: number,
): { rows: DeliveryLogRow[]; total: number; attention: number } {
  const attention = countPart(db, f, true);
  const total = attention + countPart(db, f, false);
  const first = readPart(db, f, true, Math.min(limit, Math.max(0, attention - offset)), offset);
  const rest = readPart(db, f, false, limit - first.length, Math.max(0, offset - attention));
  return { rows: [...first, ...rest], total, attention };
}

/** Deliveries by id, with their unit's name (a test message's outcome per channel). */
export function deliveryLogRows(db: Db, ids: number[]): DeliveryLogRow[] {
  if (!ids.length) return [];
  return db
    .prepare(
      `SELECT ${LOG_COLUMNS} FROM deliveries d LEFT JOIN units u ON u.id = d.unit_id
       WHERE d.id IN (${ids.map(() => '?').join(', ')}) ORDER BY d.id`,
    )
    .all(...ids) as DeliveryLogRow[];
}

export interface UnitChannelsRow {
  id: number;
  name: string;
  robot_kind: RobotKind | null;
  /** contacts with an e-mail address */
  emails: number;
}

/** Every unit in use with the channels it can be reached by. */
export function unitChannels(db: Db): UnitChannelsRow[] {
  return db
    .prepare(
      `SELECT u.id, u.name, r.kind AS robot_kind,
         (SELECT count(*) FROM unit_contacts c WHERE c.unit_id = u.id AND coalesce(c.email, '') <> '') AS emails
       FROM units u LEFT JOIN unit_robots r ON r.unit_id = u.id
       WHERE u.retired_at IS NULL ORDER BY u.kind, u.code`,
    )
    .all() as UnitChannelsRow[];
}
