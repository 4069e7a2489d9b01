/**
 * express-session store on the app's own better-sqlite3 connection (table `sessions`), so sessions
 * survive a restart without pulling in a second SQLite driver. Expired rows are swept periodically.
 */
import session from 'express-session';
import type { Request } from 'express';
import type { Db } from '../../db/connection.ts';
import type { UserRow } from '../../db/repos/users.ts';

const DEFAULT_TTL_MS = 12 * 3600 * 1000;
const TOUCH_EVERY_MS = 60 * 1000;

/**
 * The session's row and its user's, in one statement: every request after login needs both, and a
 * second lookup by primary key was a measurable share of a small request. The user is the active
 * account whose id the session holds (what accounts.ts sessionUser answers); its columns are users.ts's.
 */
const SESSION_WITH_USER = `
  SELECT s.data, s.expires,
         u.id, u.username, u.display_name, u.role, u.unit_id, u.home_street_id, u.password_hash,
         u.active, u.created_at
  FROM sessions s
  LEFT JOIN users u ON u.id = json_extract(s.data, '$.userId') AND u.active = 1
  WHERE s.sid = ?`;

/** What get() read besides the session, handed to createSession under a key the Session does not copy. */
const LOADED_USER = Symbol('loadedUser');
type Loaded = session.SessionData & { [LOADED_USER]?: { userId: unknown; user: UserRow | undefined } };

/** The user read with each request's session (see userLoadedWithSession). */
const loadedUsers = new WeakMap<Request, { userId: unknown; user: UserRow | undefined }>();

/**
 * The active user read in the same statement as this request's session, if the session still holds
 * that user's id; null when the session was not read that way (then ask the users table).
 */
export function userLoadedWithSession(req: Request, userId: number): { user: UserRow | undefined } | null {
  const loaded = loadedUsers.get(req);
  return loaded && loaded.userId === userId ? { user: loaded.user } : null;
}

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
      const row = this.db.prepare(SESSION_WITH_USER).get(sid) as
        ({ data: string; expires: number } & { [K in keyof UserRow]: UserRow[K] | null }) | undefined;
      if (!row || row.expires < Date.now()) return cb(null, null);
      const sess = JSON.parse(row.data) as Loaded;
      const { data: _data, expires: _expires, ...user } = row;
      sess[LOADED_USER] = { userId: sess.userId, user: user.id === null ? undefined : (user as UserRow) };
      cb(null, sess);
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

  /** The session object express-session builds from get()'s data; the user read with it is kept by request. */
  override createSession(req: Request, sess: session.SessionData): session.Session & session.SessionData {
    const loaded = (sess as Loaded)[LOADED_USER];
    if (loaded) {
      delete (sess as Loaded)[LOADED_USER];
      loadedUsers.set(req, loaded);
    }
    return super.createSession(req, sess);
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
