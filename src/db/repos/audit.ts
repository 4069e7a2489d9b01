/** audit_log: append-only record of who changed what (the table's triggers refuse updates and deletes). */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export interface AuditEntry {
  userId: number | null;
  action: string;
  entity: string;
  entityId?: number | null;
  roundId?: number | null;
  siteId?: number | null;
  detail?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  at: string;
  user_id: number | null;
  action: string;
  entity: string;
  entity_id: number | null;
  round_id: number | null;
  site_id: number | null;
  detail: string;
}

export function appendAudit(db: Db, e: AuditEntry): void {
  db.prepare(
    `INSERT INTO audit_log (at, user_id, action, entity, entity_id, round_id, site_id, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    nowIso(),
    e.userId,
    e.action,
    e.entity,
    e.entityId ?? null,
    e.roundId ?? null,
    e.siteId ?? null,
    JSON.stringify(e.detail ?? {}),
  );
}

export function listAudit(db: Db, limit = 200): AuditRow[] {
  return db
    .prepare(
      `SELECT id, at, user_id, action, entity, entity_id, round_id, site_id, detail
       FROM audit_log ORDER BY id DESC LIMIT ?`,
    )
    .all(limit) as AuditRow[];
}
