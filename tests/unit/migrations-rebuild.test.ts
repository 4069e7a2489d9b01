// A migration that rebuilds a table (to relax a NOT NULL or widen a CHECK) runs on a copy of the demo
// district with foreign keys off, and commits only when no row points nowhere and the table's indexes
// and triggers came back; a refused one leaves the database as it was. Ordinary migrations are unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase, databaseFile, type Db } from '../../src/db/connection.ts';
import { MIGRATIONS_DIR, REBUILD_MARKER, migrate, migrationFiles } from '../../src/db/migrate.ts';
import { loadConfig } from '../../src/config.ts';
import { boot } from '../../src/boot.ts';
import { tempDir } from '../helpers/app.ts';
import { DEMO_PASSWORD, DEMO_TEMPLATE } from '../helpers/paths.ts';

let work: string;
let template: string;
let run = 0;

beforeAll(async () => {
  work = tempDir('cc-rebuild-');
  template = join(work, 'template.sqlite');
  const seeded = databaseFile(join(DEMO_TEMPLATE, 'data'));
  if (existsSync(seeded)) {
    copyFileSync(seeded, template);
    return;
  }
  // run on its own, without tests/global-setup.ts: seed the demo district here
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: join(work, 'demo', 'data'),
    UPLOAD_DIR: join(work, 'demo', 'uploads'),
    DEMO: '1',
    DEMO_PASSWORD,
    LOG_LEVEL: 'silent',
  });
  const booted = await boot(config, () => {});
  await booted.versions.settled();
  booted.db.pragma('wal_checkpoint(TRUNCATE)');
  booted.close();
  copyFileSync(databaseFile(config.dataDir), template);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh copy of the demo database, and a migrations folder: the real files, then `extra`. */
