// Every migration applies on an empty database, the schema holds the whole domain, a second run is a
// no-op, and the audit log refuses to be changed.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate, migrationFiles } from '../../src/db/migrate.ts';

describe('migrations', () => {
  it('migrate an empty database end to end', () => {
    const db = openDatabase(':memory:');
    const applied = migrate(db);
    expect(applied).toEqual(migrationFiles());
    expect(db.pragma('user_version', { simple: true })).toBe(migrationFiles().length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    for (const t of [
      'units',
      'streets',
      'communities',
      'community_liaisons',
      'site_types',
      'sites',
      'users',
      'sessions',
      'criteria_versions',
      'rounds',
      'round_sites',
      'assignments',
      'inspections',
      'answers',
      'photos',
      'problems',
      'problem_events',
      'audit_log',
      'idempotency_keys',
    ])
      expect(tables).toContain(t);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('opens with WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('keeps the audit log append-only', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    db.prepare("INSERT INTO audit_log (at, action, entity) VALUES ('2026-01-01', 'x', 'y')").run();
    expect(() => db.prepare("UPDATE audit_log SET action = 'z'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(db.prepare('SELECT action FROM audit_log').pluck().all()).toEqual(['x']);
    db.close();
  });

  it('refuses a foreign key that points nowhere', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    expect(() =>
      db.prepare("INSERT INTO communities (street_id, name, created_at) VALUES (999, 'x', 'now')").run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
