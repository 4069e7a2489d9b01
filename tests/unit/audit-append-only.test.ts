// The audit log is append-only: no code under src/ changes or removes its rows, the database itself
// refuses it (updates, deletes, and a REPLACE that would overwrite a row), and a series of real actions
// (answers saved after submit, a correction, a return, approve, withdraw and publish) only adds rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { appendAudit } from '../../src/db/repos/audit.ts';
import { findUserByUsername, type UserRow } from '../../src/db/repos/users.ts';
import { saveChanges } from '../../src/services/sheets.ts';
import { returnSheet } from '../../src/services/sheet-submit.ts';
import { approveSheet, correctAnswer } from '../../src/services/review.ts';
import { publishRound, withdrawPublication } from '../../src/services/round-lifecycle.ts';
import type { SheetCtx } from '../../src/services/sheet-access.ts';
import { startApp, type TestApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';

const SRC = join(ROOT, 'src');

// ---------- (a) the static scan ----------

const TABLE = String.raw`["'\x60\[]?audit_log["'\x60\]]?\b`;
/** SQL that changes or removes audit rows or the table's guards, written with the table's name. */
const DIRECT: [string, RegExp][] = [
  ['UPDATE', new RegExp(String.raw`\bUPDATE\s+(?:OR\s+\w+\s+)?${TABLE}`, 'gi')],
  ['DELETE', new RegExp(String.raw`\bDELETE\s+FROM\s+${TABLE}`, 'gi')],
  ['REPLACE', new RegExp(String.raw`\bREPLACE\s+INTO\s+${TABLE}`, 'gi')],
  [
    'DROP',
    new RegExp(String.raw`\bDROP\s+(?:TABLE|TRIGGER|VIEW)\s+(?:IF\s+EXISTS\s+)?["'\x60\[]?audit_log`, 'gi'),
  ],
  ['ALTER', new RegExp(String.raw`\bALTER\s+TABLE\s+${TABLE}`, 'gi')],
  ['TRUNCATE', new RegExp(String.raw`\bTRUNCATE\s+(?:TABLE\s+)?${TABLE}`, 'gi')],
];
/** The same verbs with the table name in a variable (`DELETE FROM ${table}`). */
const DYNAMIC =
  /\b(?:UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|REPLACE\s+INTO|DROP\s+(?:TABLE|TRIGGER)(?:\s+IF\s+EXISTS)?|ALTER\s+TABLE)\s+\$\{\s*([^}]+?)\s*\}/gi;
/** An insert into audit_log must be a plain INSERT: no OR REPLACE, no ON CONFLICT … DO UPDATE. */
const INSERT = new RegExp(String.raw`\bINSERT\s+(OR\s+\w+\s+)?INTO\s+${TABLE}[^\x60'";]*`, 'gi');

interface Finding {
  file: string;
  line: number;
  what: string;
  text: string;
}

