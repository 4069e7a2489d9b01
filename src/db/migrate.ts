/**
 * Applies the numbered SQL files in migrations/ in order, each in its own transaction. The list is
 * append-only; the schema version is the number of files applied (kept in PRAGMA user_version and in
 * schema_migrations with the file names, so a renamed or missing file is noticed).
 *
 * SQLite relaxes a NOT NULL or widens a CHECK only by rebuilding the table, which needs foreign keys off,
 * and `PRAGMA foreign_keys` does nothing inside a transaction. So a file may declare on its first line
 * that it rebuilds tables; it then runs with foreign keys off and commits only if what it leaves passes
 * the checks below (see `applyRebuild`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './connection.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The first line of a migration that rebuilds tables. */
export const REBUILD_MARKER = '-- migrate: rebuilds-tables';

export function migrationFiles(dir: string = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}

export function rebuildsTables(sql: string): boolean {
  return /^--\s*migrate:\s*rebuilds-tables\s*$/.test(sql.split('\n', 1)[0]!.trim());
}

/**
 * Returns the names of the migrations it applied. `dir` is where the files are; tests pass a folder
 * holding copies of the real files followed by their own.
 */
export function migrate(db: Db, dir: string = MIGRATIONS_DIR): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const files = migrationFiles(dir);
  for (const name of applied) {
    if (!files.includes(name))
      throw new Error(`数据库记录的迁移 ${name} 在程序中不存在：程序版本比数据库旧？`);
  }
  const done: string[] = [];
  for (const name of files) {
    if (applied.has(name)) continue;
    const sql = readFileSync(join(dir, name), 'utf8');
    const apply = () => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(
        name,
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${files.indexOf(name) + 1}`);
    };
    if (rebuildsTables(sql)) applyRebuild(db, name, apply);
    else db.transaction(apply)();
    done.push(name);
  }
  return done;
}

interface SchemaObject {
  type: 'index' | 'trigger' | 'view';
  name: string;
  tbl_name: string;
}

const KIND: Record<SchemaObject['type'], string> = { index: '索引', trigger: '触发器', view: '视图' };

/**
 * Runs a migration marked with REBUILD_MARKER. It follows SQLite's procedure ("Making Other Kinds Of
 * Table Schema Changes" in https://www.sqlite.org/lang_altertable.html), for each table X in this order:
 *   1. drop the views, and the triggers of other tables, whose SQL names X (renaming new_X fails while
 *      they name a table that is gone);
 *   2. CREATE TABLE new_X with the new definition, writing references to X itself as X;
 *   3. INSERT INTO new_X (columns) SELECT columns FROM X;
 *   4. DROP TABLE X, which drops X's indexes and triggers with it;
 *   5. ALTER TABLE new_X RENAME TO X. Never rename X away first: legacy_alter_table is kept off here, so a
 *      rename carries the foreign keys of other tables along, and they would point at the dropped copy;
 *   6. recreate X's indexes and triggers itself (the audit log's append-only triggers among them), and the
 *      views and triggers dropped in step 1.
 * Foreign keys go off before the transaction and back on after it, whatever happens. Nothing commits
 * unless every foreign key names a table that exists, foreign_key_check finds no row pointing nowhere,
 * integrity_check passes, and every index, trigger and view that was there before is still there for
 * the tables still there: dropping one on purpose is the job of an ordinary migration.
 */
function applyRebuild(db: Db, name: string, apply: () => void): void {
  if (db.inTransaction)
    throw new Error(`迁移 ${name} 需要重建表，不能在已开始的事务中执行：事务中无法关闭外键检查`);
  const legacyAlter = db.pragma('legacy_alter_table', { simple: true }) as number;
  try {
    db.pragma('foreign_keys = OFF');
    db.pragma('legacy_alter_table = OFF');
    if (db.pragma('foreign_keys', { simple: true }) !== 0)
      throw new Error(`迁移 ${name} 需要重建表，但外键检查未能关闭`);
    const before = schemaObjects(db);
    db.transaction(() => {
      apply();
      refuseBrokenRebuild(db, name, before);
    })();
  } finally {
    db.pragma('foreign_keys = ON');
    db.pragma(`legacy_alter_table = ${legacyAlter ? 'ON' : 'OFF'}`);
  }
}

function schemaObjects(db: Db): SchemaObject[] {
  return db
    .prepare(
      `SELECT type, name, tbl_name FROM sqlite_schema
       WHERE type IN ('index', 'trigger', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    )
    .all() as SchemaObject[];
}

/** Throws, inside the migration's transaction so that it rolls back, at the first thing wrong. */
function refuseBrokenRebuild(db: Db, name: string, before: SchemaObject[]): void {
  const refuse = (why: string) => new Error(`迁移 ${name} 未执行，数据库保持原样：${why}`);
  const lost = db
    .prepare(
      `SELECT m.name AS child, f."table" AS parent FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table'
         AND lower(f."table") NOT IN (SELECT lower(name) FROM sqlite_schema WHERE type = 'table')`,
    )
    .get() as { child: string; parent: string } | undefined;
  if (lost)
    throw refuse(
      `${lost.child} 表的外键指向不存在的表 ${lost.parent}` +
        `（重建表应先建 new_X、复制、删除 X，再把 new_X 改名为 X，而不是先把 X 改名）`,
    );

  let violations: { table: string; rowid: number | null; parent: string }[];
  try {
    violations = db.pragma('foreign_key_check') as typeof violations;
  } catch (e) {
    throw refuse(`外键检查无法完成（${(e as Error).message}）`);
  }
  const [first] = violations;
  if (first)
    throw refuse(
      `${first.table} 表第 ${first.rowid ?? '?'} 行引用的 ${first.parent} 记录不存在` +
        `（共 ${violations.length} 处外键违例）`,
    );

  const problems = db.pragma('integrity_check') as { integrity_check: string }[];
  if (problems.length !== 1 || problems[0]!.integrity_check !== 'ok')
    throw refuse(`完整性检查未通过：${problems.map((p) => p.integrity_check).join('；')}`);

  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]).map((t) =>
      t.toLowerCase(),
    ),
  );
  const key = (o: SchemaObject) => `${o.type} ${o.name} ${o.tbl_name}`.toLowerCase();
  const after = new Set(schemaObjects(db).map(key));
  const missing = before.find(
    (o) => (o.type === 'view' || tables.has(o.tbl_name.toLowerCase())) && !after.has(key(o)),
  );
  if (missing)
    throw refuse(
      `重建后缺少${KIND[missing.type]} ${missing.name}（${missing.tbl_name}）：` +
        `重建表的迁移须自己重建该表原有的索引和触发器`,
    );
}
