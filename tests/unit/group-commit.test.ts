// Group commit (db/connection.ts, atomicallyTogether), what the tablets' saves and submits go through:
// work queued in the same turn of the event loop is applied in the order queued, a later unit sees what
// an earlier one wrote, a unit that throws is undone and refused alone, nothing is answered before the
// commit, and a commit that fails keeps nothing of the group and refuses every unit.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { atomicallyTogether, openDatabase, type Db } from '../../src/db/connection.ts';
import { tempDir } from '../helpers/app.ts';

const work = tempDir('cc-group-commit-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh database file with a sheet-like table, and a second connection reading it as another process would. */
function open(): { db: Db; other: Db } {
  const file = join(work, `g${++n}.sqlite`);
  const db = openDatabase(file);
  db.exec(`
    CREATE TABLE sheets (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL);
    CREATE TABLE notes (
      sheet_id INTEGER NOT NULL REFERENCES sheets(id) DEFERRABLE INITIALLY DEFERRED,
      text TEXT NOT NULL CHECK (text <> '')
    );
    INSERT INTO sheets (id, revision) VALUES (1, 0), (2, 0);
  `);
  return { db, other: openDatabase(file) };
}

const bump = (db: Db, id: number) =>
  db.prepare('UPDATE sheets SET revision = revision + 1 WHERE id = ? RETURNING revision').pluck().get(id);
const note = (db: Db, sheetId: number, text: string) =>
  db.prepare('INSERT INTO notes (sheet_id, text) VALUES (?, ?)').run(sheetId, text);
const notes = (db: Db) => db.prepare('SELECT sheet_id, text FROM notes ORDER BY rowid').raw().all();

describe('work queued in the same moment', () => {
  it('is applied in order, each unit seeing the ones before it, and answered after the commit', async () => {
    const { db, other } = open();
    const answered: string[] = [];
    const first = atomicallyTogether(db, () => bump(db, 1));
    const second = atomicallyTogether(db, () => bump(db, 1));
    const third = atomicallyTogether(db, () => {
      note(db, 2, 'third');
      return bump(db, 2);
    });
    void first.then(() => answered.push('first'));
    // queued, not yet run: neither this connection nor another sees anything yet
    expect(db.prepare('SELECT revision FROM sheets WHERE id = 1').pluck().get()).toBe(0);
    expect(answered).toEqual([]);
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 1]);
    expect(answered).toEqual(['first']);
    // committed: another connection sees all of it
    expect(other.prepare('SELECT id, revision FROM sheets ORDER BY id').raw().all()).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(notes(other)).toEqual([[2, 'third']]);
    db.close();
    other.close();
  });

  it('refuses a unit that throws alone, undoing only what it wrote', async () => {
    const { db, other } = open();
    const before = atomicallyTogether(db, () => {
      note(db, 1, 'kept before');
      return bump(db, 1);
    });
    const failing = atomicallyTogether(db, () => {
      bump(db, 2);
      note(db, 2, 'undone');
      throw new Error('该点位测评表已提交，不能再修改');
    });
    const broken = atomicallyTogether(db, () => note(db, 2, '')); // refused by the CHECK
    const after = atomicallyTogether(db, () => {
      note(db, 2, 'kept after');
      return bump(db, 2);
    });
    const outcomes = await Promise.allSettled([before, failing, broken, after]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('该点位测评表已提交，不能再修改');
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/CHECK constraint/);
    // sheet 2's revision was bumped by the failing unit and undone: the later unit made it 1, not 2
    expect((outcomes[3] as PromiseFulfilledResult<number>).value).toBe(1);
    expect(notes(other)).toEqual([
      [1, 'kept before'],
      [2, 'kept after'],
    ]);
    db.close();
    other.close();
  });

  it('keeps nothing and answers every unit with the error when the commit itself fails', async () => {
    const { db, other } = open();
    const fine = atomicallyTogether(db, () => bump(db, 1));
    // a deferred foreign key is checked at COMMIT: this unit passes, the commit of the group does not
    const dangling = atomicallyTogether(db, () => note(db, 99, 'points nowhere'));
    const outcomes = await Promise.allSettled([fine, dangling]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const o of outcomes) expect(String((o as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(other.prepare('SELECT revision FROM sheets WHERE id = 1').pluck().get()).toBe(0);
    expect(notes(other)).toEqual([]);
    expect(db.inTransaction).toBe(false);
    // and the next moment's work commits as usual
    expect(await atomicallyTogether(db, () => bump(db, 1))).toBe(1);
    db.close();
    other.close();
  });

  it('starts a new group for work queued after the previous one was answered', async () => {
    const { db, other } = open();
    expect(await atomicallyTogether(db, () => bump(db, 1))).toBe(1);
    // the first group is committed before the second is even queued
    expect(other.prepare('SELECT revision FROM sheets WHERE id = 1').pluck().get()).toBe(1);
    const failing = atomicallyTogether(db, () => note(db, 99, 'points nowhere'));
    await expect(failing).rejects.toThrow(/FOREIGN KEY/);
    expect(other.prepare('SELECT revision FROM sheets WHERE id = 1').pluck().get()).toBe(1);
    db.close();
    other.close();
  });
});
