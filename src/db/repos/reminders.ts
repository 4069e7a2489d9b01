/**
 * Reminders (#21): units' contacts and group robots, and the delivery log (one row per reminder, channel
 * and address; the UNIQUE key on event_key makes a reminder impossible to send twice).
 */
import type { Db } from '../connection.ts';

export type ContactRole = 'head' | 'liaison';

export interface ContactRow {
  id: number;
  unit_id: number;
  role: ContactRole;
  name: string;
  mobile: string | null;
  email: string | null;
  created_at: string;
}

export type RobotKind = 'wecom' | 'dingtalk';

export interface RobotRow {
  unit_id: number;
  kind: RobotKind;
  webhook: string;
  /** 钉钉's signing secret (SEC…), null for 企业微信 or an unsigned 钉钉 robot */
  secret: string | null;
  updated_at: string;
}

export type DeliveryEvent =
  | 'digest'
  | 'due_soon'
  | 'overdue'
  | 'escalation'
  | 'fix_returned'
  | 'request_decided'
  | 'survey_behind'
  | 'test';
export type DeliveryChannel = 'wecom' | 'dingtalk' | 'email';
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'unknown' | 'dead';

export interface DeliveryRow {
  id: number;
  event_key: string;
  event: DeliveryEvent;
  unit_id: number | null;
  channel: DeliveryChannel;
  /** the webhook address or the e-mail address */
  address: string;
  subject: string;
  /** markdown for robots, plain text for e-mail */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  not_before: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  resend_of: number | null;
}

const DELIVERY_COLUMNS = `id, event_key, event, unit_id, channel, address, subject, body, status, attempts, not_before,
  last_error, created_at, sent_at, resend_of`;

export function listContacts(db: Db, unitId: number): ContactRow[] {
  return db
    .prepare(
      "SELECT id, unit_id, role, name, mobile, email, created_at FROM unit_contacts WHERE unit_id = ? ORDER BY role = 'liaison', id",
    )
    .all(unitId) as ContactRow[];
}

export function findRobot(db: Db, unitId: number): RobotRow | undefined {
  return db
    .prepare('SELECT unit_id, kind, webhook, secret, updated_at FROM unit_robots WHERE unit_id = ?')
    .get(unitId) as RobotRow | undefined;
}

export interface NewDelivery {
  eventKey: string;
  event: DeliveryEvent;
  unitId: number | null;
  channel: DeliveryChannel;
  address: string;
  subject: string;
  body: string;
  /** ISO UTC: not before this moment (quiet hours, pacing) */
  notBefore: string;
  createdAt: string;
  resendOf?: number | null;
}

/** Queues a reminder; null when this event already went (or is going) to this address by this channel. */
export function insertDelivery(db: Db, d: NewDelivery): number | null {
  const r = db
    .prepare(
      `INSERT INTO deliveries (event_key, event, unit_id, channel, address, subject, body, status, not_before, created_at, resend_of)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (event_key, channel, address) DO NOTHING`,
    )
    .run(
      d.eventKey,
      d.event,
      d.unitId,
      d.channel,
      d.address,
      d.subject,
      d.body,
      d.notBefore,
      d.createdAt,
      d.resendOf ?? null,
    );
  return r.changes ? Number(r.lastInsertRowid) : null;
}

export function findDelivery(db: Db, id: number): DeliveryRow | undefined {
  return db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`).get(id) as
    DeliveryRow | undefined;
}

/** Queued or failed deliveries whose time has come, oldest first. */
export function dueDeliveries(db: Db, nowIso: string, limit = 200): DeliveryRow[] {
  return db
    .prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE status IN ('queued', 'failed') AND not_before <= ?
       ORDER BY not_before, id LIMIT ?`,
    )
    .all(nowIso, limit) as DeliveryRow[];
}

