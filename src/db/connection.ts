/**
 * Opens the SQLite database with the settings a busy single-machine server needs: WAL so readers
 * never wait for the writer, foreign keys on, a busy timeout instead of instant SQLITE_BUSY, and
 * synchronous=NORMAL (safe with WAL: a power cut may lose the last commits, never corrupt the file).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  return db;
}

export function databaseFile(dataDir: string): string {
  return join(dataDir, 'chuangcheng.sqlite');
}
