// A device's retried request keeps getting its first answer; keys older than the retention are forgotten
// at start, the recent ones kept.
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { findIdempotent, pruneIdempotent, saveIdempotent } from '../../src/db/repos/idempotency.ts';
import { insertUser } from '../../src/db/repos/users.ts';

it('forgets keys older than the retention and keeps the rest', () => {
  const db = openDatabase(':memory:');
  migrate(db);
  const user = insertUser(db, {
    username: 'inspector1',
    displayName: '测评员',
    role: 'inspector',
    unitId: null,
    homeStreetId: null,
    passwordHash: 'x',
  });
  saveIdempotent(db, 'batch-recent-0001', user, { revision: 3 });
  saveIdempotent(db, 'batch-old-000001', user, { revision: 1 });
  db.prepare("UPDATE idempotency_keys SET created_at = '2026-08-01T00:00:00.000Z' WHERE key = ?").run(
    'batch-old-000001',
  );
  const removed = pruneIdempotent(db, 60, new Date('2026-11-28T00:00:00.000Z'));
  expect(removed).toBe(1);
  expect(findIdempotent(db, 'batch-old-000001')).toBeUndefined();
  expect(findIdempotent(db, 'batch-recent-0001')).toEqual({ userId: user, response: { revision: 3 } });
});
