/**
 * Opens the SQLite database with the settings a busy single-machine server needs: WAL so readers
 * never wait for the writer, foreign keys on, a busy timeout instead of instant SQLITE_BUSY, and
 * synchronous=NORMAL (safe with WAL: a power cut may lose the last commits, never corrupt the file).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export type Db = Database.Database;

/** Beyond this many distinct SQL texts the cache starts over (IN lists of varying length make new texts). */
const STATEMENT_CACHE_LIMIT = 1000;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  cacheStatements(db);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** One reusable transaction runner per connection (see `atomically`). */
const runners = new WeakMap<Db, (fn: () => unknown) => unknown>();

/**
 * Runs `fn` in a transaction (a savepoint when one is already open), as `db.transaction(fn)()` does,
 * without building a new wrapper each time: better-sqlite3 makes four functions and defines twenty
 * properties for every `db.transaction()`, a measurable share of a small write such as an autosave.
 */
export function atomically<T>(db: Db, fn: () => T): T {
  let run = runners.get(db);
  if (!run) {
    run = db.transaction((f: () => unknown) => f());
    runners.set(db, run);
  }
  return run(fn) as T;
}

/** A unit of work waiting for the next group commit, and who is waiting for its outcome. */
interface GroupedWork {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const groups = new WeakMap<Db, GroupedWork[]>();

/**
 * Runs `fn` in a transaction shared with the other work queued on this connection in the same turn of
 * the event loop (group commit), and resolves once that transaction has committed. Each unit runs in a
 * savepoint of its own, in the order queued, so one that throws is undone alone and rejects alone, and
 * a later unit sees what an earlier one wrote, as when they ran one after the other. Nothing is
 * answered before the commit: if the commit fails (or an error ends the transaction, such as a full
 * disk), nothing of the group is kept and every unit rejects with that error.
 *
 * Why: a small write's BEGIN and COMMIT (the locks, the log's frames for every page it touched) cost as
 * much as its statements; sixty-four tablets autosaving at once share them this way. Work still runs on
 * the main thread and whole, with no await inside: a unit must be synchronous, as in `atomically`.
 */
export function atomicallyTogether<T>(db: Db, fn: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let queue = groups.get(db);
    if (!queue) {
      queue = [];
      groups.set(db, queue);
      setImmediate(() => commitGroup(db));
    }
    queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
  });
}

function commitGroup(db: Db): void {
  const queue = groups.get(db) ?? [];
  groups.delete(db);
  const outcomes: { ok: boolean; value: unknown }[] = [];
  try {
    atomically(db, () => {
      for (const work of queue) {
        try {
          outcomes.push({ ok: true, value: atomically(db, work.fn) });
        } catch (error) {
          // SQLite ended the whole transaction (I/O error, full disk): nothing of the group holds
          if (!db.inTransaction) throw error;
          outcomes.push({ ok: false, value: error });
        }
      }
    });
  } catch (error) {
    for (const work of queue) work.reject(error);
    return;
  }
  queue.forEach((work, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) work.resolve(outcome.value);
    else work.reject(outcome.value);
  });
}

export function databaseFile(dataDir: string): string {
  return join(dataDir, 'chuangcheng.sqlite');
}

/**
 * Makes `db.prepare(sql)` return the statement already compiled for the same text. The repos prepare
 * at each call, which kept them simple but cost 15 % of a busy server's time compiling the same SQL
 * again. A cached statement has its pluck mode reset, so one call site's `.pluck()` cannot leak into
 * another's (nor its `.raw()`), and a statement still being iterated is never handed out twice.
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const hit = cache.get(sql);
    if (hit && !hit.busy) {
      if (hit.reader) {
        hit.pluck(false);
        hit.raw(false);
      }
      return hit;
    }
    const stmt = prepare(sql);
    if (!hit) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      cache.set(sql, stmt);
    }
    return stmt;
  }) as Db['prepare'];
}

/**
 * True for an error that says this connection cannot write now: another process holds the database past
 * the busy timeout, or it was opened read-only. Caches kept in the database (sheet packs, kept ranks) skip
 * their write then and compute again next time.
 */
export function cannotWrite(err: unknown): boolean {
  return err instanceof Error && /^SQLITE_(BUSY|LOCKED|READONLY)/.test((err as { code?: string }).code ?? '');
}
