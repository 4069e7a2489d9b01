// The session's user is read with the session, in one statement (web/middleware/session-store.ts), on
// every request: a change to the account or the session row shows at the next request, and the row read
// that way is the users table's row as accounts.ts reads it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from 'express';
import type session from 'express-session';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { userIdOf } from '../helpers/ids.ts';
import { SqliteSessionStore, userLoadedWithSession } from '../../src/web/middleware/session-store.ts';
import { sessionUser } from '../../src/services/accounts.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

describe("the session's user", () => {
  it('follows the account from one request to the next: renamed, deactivated, session deleted', async () => {
    const db = app.booted.db;
    const id = userIdOf(db, 'inspector2');
    const c = new Client(app.url);
    await c.login('inspector2');
    expect((await c.get('/')).text).toContain('李娜');
    db.prepare("UPDATE users SET display_name = '李娜娜' WHERE id = ?").run(id);
    expect((await c.get('/')).text).toContain('李娜娜');
    db.prepare('UPDATE users SET active = 0 WHERE id = ?').run(id);
    const page = await c.get('/');
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login/);
    expect((await c.get('/api/session')).status).toBe(401);
    db.prepare('UPDATE users SET active = 1 WHERE id = ?').run(id);

    const other = new Client(app.url);
    await other.login('inspector3');
    expect((await other.get('/')).status).toBe(200);
    db.prepare('DELETE FROM sessions').run();
    expect((await other.get('/')).status).toBe(303);
  });

  it('is the row accounts.ts reads, column for column', async () => {
    const db = app.booted.db;
    const c = new Client(app.url);
    await c.login('office');
    const id = userIdOf(db, 'office');
    const sid = db
      .prepare("SELECT sid FROM sessions WHERE json_extract(data, '$.userId') = ? ORDER BY expires DESC")
      .pluck()
      .get(id) as string;
    const store = new SqliteSessionStore(db);
    try {
      const data = await new Promise<session.SessionData>((resolve, reject) =>
        store.get(sid, (err, sess) => (err || !sess ? reject(err as Error) : resolve(sess))),
      );
      const req = {} as Request;
      store.createSession(req, data);
      expect(userLoadedWithSession(req, id)).toEqual({ user: sessionUser(db, id) });
      // the user's id as another session holds it: not this request's user
      expect(userLoadedWithSession(req, id + 1)).toBeNull();
      expect(Object.getOwnPropertySymbols(req.session)).toEqual([]);
    } finally {
      store.close();
    }
  });
});
