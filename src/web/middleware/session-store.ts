/**
 * express-session store on the app's own better-sqlite3 connection (table `sessions`), so sessions
 * survive a restart without pulling in a second SQLite driver. Expired rows are swept periodically.
 */
import session from 'express-session';
import type { Db } from '../../db/connection.ts';

const DEFAULT_TTL_MS = 12 * 3600 * 1000;
const TOUCH_EVERY_MS = 60 * 1000;

export class SqliteSessionStore extends session.Store {
  private readonly timer: NodeJS.Timeout;
  /** the expiry last written per session id */
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Db) {
    super();
    this.timer = setInterval(() => this.sweep(), 15 * 60 * 1000);
    this.timer.unref();
  }

  private expiry(sess: session.SessionData): number {
    const exp = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : NaN;
    return Number.isFinite(exp) ? exp : Date.now() + DEFAULT_TTL_MS;
  }

  sweep(): void {
    this.db.prepare('DELETE FROM sessions WHERE expires < ?').run(Date.now());
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    try {
      const row = this.db.prepare('SELECT data, expires FROM sessions WHERE sid = ?').get(sid) as
        { data: string; expires: number } | undefined;
      if (!row || row.expires < Date.now()) return cb(null, null);
      cb(null, JSON.parse(row.data) as session.SessionData);
    } catch (err) {
      cb(err);
    }
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    try {
      this.db
        .prepare(
          `INSERT INTO sessions (sid, expires, data) VALUES (?, ?, ?)
           ON CONFLICT(sid) DO UPDATE SET expires = excluded.expires, data = excluded.data`,
        )
        .run(sid, this.expiry(sess), JSON.stringify(sess));
      this.touched.set(sid, this.expiry(sess));
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    try {
      this.db.prepare('DELETE FROM sessions WHERE sid = ?').run(sid);
      this.touched.delete(sid);
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }

  /**
   * A rolling session is touched by every response; writing the new expiry at most once a minute per
   * session keeps autosaves from paying a second write each (the expiry is 12 hours, a minute is noise).
   */
  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    try {
      const expires = this.expiry(sess);
      const last = this.touched.get(sid);
      if (last !== undefined && expires - last < TOUCH_EVERY_MS) return cb?.();
      if (this.touched.size > 10_000) this.touched.clear();
      this.touched.set(sid, expires);
      this.db.prepare('UPDATE sessions SET expires = ? WHERE sid = ?').run(expires, sid);
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