function setUp(extra: Record<string, string>): { db: Db; file: string; dir: string } {
  run += 1;
  const dir = join(work, `migrations-${run}`);
  mkdirSync(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  const file = join(work, `db-${run}.sqlite`);
  copyFileSync(template, file);
  return { db: openDatabase(file), file, dir };
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every table's rows in rowid order. */
function rows(db: Db): Record<string, string> {
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(
    tables.map((t) => [
      t,
      createHash('sha256')
        .update(JSON.stringify(db.prepare(`SELECT rowid, * FROM "${t}" ORDER BY rowid`).raw().all()))
        .digest('hex'),
    ]),
  );
}

/** The schema (every table, index, trigger and view with its SQL), every table's rows, the version. */
function fingerprint(db: Db) {
  return {
    schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all(),
    rows: rows(db),
    version: db.pragma('user_version', { simple: true }),
  };
}

const attached = (db: Db) =>
  db
    .prepare(
      "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger') ORDER BY name",
    )
    .all();

/**
 * The migration file a person would write to rebuild `table` (create new_X, copy, drop X, rename new_X
 * to X, recreate X's indexes and triggers), made from the table's definition in `db`.
 */
function rebuildSql(
  db: Db,
  table: string,
  options: { define?: (sql: string) => string; keep?: string; forgetTriggers?: boolean } = {},
): string {
  const sql = db
    .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .pluck()
    .get(table);
  const defined = (options.define ?? ((s) => s))(sql as string);
  const created = defined.replace(new RegExp(`^CREATE TABLE "?${table}"?`), `CREATE TABLE new_${table}`);
  expect(created).not.toBe(defined);
  const recreated = db
    .prepare(
      "SELECT type, sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
    )
    .all(table) as { type: string; sql: string }[];
  return [
    REBUILD_MARKER,
    `${created};`,
    `INSERT INTO new_${table} SELECT * FROM ${table}${options.keep ? ` WHERE ${options.keep}` : ''};`,
    `DROP TABLE ${table};`,
    `ALTER TABLE new_${table} RENAME TO ${table};`,
    ...recreated.filter((o) => !(options.forgetTriggers && o.type === 'trigger')).map((o) => `${o.sql};`),
    '',
  ].join('\n');
}

const real = migrationFiles();

describe('a migration that rebuilds a table', () => {
  it('relaxes problems.description NOT NULL and keeps every row, index and trigger, foreign keys enforced after', () => {
    const probe = setUp({});
    const sql = rebuildSql(probe.db, 'problems', {
      define: (s) => s.replace(/description(\s+)TEXT NOT NULL/, 'description$1TEXT'),
    });
    probe.db.close();
    const { db, dir } = setUp({ '900_problem_without_site.sql': sql });
    const before = rows(db);
    const indexesAndTriggers = attached(db);
    const problems = db.prepare('SELECT COUNT(*) FROM problems').pluck().get() as number;
    expect(problems).toBeGreaterThan(0);

    expect(migrate(db, dir)).toEqual(['900_problem_without_site.sql']);

    const description = (db.pragma('table_info(problems)') as { name: string; notnull: number }[]).find(
      (c) => c.name === 'description',
    );
    expect(description?.notnull).toBe(0);
    const after = rows(db);
    expect({ ...after, schema_migrations: '' }).toEqual({ ...before, schema_migrations: '' });
    expect(db.prepare('SELECT COUNT(*) FROM problems').pluck().get()).toBe(problems);
    expect(attached(db)).toEqual(indexesAndTriggers);
    expect(db.pragma('user_version', { simple: true })).toBe(real.length + 1);
    expect(db.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all()).toEqual([
      ...real,
      '900_problem_without_site.sql',
    ]);

    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() =>
      db.prepare("INSERT INTO problem_events (problem_id, at, action) VALUES (999999, 'now', 'x')").run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() =>
      db.prepare('UPDATE problems SET site_id = 999999 WHERE id = (SELECT MIN(id) FROM problems)').run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() =>
      db.prepare('UPDATE problems SET description = NULL WHERE id = (SELECT MIN(id) FROM problems)').run(),
    ).not.toThrow();
    expect(() => db.prepare("UPDATE audit_log SET action = 'z'").run()).toThrow(/append-only/);
    expect(migrate(db, dir)).toEqual([]);
    db.close();
  });

  it('renames with legacy_alter_table off, so a self-reference written as new_X follows the rename', () => {
    const probe = setUp({});
    const sql = rebuildSql(probe.db, 'problems', {
      define: (s) => s.replace('REFERENCES problems(id)', 'REFERENCES new_problems(id)'),
    });
    probe.db.close();
    const { db, dir } = setUp({ '900_self_reference.sql': sql });
    db.pragma('legacy_alter_table = ON');
    expect(migrate(db, dir)).toEqual(['900_self_reference.sql']);
    const previous = (db.pragma('foreign_key_list(problems)') as { from: string; table: string }[]).find(
      (f) => f.from === 'previous_problem_id',
    );
    expect(previous?.table).toBe('problems');
    expect(db.pragma('legacy_alter_table', { simple: true })).toBe(1);
    db.close();
  });

  it('is refused when it would leave a row pointing nowhere, and the database is left as it was', () => {
    const probe = setUp({});
    const gone = probe.db.prepare('SELECT site_id FROM problems ORDER BY id LIMIT 1').pluck().get() as number;
    const sql = rebuildSql(probe.db, 'sites', { keep: `id <> ${gone}` });
    probe.db.close();
    const { db, file, dir } = setUp({ '900_lose_a_site.sql': sql });
    const before = fingerprint(db);

    let message = '';
    try {
      migrate(db, dir);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /^迁移 900_lose_a_site\.sql 未执行，数据库保持原样：(\w+) 表第 (\d+) 行引用的 sites 记录不存在/,
    );
    const [, table, rowid] = /：(\w+) 表第 (\d+) 行/.exec(message)!;
    const references = (db.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[]).filter(
      (f) => f.table === 'sites',
    );
    const row = db.prepare(`SELECT * FROM "${table}" WHERE rowid = ?`).get(Number(rowid)) as Record<
      string,
      unknown
    >;
    expect(references.some((f) => row[f.from] === gone)).toBe(true);

    expect(fingerprint(db)).toEqual(before);
    expect(db.pragma('user_version', { simple: true })).toBe(real.length);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() =>
      db.prepare("INSERT INTO communities (street_id, name, created_at) VALUES (999999, 'x', 'now')").run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
    expect(sha(file)).toBe(sha(template));
  });

  it('is refused when it forgets to recreate a trigger of the table it rebuilt', () => {
    const probe = setUp({});
    const sql = rebuildSql(probe.db, 'audit_log', { forgetTriggers: true });
    probe.db.close();
    const { db, file, dir } = setUp({ '900_audit_log_again.sql': sql });
    const before = fingerprint(db);

    expect(() => migrate(db, dir)).toThrow(
      /^迁移 900_audit_log_again\.sql 未执行，数据库保持原样：重建后缺少触发器 audit_log_no_\w+（audit_log）/,
    );
    expect(fingerprint(db)).toEqual(before);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    db.close();
    expect(sha(file)).toBe(sha(template));
  });

  it('is refused when it renames the old table away first, which drags the other tables’ foreign keys along', () => {
    const probe = setUp({});
    const table = probe.db
      .prepare("SELECT sql FROM sqlite_schema WHERE name = 'problems'")
      .pluck()
      .get() as string;
    const indexes = probe.db
      .prepare(
        "SELECT sql FROM sqlite_schema WHERE tbl_name = 'problems' AND type = 'index' AND sql IS NOT NULL",
      )
      .pluck()
      .all() as string[];
    probe.db.close();
    const sql = [
      REBUILD_MARKER,
      'ALTER TABLE problems RENAME TO old_problems;',
      `${table};`,
      'INSERT INTO problems SELECT * FROM old_problems;',
      'DROP TABLE old_problems;',
      ...indexes.map((s) => `${s};`),
    ].join('\n');
    const { db, dir } = setUp({ '900_wrong_order.sql': sql });
    const before = fingerprint(db);

    expect(() => migrate(db, dir)).toThrow(/900_wrong_order\.sql 未执行.*外键指向不存在的表 old_problems/);
    expect(fingerprint(db)).toEqual(before);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('is refused inside a transaction already open, where foreign keys cannot be turned off', () => {
    const { db, dir } = setUp({ '900_rebuild.sql': `${REBUILD_MARKER}\nSELECT 1;\n` });
    expect(() => db.transaction(() => migrate(db, dir))()).toThrow(/900_rebuild\.sql 需要重建表/);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(real.length);
    db.close();
  });
});

describe('an ordinary migration', () => {
  it('still runs in a transaction with foreign keys on, recorded as before', () => {
    const { db, dir } = setUp({
      '900_site_note.sql': "ALTER TABLE sites ADD COLUMN note TEXT NOT NULL DEFAULT '';\n",
    });
    expect(migrate(db, dir)).toEqual(['900_site_note.sql']);
    expect(db.pragma('user_version', { simple: true })).toBe(real.length + 1);
    expect(
      db.prepare("SELECT COUNT(*) FROM schema_migrations WHERE name = '900_site_note.sql'").pluck().get(),
    ).toBe(1);
    expect(db.prepare('SELECT DISTINCT note FROM sites').pluck().all()).toEqual(['']);
    db.close();
  });

  it('is rolled back whole when a foreign key refuses it (the marker is what turns them off)', () => {
    const probe = setUp({});
    // the same rebuild as above without its first line: DROP TABLE problems meets problem_events' keys
    const sql = rebuildSql(probe.db, 'problems').split('\n').slice(1).join('\n');
    probe.db.close();
    const { db, dir } = setUp({ '900_unmarked_rebuild.sql': sql });
    const before = fingerprint(db);
    expect(() => migrate(db, dir)).toThrow(/FOREIGN KEY/);
    expect(fingerprint(db)).toEqual(before);
    db.close();
  });
});
