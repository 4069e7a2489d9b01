/**
 * A fingerprint of everything a request could change: the row count and a hash of the full contents of
 * every table (sessions excepted: logging in and visiting pages rightly touch them; sheet_packs and
 * round_ranks, copies of answers and ranks that a view of results may write first; the login throttle
 * lives in memory), and every file under the upload folder with its SHA-256. Two equal snapshots mean
 * a refused request left the database and the photo folder exactly as they were.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Db } from '../../src/db/connection.ts';

export interface Snapshot {
  /** table → row count */
  counts: Record<string, number>;
  /** table → SHA-256 of its rows (order-independent) */
  hashes: Record<string, string>;
  /** path relative to the upload folder → SHA-256, sorted by path */
  files: [string, string][];
}

// copies of answers and ranks that any view of results may write first (db/repos/sheet-packs.ts, round-ranks.ts)
const SKIPPED = new Set(['sessions', 'sheet_packs', 'round_ranks']);

function tableHash(db: Db, table: string): { count: number; hash: string } {
  const rows = db
    .prepare(`SELECT * FROM "${table}"`)
    .raw()
    .all()
    .map((row) =>
      JSON.stringify(row, (_k, v: unknown) =>
        Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : typeof v === 'bigint' ? `big:${v}` : v,
      ),
    )
    .sort();
  const hash = createHash('sha256');
  for (const r of rows) hash.update(r).update('\n');
  return { count: rows.length, hash: hash.digest('hex') };
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

export function snapshot(db: Db, uploadDir: string): Snapshot {
  const tables = (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[]
  ).filter((t) => !SKIPPED.has(t));
  const counts: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  for (const t of tables) {
    const { count, hash } = tableHash(db, t);
    counts[t] = count;
    hashes[t] = hash;
  }
  const files = walk(uploadDir)
    .map((p): [string, string] => [
      relative(uploadDir, p),
      createHash('sha256').update(readFileSync(p)).digest('hex'),
    ])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { counts, hashes, files };
}
