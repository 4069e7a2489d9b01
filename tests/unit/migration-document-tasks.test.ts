// Migration 010 rebuilds problems to give each a 来源 (source) and to let a problem from a document task
// have no site: on a database still at 009 with problems, their history, their photos and a later
// problem linked to an earlier one, every row and reference survives, existing problems become 'round'
// problems, foreign keys hold, and the CHECKs take a document problem without a site but refuse a
// 'round' problem without one (or a document problem without its task).
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connection.ts';
import { MIGRATIONS_DIR, migrate, migrationFiles } from '../../src/db/migrate.ts';
import { tempDir } from '../helpers/app.ts';

const work = tempDir('cc-m010-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder with the real migrations up to and including `last`. */
function migrationsUpTo(last: string): string {
  const dir = join(work, `upto-${last}`);
  mkdirSync(dir);
  for (const f of migrationFiles().filter((f) => f <= last)) cpSync(join(MIGRATIONS_DIR, f), join(dir, f));
  return dir;
}

const now = '2026-12-01T00:00:00.000Z';

describe('migration 010: problems with a 来源 and without a site', () => {
  it('rebuilds problems keeping every row and reference, then takes document problems', () => {
    const db = openDatabase(join(work, 'old.sqlite'));
    migrate(db, migrationsUpTo('009_district_unit.sql'));
    db.exec(`
      INSERT INTO units (id, code, name, kind, department, parent_id, created_at) VALUES
        (1, 'S-1', '东湖街道办事处', 'street', NULL, NULL, '${now}'),
        (2, 'C-1', '幸福社区居委会', 'community', NULL, 1, '${now}');
      INSERT INTO streets (id, name, unit_id, created_at) VALUES (1, '东湖街道', 1, '${now}');
      INSERT INTO communities (id, street_id, name, unit_id, created_at) VALUES (1, 1, '幸福社区', 2, '${now}');
      INSERT INTO site_types (code, name) VALUES ('market', '农贸市场');
      INSERT INTO sites (id, name, site_type, street_id, community_id, created_at)
        VALUES (1, '幸福农贸市场', 'market', 1, 1, '${now}');
      INSERT INTO users (id, username, display_name, role, unit_id, password_hash, created_at) VALUES
        (1, 'office', '创城办', 'office', NULL, 'x', '${now}'),
        (2, 'xingfu', '幸福社区', 'unit', 2, 'x', '${now}');
      INSERT INTO criteria_versions (id, code, family, name, version, content, sha256, source, loaded_at)
        VALUES (1, 'v', 'f', '体系', '1', '{}', 'x', 'shipped:v.json', '${now}');
      INSERT INTO rounds (id, name, criteria_version_id, starts_on, ends_on, status, selection, created_at) VALUES
        (1, '第1轮', 1, '2026-11-01', '2026-11-07', 'published', '{}', '${now}'),
        (2, '第2轮', 1, '2026-11-08', '2026-11-14', 'open', '{}', '${now}');
      INSERT INTO round_sites (round_id, site_id) VALUES (1, 1), (2, 1);
      INSERT INTO inspections (id, round_id, site_id, inspector_id, status, started_at)
        VALUES (1, 1, 1, 1, 'approved', '${now}'), (2, 2, 1, 1, 'approved', '${now}');
      INSERT INTO problems (id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
          deadline, status, created_at, fixed_by, fixed_at, fix_note, closed_at)
        VALUES (1, 1, 1, 1, 'A01-1', '地面有垃圾', 0.5, 2, '2026-11-10', 'closed', '${now}', 2, '${now}', '已清扫', '${now}');
      INSERT INTO problems (id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
          deadline, status, repeat_count, previous_problem_id, created_at, request, request_note, request_unit_id)
        VALUES (2, 2, 1, 2, 'A01-1', '地面有垃圾', 0.5, 2, '2026-11-20', 'open', 1, 1, '${now}', 'transfer', '非本单位', 1);
      INSERT INTO problem_events (problem_id, at, user_id, action, from_status, to_status) VALUES
        (1, '${now}', 1, 'raise', NULL, 'open'), (1, '${now}', 2, 'fix', 'open', 'fixed'),
        (1, '${now}', 1, 'close', 'fixed', 'closed'), (2, '${now}', 1, 'raise', NULL, 'open');
      INSERT INTO photos (id, sha256, kind, inspection_id, standard_code, problem_id, mime, bytes, width, height,
          uploaded_by, uploaded_at) VALUES
        (1, 'aa', 'evidence', 1, 'A01-1', NULL, 'image/jpeg', 10, 4, 3, 1, '${now}'),
        (2, 'bb', 'fix', NULL, 'A01-1', 1, 'image/jpeg', 10, 4, 3, 2, '${now}');
    `);
    const problems = db.prepare('SELECT * FROM problems ORDER BY id').all() as Record<string, unknown>[];
    const events = db.prepare('SELECT * FROM problem_events ORDER BY id').all();
    const photos = db.prepare('SELECT * FROM photos ORDER BY id').all();
    // at 009 a problem must have a site
    expect(() =>
      db
        .prepare(
          `INSERT INTO problems (round_id, site_id, standard_code, points_lost, deadline, status, created_at)
           VALUES (2, NULL, 'A01-D2', 1, '2026-12-10', 'open', ?)`,
        )
        .run(now),
    ).toThrow(/NOT NULL/);

    expect(migrate(db, migrationsUpTo('010_document_tasks.sql'))).toEqual(['010_document_tasks.sql']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // every problem kept as it was, now a 测评 problem without a task
    expect(db.prepare('SELECT * FROM problems ORDER BY id').all()).toEqual(
      problems.map((p) => ({ ...p, source: 'round', task_id: null })),
    );
    expect(db.prepare('SELECT * FROM problem_events ORDER BY id').all()).toEqual(events);
    expect(db.prepare('SELECT * FROM photos ORDER BY id').all()).toEqual(photos);
    expect(db.prepare('SELECT previous_problem_id FROM problems WHERE id = 2').pluck().get()).toBe(1);
    expect(
      db
        .prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'problems' ORDER BY name",
        )
        .pluck()
        .all(),
    ).toEqual([
      'problems_live_once',
      'problems_round',
      'problems_site_standard',
      'problems_task_live_once',
      'problems_unit',
    ]);
    // the same sheet and standard still cannot have two live problems
    expect(() =>
      db
        .prepare(
          `INSERT INTO problems (round_id, site_id, inspection_id, standard_code, points_lost, deadline, status, created_at)
           VALUES (2, 1, 2, 'A01-1', 0.5, '2026-12-10', 'open', ?)`,
        )
        .run(now),
    ).toThrow(/UNIQUE/);

    // a document task of the 社区, and a problem from it with no site
    db.prepare(
      `INSERT INTO document_tasks (id, round_id, standard_code, level, community_id, street_id, place_key, due_on,
         status, result, created_at) VALUES (1, 2, 'A01-D2', 'community', 1, 1, 'c:1', '2026-11-12', 'scored', 'fail', ?)`,
    ).run(now);
    const insertDocument = db.prepare(
      `INSERT INTO problems (round_id, site_id, standard_code, points_lost, unit_id, deadline, status, created_at,
         source, task_id) VALUES (2, NULL, 'A01-D2', 1, 2, '2026-12-10', 'open', ?, ?, ?)`,
    );
    insertDocument.run(now, 'document', 1);
    expect(
      db.prepare("SELECT site_id, source, task_id FROM problems WHERE standard_code = 'A01-D2'").get(),
    ).toEqual({ site_id: null, source: 'document', task_id: 1 });
    // one live problem per task
    expect(() => insertDocument.run(now, 'document', 1)).toThrow(/UNIQUE/);
    // a 测评 problem needs its site; a document problem its task; a task that exists
    expect(() => insertDocument.run(now, 'round', null)).toThrow(/CHECK/);
    expect(() => insertDocument.run(now, 'document', null)).toThrow(/CHECK/);
    expect(() => insertDocument.run(now, 'survey', 1)).toThrow(/CHECK/);
    expect(() => insertDocument.run(now, 'document', 999)).toThrow(/FOREIGN KEY/);
    // a document file may belong to a problem (a corrected document)
    db.prepare(
      `INSERT INTO document_files (sha256, name, kind, bytes, uploaded_by, uploaded_at, problem_id)
       VALUES ('cc', '整改材料.pdf', 'pdf', 100, 2, ?, 3)`,
    ).run(now);
    expect(db.prepare('SELECT problem_id FROM document_files').pluck().get()).toBe(3);
    db.close();
  });
});
