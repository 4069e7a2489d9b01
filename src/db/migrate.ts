/**
 * Applies the numbered SQL files in migrations/ in order, each in its own transaction. The list is
 * append-only; the schema version is the number of files applied (kept in PRAGMA user_version and in
 * schema_migrations with the file names, so a renamed or missing file is noticed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './connection.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}

/** Returns the names of the migrations it applied. */
export function migrate(db: Db): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const files = migrationFiles();
  for (const name of applied) {
    if (!files.includes(name))
      throw new Error(`数据库记录的迁移 ${name} 在程序中不存在：程序版本比数据库旧？`);
  }
  const done: string[] = [];
  for (const name of files) {
    if (applied.has(name)) continue;
    const sql = readFileSync(MIGRATIONS_DIR + name, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(
        name,
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${files.indexOf(name) + 1}`);
    })();
    done.push(name);
  }
  return done;
}
