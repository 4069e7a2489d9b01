// Migration 009 widens units.kind to take 区级 (the district itself) by rebuilding the units table: on a
// database still at 008 with units that 镇街, 社区, sites, users, problems and 包联 point at, every row
// and every reference survives, foreign keys still hold, and the new kind is accepted (a bogus one is not).
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { MIGRATIONS_DIR, migrate, migrationFiles } from '../../src/db/migrate.ts';
import { tempDir } from '../helpers/app.ts';

const work = tempDir('cc-m009-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder with the real migrations up to and including `last`. */
function migrationsUpTo(last: string): string {
  const dir = join(work, `upto-${last}`);
  mkdirSync(dir);
  for (const f of migrationFiles().filter((f) => f <= last)) cpSync(join(MIGRATIONS_DIR, f), join(dir, f));
  return dir;
}

describe('migration 009: a district-level unit kind', () => {
  it('rebuilds units keeping every row and reference, then accepts 区级', () => {
    const db = openDatabase(join(work, 'old.sqlite'));
    migrate(db, migrationsUpTo('008_place_changes.sql'));
    const now = '2026-12-01T00:00:00.000Z';
    db.exec(`
      INSERT INTO units (id, code, name, kind, department, parent_id, created_at) VALUES
        (1, 'S-1', '东湖街道办事处', 'street', NULL, NULL, '${now}'),
        (2, 'C-1', '幸福社区居委会', 'community', NULL, 1, '${now}'),
        (3, 'D-1', '城管局', 'department', '城管局', NULL, '${now}');
      INSERT INTO streets (id, name, unit_id, created_at) VALUES (1, '东湖街道', 1, '${now}');
      INSERT INTO communities (id, street_id, name, unit_id, created_at) VALUES (1, 1, '幸福社区', 2, '${now}');
      INSERT INTO community_liaisons (community_id, unit_id) VALUES (1, 3);
    `);
    const before = db.prepare('SELECT * FROM units ORDER BY id').all();
    expect(() =>
      db
        .prepare("INSERT INTO units (code, name, kind, created_at) VALUES ('Q', '创城办', 'district', ?)")
        .run(now),
    ).toThrow(/CHECK/);

    expect(migrate(db, migrationsUpTo('009_district_unit.sql'))).toEqual(['009_district_unit.sql']);
    expect(db.prepare('SELECT * FROM units ORDER BY id').all()).toEqual(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'units' ORDER BY name")
        .pluck()
        .all(),
    ).toContain('units_parent');
    // the references still point at the same units
    expect(db.prepare('SELECT unit_id FROM communities WHERE id = 1').pluck().get()).toBe(2);
    expect(db.prepare('SELECT unit_id FROM community_liaisons').pluck().get()).toBe(3);

    db.prepare("INSERT INTO units (code, name, kind, created_at) VALUES ('Q', '创城办', 'district', ?)").run(
      now,
    );
    expect(db.prepare("SELECT kind FROM units WHERE code = 'Q'").pluck().get()).toBe('district');
    expect(() =>
      db.prepare("INSERT INTO units (code, name, kind, created_at) VALUES ('X', '某', 'planet', ?)").run(now),
    ).toThrow(/CHECK/);
    // a unit that does not exist is still refused as a parent: foreign keys are on again
    expect(() =>
      db
        .prepare(
          "INSERT INTO units (code, name, kind, parent_id, created_at) VALUES ('Y', '某', 'other', 999, ?)",
        )
        .run(now),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
