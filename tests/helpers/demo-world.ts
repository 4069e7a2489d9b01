/**
 * The demo district as a world to ask the access rules about, without HTTP: a copy of the seeded demo
 * database (tests/global-setup.ts) and look-ups by the names the demo gives (src/services/demo.ts) — a
 * 社区, a site, the inspector assigned to a site in a round, a 包联 leader. A look-up that finds nothing
 * fails at once with what it looked for. `useDemoWorld()` gives a test file its copy and the look-ups
 * bound to it. Also the shape of an access answer (allowed, 401, 403 with its
 * message), so a test states the exact refusal it expects.
 */
import { afterAll, beforeAll } from 'vitest';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { databaseFile, openDatabase, type Db } from '../../src/db/connection.ts';
import { findUserByUsername, type UserRow } from '../../src/db/repos/users.ts';
import { findRoundById, type RoundRow } from '../../src/db/repos/rounds.ts';
import type { LeaderActor } from '../../src/services/access.ts';
import { AppError } from '../../src/errors.ts';
import { tempDir } from './app.ts';
import { DEMO_TEMPLATE } from './paths.ts';
import { communityIdOf, roundWithStatus, siteIdOf, streetIdOf, unitIdOf } from './ids.ts';

/** A fresh copy of the demo database, opened; `close` closes it and deletes the copy. */
export function openDemoCopy(): { db: Db; close(): void } {
  const dir = tempDir('cc-demo-world-');
  cpSync(join(DEMO_TEMPLATE, 'data'), join(dir, 'data'), { recursive: true });
  const db = openDatabase(databaseFile(join(dir, 'data')));
  return {
    db,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One row the demo must have; fails with what was looked for instead of handing on `undefined`. */
export function the<T>(db: Db, what: string, sql: string, ...args: unknown[]): T {
  const row = db.prepare(sql).get(...args) as T | undefined;
  if (row === undefined) throw new Error(`the demo district has no ${what}`);
  return row;
}
export const idOf = (db: Db, what: string, sql: string, ...args: unknown[]): number =>
  the<{ id: number }>(db, what, sql, ...args).id;

/** A 镇街, 社区 or site by name: the shared look-ups of ./ids.ts. */
export { streetIdOf as streetId, communityIdOf as communityId, siteIdOf as siteId };

export function user(db: Db, username: string): UserRow {
  const found = findUserByUsername(db, username);
  if (!found) throw new Error(`the demo district has no user ${username}`);
  return found;
}

/** The demo's published round (last month's) and its open one (this month's). */
export const publishedRound = (db: Db): RoundRow => findRoundById(db, roundWithStatus(db, 'published'))!;
export const openRound = (db: Db): RoundRow => findRoundById(db, roundWithStatus(db, 'open'))!;

/** The inspector assigned to the site (by name) in the round. */
export function inspectorOf(db: Db, round: RoundRow, site: string): UserRow {
  const { username } = the<{ username: string }>(
    db,
    `inspector of ${site} in round ${round.id}`,
    `SELECT u.username FROM assignments a JOIN users u ON u.id = a.inspector_id
     WHERE a.round_id = ? AND a.site_id = ?`,
    round.id,
    siteIdOf(db, site),
  );
  return user(db, username);
}

/** An inspector other than `assigned`: inspector1, or inspector2 when inspector1 is the one assigned. */
export const otherInspector = (db: Db, assigned: UserRow): UserRow =>
  user(db, assigned.username === 'inspector1' ? 'inspector2' : 'inspector1');

/** A 包联 leader of the unit with this code (leaders have no account yet: the actor is made here). */
export function leader(db: Db, name: string, unitCode: string): LeaderActor {
  const unitId = unitIdOf(db, unitCode);
  return { role: 'leader', id: 900_000 + unitId, display_name: name, unit_id: unitId };
}

/** The answer an access question should get: allowed, 401 (a visitor), or 403/404 with this message. */
export type Expected = true | { status: number; message: string };
export const OK = true as const;
export const LOGIN: Expected = { status: 401, message: '请先登录' };
export const no = (message: string): Expected => ({ status: 403, message });

/** What `ask` answered: OK, or the status and message of the refusal it threw. */
export function answerOf(ask: () => unknown): Expected {
  try {
    ask();
    return OK;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return { status: e.status, message: e.message };
  }
}

/** The look-ups of this module bound to one test file's copy of the demo database. */
export interface DemoWorld {
  readonly db: Db;
  user(username: string): UserRow;
  leader(name: string, unitCode: string): LeaderActor;
  streetId(name: string): number;
  communityId(name: string): number;
  siteId(name: string): number;
  published(): RoundRow;
  open(): RoundRow;
  inspectorOf(round: RoundRow, site: string): UserRow;
  otherInspector(assigned: UserRow): UserRow;
}

/** A copy of the demo database for this test file, opened before its tests and deleted after them. */
export function useDemoWorld(): DemoWorld {
  let copy: ReturnType<typeof openDemoCopy> | undefined;
  beforeAll(() => {
    copy = openDemoCopy();
  });
  afterAll(() => copy?.close());
  const db = (): Db => {
    if (!copy) throw new Error('the demo world is open only inside the tests');
    return copy.db;
  };
  return {
    get db() {
      return db();
    },
    user: (username) => user(db(), username),
    leader: (name, unitCode) => leader(db(), name, unitCode),
    streetId: (name) => streetIdOf(db(), name),
    communityId: (name) => communityIdOf(db(), name),
    siteId: (name) => siteIdOf(db(), name),
    published: () => publishedRound(db()),
    open: () => openRound(db()),
    inspectorOf: (round, site) => inspectorOf(db(), round, site),
    otherInspector: (assigned) => otherInspector(db(), assigned),
  };
}