/** Scans one file's text; `file` only names it in the findings. */
function scanText(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const add = (index: number, what: string) => {
    const line = lineOf(index);
    found.push({ file, line, what, text: (text.split('\n')[line - 1] ?? '').trim() });
  };
  for (const [what, re] of DIRECT) for (const m of text.matchAll(re)) add(m.index, what);
  for (const m of text.matchAll(INSERT)) {
    if (m[1] || /\bON\s+CONFLICT\b/i.test(m[0])) add(m.index, 'INSERT OR …/ON CONFLICT');
  }
  // a variable table name counts when this file could put audit_log into it: the name in any form
  // ('audit_log', 'audit' + '_log', an identifier), or a variable holding the audit table
  const mentionsAudit = /audit['"\x60]?\s*\+\s*['"\x60]_log|audit_log/i.test(text);
  for (const m of text.matchAll(DYNAMIC)) {
    const expr = m[1] ?? '';
    if (mentionsAudit || /audit/i.test(expr)) add(m.index, `dynamic table \${${expr}}`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : [p];
  });
}

describe('no code path changes the audit log', () => {
  it('the scan finds audit-changing SQL in every spelling it is meant to catch', () => {
    const samples: [string, string][] = [
      ['DELETE FROM audit_log WHERE id = ?', 'DELETE'],
      ['update  Audit_Log set action = 1', 'UPDATE'],
      ['UPDATE OR IGNORE "audit_log" SET x = 1', 'UPDATE'],
      ['INSERT OR REPLACE INTO audit_log (id) VALUES (1)', 'REPLACE'],
      ['replace into [audit_log] (id) values (1)', 'REPLACE'],
      ['DROP TRIGGER IF EXISTS audit_log_no_delete', 'DROP'],
      ['drop table audit_log', 'DROP'],
      ['ALTER TABLE audit_log RENAME TO old_log', 'ALTER'],
      [
        '`INSERT INTO audit_log (id, at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at`',
        'INSERT',
      ],
      ["const T = 'audit_log';\ndb.prepare(`DELETE FROM ${T} WHERE id = ?`)", 'dynamic'],
      ["const T = 'audit' + '_log';\ndb.exec(`UPDATE ${T} SET at = 0`)", 'dynamic'],
      ['db.exec(`DELETE FROM ${auditTable}`)', 'dynamic'],
    ];
    for (const [text, what] of samples) {
      const found = scanText('sample.ts', text);
      expect(found.map((f) => f.what).join(','), text).toContain(what);
    }
    // and it leaves alone what only reads or appends, and variable tables of files unrelated to it
    expect(scanText('ok.ts', 'INSERT INTO audit_log (at, action) VALUES (?, ?)')).toEqual([]);
    expect(scanText('ok.ts', 'SELECT * FROM audit_log l JOIN users u ON u.id = l.user_id')).toEqual([]);
    expect(scanText('ok.ts', "type T = 'sites';\ndb.prepare(`UPDATE ${table} SET x = ?`)")).toEqual([]);
    expect(scanText('ok.ts', 'CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log')).toEqual([]);
  });

  it('no file under src/ updates, deletes, replaces, drops or alters audit_log', () => {
    const files = sourceFiles(SRC);
    expect(files.some((f) => f.endsWith(join('db', 'repos', 'audit.ts')))).toBe(true);
    const findings = files.flatMap((f) => scanText(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.what}: ${f.text}`)).toEqual([]);
  });

  it('audit rows are written only by db/repos/audit.ts, with a plain INSERT', () => {
    const writers = sourceFiles(SRC)
      .filter((f) => /\bINTO\s+["'\x60[]?audit_log\b/i.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(writers).toEqual([join('db', 'repos', 'audit.ts')]);
  });
});

// ---------- (b) the database refuses ----------

describe('the database refuses to change audit rows', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase(':memory:');
    migrate(db);
    appendAudit(db, { userId: null, action: 'first', entity: 'test', detail: { n: 1 } });
    appendAudit(db, { userId: null, action: 'second', entity: 'test', detail: { n: 2 } });
  });
  afterAll(() => db.close());
  const rows = () => db.prepare('SELECT * FROM audit_log ORDER BY id').all();

  it('refuses UPDATE, DELETE and every way of overwriting a row by its id', () => {
    const before = rows();
    expect(before).toHaveLength(2);
    const attempts = [
      "UPDATE audit_log SET action = 'forged' WHERE id = 1",
      'DELETE FROM audit_log WHERE id = 1',
      'DELETE FROM audit_log',
      "INSERT OR REPLACE INTO audit_log (id, at, action, entity) VALUES (1, '2000-01-01', 'forged', 'test')",
      "REPLACE INTO audit_log (id, at, action, entity) VALUES (2, '2000-01-01', 'forged', 'test')",
      `INSERT INTO audit_log (id, at, action, entity) VALUES (1, '2000-01-01', 'forged', 'test')
         ON CONFLICT(id) DO UPDATE SET action = excluded.action`,
      "INSERT OR IGNORE INTO audit_log (id, at, action, entity) VALUES (1, '2000-01-01', 'forged', 'test')",
    ];
    for (const sql of attempts) expect(() => db.prepare(sql).run(), sql).toThrow(/append-only/);
    expect(rows()).toEqual(before);
  });

  it('still appends, with or without an id of its own', () => {
    const before = rows();
    appendAudit(db, { userId: null, action: 'third', entity: 'test' });
    db.prepare(
      "INSERT INTO audit_log (id, at, action, entity) VALUES (100, '2026-01-01', 'fourth', 'test')",
    ).run();
    const after = rows();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => (r as { action: string }).action)).toEqual([
      'third',
      'fourth',
    ]);
  });
});

// ---------- (c) real actions only append ----------

describe('real actions only append to the audit log', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app.destroy();
  });

  it('saves after submit, correct, return, approve, withdraw and publish leave every earlier row as it was', () => {
    const db = app.booted.db;
    const ctx: SheetCtx = { db, criteria: app.booted.criteria, uploadDir: join(app.dir, 'uploads') };
    const user = (name: string) => findUserByUsername(db, name) as UserRow;
    const office = user('office');
    const table = () => db.prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[];
    const before = table();
    expect(before.length).toBeGreaterThan(0);

    const open = db.prepare("SELECT id FROM rounds WHERE status = 'open'").pluck().get() as number;
    const published = db.prepare("SELECT id FROM rounds WHERE status = 'published'").pluck().get() as number;
    const submitted = db
      .prepare(
        `SELECT i.site_id, u.username, a.standard_code, a.result, a.cases FROM inspections i
         JOIN users u ON u.id = i.inspector_id JOIN answers a ON a.inspection_id = i.id
         WHERE i.round_id = ? AND i.status = 'submitted' AND a.result = 'ok' ORDER BY i.site_id, a.standard_code`,
      )
      .all(open) as { site_id: number; username: string; standard_code: string }[];
    const sites = [...new Set(submitted.map((s) => s.site_id))];
    expect(sites.length).toBeGreaterThanOrEqual(3);
    const [corrected, returned, approved] = sites as [number, number, number];
    const first = (site: number) => submitted.find((s) => s.site_id === site)!;

    correctAnswer(ctx, office, open, corrected, {
      standard: first(corrected).standard_code,
      result: 'na',
      cases: 0,
      reason: '现场核实不适用',
    });
    returnSheet(ctx, office, open, returned, '照片不清晰，请补拍');
    // the inspector changes the returned sheet: each change after a submit is audited too
    const revision = db
      .prepare('SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?')
      .pluck()
      .get(open, returned) as number;
    saveChanges(ctx, user(first(returned).username), open, returned, {
      batchId: 'audit-append-1',
      baseRevision: revision,
      changes: [{ standard: first(returned).standard_code, result: 'na', cases: 0 }],
    });
    approveSheet(ctx, office, open, approved);
    withdrawPublication(db, office, published, '发现计分错误');
    publishRound(db, office, published);

    const after = table();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => r.action)).toEqual([
      'answer.correct',
      'sheet.return',
      'answer.change',
      'sheet.approve',
      'round.withdraw',
      'round.publish',
    ]);
    // every earlier row still exists under its id with the same bytes (types included)
    const check = db.prepare(
      'SELECT typeof(detail) AS t, hex(detail) AS h, hex(action) AS a, hex(at) AS at FROM audit_log WHERE id = ?',
    );
    for (const row of before) {
      expect(check.get(row.id)).toEqual({
        t: 'text',
        h: Buffer.from(String(row.detail)).toString('hex').toUpperCase(),
        a: Buffer.from(String(row.action)).toString('hex').toUpperCase(),
        at: Buffer.from(String(row.at)).toString('hex').toUpperCase(),
      });
    }
  });
});
