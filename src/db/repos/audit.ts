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

export interface AuditFilter {
  userId?: number | null;
  roundId?: number | null;
  siteId?: number | null;
  /** entries older than this id (paging backwards) */
  beforeId?: number | null;
  limit: number;
}

export interface AuditListRow extends AuditRow {
  user_name: string | null;
  round_name: string | null;
  site_name: string | null;
}

export function listAudit(db: Db, f: AuditFilter): AuditListRow[] {
  return db
    .prepare(
      `SELECT l.id, l.at, l.user_id, l.action, l.entity, l.entity_id, l.round_id, l.site_id, l.detail,
              u.display_name AS user_name, r.name AS round_name, s.name AS site_name
       FROM audit_log l LEFT JOIN users u ON u.id = l.user_id LEFT JOIN rounds r ON r.id = l.round_id
       LEFT JOIN sites s ON s.id = l.site_id
       WHERE (:userId IS NULL OR l.user_id = :userId) AND (:roundId IS NULL OR l.round_id = :roundId)
         AND (:siteId IS NULL OR l.site_id = :siteId) AND (:beforeId IS NULL OR l.id < :beforeId)
       ORDER BY l.id DESC LIMIT :limit`,
    )
    .all({
      userId: f.userId ?? null,
      roundId: f.roundId ?? null,
      siteId: f.siteId ?? null,
      beforeId: f.beforeId ?? null,
      limit: f.limit,
    }) as AuditListRow[];
}

/** Names the audit page shows for the ids entries carry (units, places, users, versions, site types). */
export interface AuditNames {
  units: Map<number, string>;
  streets: Map<number, string>;
  communities: Map<number, string>;
  users: Map<number, string>;
  versions: Map<number, string>;
  siteTypes: Map<string, string>;
}

export function auditNames(db: Db): AuditNames {
  const byId = (sql: string) =>
    new Map((db.prepare(sql).all() as { id: number; name: string }[]).map((r) => [r.id, r.name]));
  return {
    units: byId('SELECT id, name FROM units'),
    streets: byId('SELECT id, name FROM streets'),
    communities: byId('SELECT id, name FROM communities'),
    users: byId('SELECT id, display_name AS name FROM users'),
    versions: byId('SELECT id, name FROM criteria_versions'),
    siteTypes: new Map(
      (db.prepare('SELECT code, name FROM site_types').all() as { code: string; name: string }[]).map((r) => [
        r.code,
        r.name,
      ]),
    ),
  };
}