/** Those of `ids` that are queued or failed and due (a test message the office waits for, however long the queue). */
export function dueDeliveriesAmong(db: Db, nowIso: string, ids: readonly number[]): DeliveryRow[] {
  if (!ids.length) return [];
  return db
    .prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE status IN ('queued', 'failed') AND not_before <= ?
       AND id IN (SELECT value FROM json_each(?)) ORDER BY not_before, id`,
    )
    .all(nowIso, JSON.stringify(ids)) as DeliveryRow[];
}

/** Whether a reminder of this event was queued for this unit already (on any channel, whatever came of it). */
export function deliveredToUnit(db: Db, eventKey: string, unitId: number): boolean {
  return (
    db
      .prepare('SELECT 1 FROM deliveries WHERE event_key = ? AND unit_id = ? LIMIT 1')
      .pluck()
      .get(eventKey, unitId) !== undefined
  );
}

/** The id of the row that resent this delivery (the first), or null when it has not been resent. */
export function resendOf(db: Db, id: number): number | null {
  return (
    (db.prepare('SELECT min(id) FROM deliveries WHERE resend_of = ?').pluck().get(id) as number | null) ??
    null
  );
}

export function updateDelivery(
  db: Db,
  id: number,
  fields: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'not_before' | 'last_error' | 'sent_at'>>,
): void {
  const keys = Object.keys(fields);
  if (!keys.length) return;
  db.prepare(`UPDATE deliveries SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({
    ...fields,
    id,
  });
}

/** At start-up: a send the process died in the middle of has an unknown outcome and is not repeated. */
export function sendingToUnknown(db: Db): number {
  return db
    .prepare(
      "UPDATE deliveries SET status = 'unknown', last_error = coalesce(last_error, '发送中断（服务重启），是否送达未知') WHERE status = 'sending'",
    )
    .run().changes;
}

/**
 * The moments this address was handed a message after `sinceIso` (exclusive), oldest first, whatever came
 * of it: a robot counts every request it received, a failed one too (pacing: about 20 a minute).
 */
export function sendTimesToAddressSince(db: Db, address: string, sinceIso: string): string[] {
  return db
    .prepare('SELECT sent_at FROM deliveries WHERE address = ? AND sent_at > ? ORDER BY sent_at')
    .pluck()
    .all(address, sinceIso) as string[];
}

/**
 * Takes a due delivery for sending: 'sending', one more attempt, sent_at = now — only while it is still
 * queued or failed (false: another sender took it or the office moved it on).
 */
export function claimDelivery(db: Db, id: number, nowIso: string): boolean {
  return (
    db
      .prepare(
        `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, sent_at = ?
         WHERE id = ? AND status IN ('queued', 'failed')`,
      )
      .run(nowIso, id).changes === 1
  );
}

/** Moves waiting deliveries (still queued or failed) to a later moment: pacing, quiet hours. */
export function postponeDeliveries(db: Db, ids: number[], notBeforeIso: string): void {
  const stmt = db.prepare(
    "UPDATE deliveries SET not_before = ? WHERE id = ? AND status IN ('queued', 'failed')",
  );
  for (const id of ids) stmt.run(notBeforeIso, id);
}

/** Writes a unit's 负责人 or 联络员 (one per role per unit), replacing the one there was. */
export function saveContact(
  db: Db,
  unitId: number,
  role: ContactRole,
  c: { name: string; mobile: string | null; email: string | null },
  createdAt: string,
): void {
  db.prepare(
    `INSERT INTO unit_contacts (unit_id, role, name, mobile, email, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (unit_id, role) DO UPDATE SET name = excluded.name, mobile = excluded.mobile, email = excluded.email`,
  ).run(unitId, role, c.name, c.mobile, c.email, createdAt);
}

export function removeContact(db: Db, unitId: number, role: ContactRole): void {
  db.prepare('DELETE FROM unit_contacts WHERE unit_id = ? AND role = ?').run(unitId, role);
}

/** Writes a unit's group robot, replacing the one there was. */
export function saveRobot(
  db: Db,
  unitId: number,
  r: { kind: RobotKind; webhook: string; secret: string | null },
  updatedAt: string,
): void {
  db.prepare(
    `INSERT INTO unit_robots (unit_id, kind, webhook, secret, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (unit_id) DO UPDATE SET kind = excluded.kind, webhook = excluded.webhook,
       secret = excluded.secret, updated_at = excluded.updated_at`,
  ).run(unitId, r.kind, r.webhook, r.secret, updatedAt);
}

export function removeRobot(db: Db, unitId: number): void {
  db.prepare('DELETE FROM unit_robots WHERE unit_id = ?').run(unitId);
}
