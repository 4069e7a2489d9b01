/**
 * idempotency_keys: the answer a client-keyed request got, stored in the same transaction as its write,
 * so a retried request (the network dropped the reply) gets the same answer and changes nothing.
 */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export type IdempotentHit = { userId: number; response: unknown } | undefined;

export function findIdempotent(db: Db, key: string): IdempotentHit {
  const row = db.prepare('SELECT user_id, response FROM idempotency_keys WHERE key = ?').get(key) as
    { user_id: number; response: string } | undefined;
  return row ? { userId: row.user_id, response: JSON.parse(row.response) as unknown } : undefined;
}

export function saveIdempotent(db: Db, key: string, userId: number, response: unknown): void {
  db.prepare('INSERT INTO idempotency_keys (key, user_id, response, created_at) VALUES (?, ?, ?, ?)').run(
    key,
    userId,
    JSON.stringify(response),
    nowIso(),
  );
}

/**
 * Forgets keys older than `days`: a device replays what it queued within hours or days, and by then the
 * round it wrote to is long closed (its writes are refused anyway). Returns how many were removed.
 */
export function pruneIdempotent(db: Db, days: number, now = new Date()): number {
  const before = new Date(now.getTime() - days * 86400_000).toISOString();
  return db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(before).changes;
}
