// Deadlines counted by the rule that applies, with dates worked out by hand, on the real app.
// - A criteria version whose standards count working days (C01-6, 3 个工作日) and hours (H04-1, 24 小时):
//   on 2026-09-30 10:00 the office approves a sheet failing both → due 2026-10-10 (国庆 10-01…10-07 off,
//   Thu 10-08, Fri 10-09, Sat 10-10 调休上班) and 2026-10-01 10:00, overdue from 10:01; a document task's
//   problem under the same version is due 2026-10-10 too; the version page says 整改时限：3 个工作日.
// - A year nobody entered (2027) counts weekends only and is reported; entering it later leaves the
//   problem raised before as it was while a new problem counts its holidays.
// - The office's rule for 督查 changed on /problem-settings applies to problems raised afterwards only.
// - Problems stored before migration 013 keep their deadline and read as calendar days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { loggedIn, scalar, startApp, tempDir, type Client, type TestApp } from '../helpers/app.ts';
import { unitIdOfUser, userIdOf } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { atomically, openDatabase } from '../../src/db/connection.ts';
import { MIGRATIONS_DIR, migrate, migrationFiles } from '../../src/db/migrate.ts';
import { findUserByUsername, type UserRow } from '../../src/db/repos/users.ts';
import { findTaskById, roundTasks, updateTask } from '../../src/db/repos/document-tasks.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import type { CriteriaVersion } from '../../src/criteria/schema.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { importCriteriaVersion } from '../../src/services/criteria-registry.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { assignInspector } from '../../src/services/assignments.ts';
import { saveChanges } from '../../src/services/sheets.ts';
import { submitSheet } from '../../src/services/sheet-submit.ts';
import { approveSheet } from '../../src/services/review.ts';
import {
  computeDeadline,
  deadlinePassed,
  sourceDeadlineRule,
  unknownDeadlineYears,
} from '../../src/services/deadlines.ts';
import { raiseOutsideProblem } from '../../src/services/outside-problems.ts';
import { problemSettingsForm, problemSettingsPage } from '../../src/services/problem-settings.ts';
import { isOverdue } from '../../src/services/problems.ts';
import type { ProblemRow } from '../../src/db/repos/problems.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const user = (name: string) => findUserByUsername(db(), name) as UserRow;
const problem = (id: number) =>
  db()
    .prepare(
      'SELECT deadline, deadline_time, deadline_rule, deadline_amount, status FROM problems WHERE id = ?',
    )
    .get(id) as Pick<
    ProblemRow,
    'deadline' | 'deadline_time' | 'deadline_rule' | 'deadline_amount' | 'status'
  >;
/** A moment given in Shanghai time. */
const shanghai = (local: string) => `${local}+08:00`;

let versionId: number;
let roundId: number;
let siteId: number;

/** district-2026-2 with every standard in 3 working days, except H04-1 in 24 hours. */
function workdayVersion(): CriteriaVersion {
  const v = JSON.parse(readFileSync(join(CRITERIA_DIR, 'district-2026-2.json'), 'utf8')) as CriteriaVersion;
  delete v.$schema;
  Object.assign(v, { code: 'district-2026-wd', name: '测评体系（工作日时限）' });
  for (const s of v.items.flatMap((i) => i.contents.flatMap((c) => c.standards)))
    Object.assign(
      s,
      s.code === 'H04-1'
        ? { deadlineUnit: 'hours', deadlineDays: 24 }
        : { deadlineUnit: 'workdays', deadlineDays: 3 },
    );
  return v;
}

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  setClock(shanghai('2026-09-30T10:00:00'));
  versionId = importCriteriaVersion(db(), SYSTEM, workdayVersion(), 'workdays.xlsx');
  const ctx = { db: db(), criteria: app.booted.criteria };
  roundId = createRound(ctx, SYSTEM, {
    name: '国庆前测评',
    criteriaVersionId: versionId,
    startsOn: '2026-09-30',
    endsOn: '2026-10-30',
    selection: { mode: 'types', types: ['residential'] },
    methods: ['field', 'document'],
  });
  openRound(db(), SYSTEM, roundId);
  siteId = one(
    'SELECT site_id FROM round_sites WHERE round_id = ? ORDER BY site_id LIMIT 1',
    roundId,
  ) as number;
  assignInspector(db(), SYSTEM, roundId, siteId, userIdOf(db(), 'inspector1'));
  // the inspector answers every standard: 不符合 (1 case) on C01-6 and H04-1, 符合 elsewhere
  const sheetCtx = { ...ctx, uploadDir: join(app.dir, 'uploads') };
  const standards = app.booted.criteria.get(versionId).forSiteType('residential');
  saveChanges(sheetCtx, user('inspector1'), roundId, siteId, {
    batchId: 'deadline-rules-1',
    baseRevision: 0,
    changes: standards.map((s) =>
      ['C01-6', 'H04-1'].includes(s.code)
        ? { standard: s.code, result: 'fail', cases: 1 }
        : { standard: s.code, result: 'ok', cases: 0 },
    ),
  });
  submitSheet(sheetCtx, user('inspector1'), roundId, siteId);
  approveSheet(sheetCtx, user('office'), roundId, siteId);
}, 90_000);
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const sheetProblem = (code: string) =>
  one(
    "SELECT id FROM problems WHERE round_id = ? AND site_id = ? AND standard_code = ? AND status <> 'void'",
    roundId,
    siteId,
    code,
  ) as number;

describe('a round whose version counts working days and hours', () => {
  it('raises the sheet’s problems due 2026-10-10 (3 个工作日 across 国庆) and 2026-10-01 10:00 (24 小时)', async () => {
    const workdays = sheetProblem('C01-6');
    const hours = sheetProblem('H04-1');
    expect(problem(workdays)).toEqual({
      deadline: '2026-10-10',
      deadline_time: null,
      deadline_rule: 'workdays',
      deadline_amount: 3,
      status: 'open',
    });
    expect(problem(hours)).toEqual({
      deadline: '2026-10-01',
      deadline_time: '10:00',
      deadline_rule: 'hours',
      deadline_amount: 24,
      status: 'open',
    });
    const office = await as('office');
    expect((await office.get(`/problems/${workdays}`)).text).toContain('2026-10-10');
    expect((await office.get(`/problems/${hours}`)).text).toContain('2026-10-01 10:00');
  });

  it('names the current deadline with its hour where the unit asks for more time, and in the refusal', async () => {
    const hours = sheetProblem('H04-1');
    const unitUser = one(
      "SELECT u.username FROM users u JOIN problems p ON p.unit_id = u.unit_id WHERE p.id = ? AND u.role = 'unit' AND u.active = 1 ORDER BY u.id LIMIT 1",
      hours,
    ) as string;
    const unit = await as(unitUser);
    const page = (await unit.get(`/problems/${hours}`)).text;
    expect(page).toContain('申请延期（当前时限 2026-10-01 10:00）');
    expect(page).toContain('新的整改时限（须晚于 2026-10-01 10:00）');
    const f = new FormData();
    for (const [k, v] of Object.entries({ kind: 'extension', note: '需采购设备', deadline: '2026-10-01' }))
      f.set(k, v);
    const r = await unit.postMultipart(`/problems/${hours}/request`, f, { csrf: 'field' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('新的整改时限须晚于当前时限 2026-10-01 10:00，请选择 2026-10-02 或更晚的日期');
    expect(one('SELECT request FROM problems WHERE id = ?', hours)).toBeNull();
  });

  it('is overdue to the minute for the problem in hours, from the next day for the one in working days', () => {
    const hours = problem(sheetProblem('H04-1'));
    const workdays = problem(sheetProblem('C01-6'));
    setClock(shanghai('2026-10-01T10:00:30'));
    expect([deadlinePassed(hours), isOverdue(hours)]).toEqual([false, false]);
    setClock(shanghai('2026-10-01T10:01:00'));
    expect([deadlinePassed(hours), isOverdue(hours)]).toEqual([true, true]);
    setClock(shanghai('2026-10-10T23:59:00'));
    expect(isOverdue(workdays)).toBe(false);
    setClock(shanghai('2026-10-11T00:00:00'));
    expect(isOverdue(workdays)).toBe(true);
    setClock(shanghai('2026-09-30T10:00:00'));
  });

  it('raises a document task’s problem under the same version due 2026-10-10', async () => {
    const unit = unitIdOfUser(db(), 'xingfu');
    let task = roundTasks(db(), roundId).find((t) => t.standard_code === 'B01-D1' && t.unit_id === unit)!;
    updateTask(db(), task.id, {
      status: 'submitted',
      submitted_at: new Date().toISOString(),
      submitted_by: userIdOf(db(), 'xingfu'),
    });
    task = findTaskById(db(), task.id)!;
    const office = await as('office');
    await office.get(`/rounds/${roundId}/tasks/${task.id}`);
    const scored = await office.post(`/rounds/${roundId}/tasks/${task.id}/score`, {
      result: 'fail',
      cases: '2',
      note: '缺2个月的记录',
      revision: String(task.revision),
    });
    expect(scored.status).toBe(303);
    const id = one("SELECT id FROM problems WHERE task_id = ? AND status <> 'void'", task.id) as number;
    expect(problem(id)).toMatchObject({
      deadline: '2026-10-10',
      deadline_rule: 'workdays',
      deadline_amount: 3,
    });
  });

  it('shows each standard’s 整改时限 with its unit on the version page', async () => {
    const page = await (await as('office')).get(`/criteria/${versionId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('整改时限：3 个工作日');
    expect(page.text).toContain('整改时限：24 小时');
    const shipped = await (
      await as('office')
    ).get(`/criteria/${one("SELECT id FROM criteria_versions WHERE code = 'district-2026'")}`);
    expect(shipped.text).toMatch(/整改时限：\d+ 天/);
    expect(shipped.text).not.toContain('个工作日');
  });
});

describe('a year nobody entered, then entered', () => {
  const raise = (description: string) =>
    atomically(db(), () =>
      raiseOutsideProblem(
        db(),
        {
          source: 'inspection',
          siteId,
          description,
          unitId: unitIdOfUser(db(), 'xingfu'),
          deadline: computeDeadline(db(), { unit: 'workdays', amount: 3 }),
          recordedBy: userIdOf(db(), 'office'),
        },
        userIdOf(db(), 'office'),
      ),
    );

  it('counts weekends only in 2027 and reports it; entering 2027 later moves nothing raised before', async () => {
    // the demo enters 2027 (marked 演示): this test is about a year nobody has entered
    db().prepare("DELETE FROM calendar_days WHERE day LIKE '2027-%'").run();
    db().prepare('DELETE FROM calendar_years WHERE year = 2027').run();
    setClock(shanghai('2027-09-30T09:00:00')); // a Thursday
    const before = raise('国庆前发现的占道经营');
    // Fri 10-01 (1), Mon 10-04 (2), Tue 10-05 (3): the holidays are unknown
    expect(problem(before)).toMatchObject({ deadline: '2027-10-05', deadline_rule: 'workdays' });
    expect(unknownDeadlineYears(db())).toEqual([2027]);
    const office = await as('office');
    expect((await office.get('/')).text).toContain('2027 年的节假日尚未录入');

    await office.get('/calendar');
    const lines = ['01', '02', '03', '04', '05', '06', '07'].map((d) => `2027-10-${d} 休 国庆节`);
    const entered = await office.post('/calendar', {
      year: '2027',
      days: [...lines, '2027-10-09 班 国庆节调休'].join('\n'),
    });
    expect(entered.status).toBe(303);
    expect(problem(before)).toMatchObject({ deadline: '2027-10-05' }); // stored once: unmoved
    expect(unknownDeadlineYears(db())).toEqual([]);
    // a problem raised now counts the entered holidays: Fri 10-08 (1), Sat 10-09 调休 (2), Mon 10-11 (3)
    const after = raise('国庆前再次发现');
    expect(problem(after)).toMatchObject({ deadline: '2027-10-11', deadline_rule: 'workdays' });
    setClock(shanghai('2026-09-30T10:00:00'));
  });
});

describe('the office’s rule per source', () => {
  it('changed on /problem-settings, applies to 督查 problems raised afterwards only', async () => {
    setClock(shanghai('2026-12-02T14:00:00')); // a Wednesday
    const raise = () =>
      atomically(db(), () =>
        raiseOutsideProblem(
          db(),
          {
            source: 'inspection',
            siteId,
            description: '督查发现垃圾满溢',
            unitId: unitIdOfUser(db(), 'xingfu'),
            deadline: computeDeadline(db(), sourceDeadlineRule(db(), 'inspection')),
            recordedBy: userIdOf(db(), 'office'),
          },
          userIdOf(db(), 'office'),
        ),
      );
    // the default: 5 个工作日 from Wed 12-02 → Wed 12-09
    const before = raise();
    expect(problem(before)).toMatchObject({
      deadline: '2026-12-09',
      deadline_rule: 'workdays',
      deadline_amount: 5,
    });

    const office = await as('office');
    await office.get('/problem-settings');
    // the form as the page fills it, with 督查 changed to 48 小时
    const typed = problemSettingsForm(problemSettingsPage(db(), SYSTEM));
    const saved = await office.post('/problem-settings', {
      ...typed,
      'unit.inspection': 'hours',
      'amount.inspection': '48',
    });
    expect(saved.status).toBe(303);
    expect(problem(before)).toMatchObject({
      deadline: '2026-12-09',
      deadline_time: null,
      deadline_rule: 'workdays',
    });
    const after = raise();
    expect(problem(after)).toEqual({
      deadline: '2026-12-04',
      deadline_time: '14:00',
      deadline_rule: 'hours',
      deadline_amount: 48,
      status: 'open',
    });
    setClock(shanghai('2026-09-30T10:00:00'));
  });
});

describe('problems stored before migration 013', () => {
  it('keep their deadline and count as calendar days', () => {
    const work = tempDir('cc-m013-');
    try {
      const dir = join(work, 'upto-012');
      mkdirSync(dir);
      for (const f of migrationFiles().filter((f) => f <= '012_calendar.sql'))
        cpSync(join(MIGRATIONS_DIR, f), join(dir, f));
      const old = openDatabase(join(work, 'old.sqlite'));
      migrate(old, dir);
      const now = '2026-11-01T00:00:00.000Z';
      old.exec(`
        INSERT INTO units (id, code, name, kind, department, parent_id, created_at) VALUES
          (1, 'S-1', '东湖街道办事处', 'street', NULL, NULL, '${now}'),
          (2, 'C-1', '幸福社区居委会', 'community', NULL, 1, '${now}');
        INSERT INTO streets (id, name, unit_id, created_at) VALUES (1, '东湖街道', 1, '${now}');
        INSERT INTO communities (id, street_id, name, unit_id, created_at) VALUES (1, 1, '幸福社区', 2, '${now}');
        INSERT INTO site_types (code, name) VALUES ('market', '农贸市场');
        INSERT INTO sites (id, name, site_type, street_id, community_id, created_at)
          VALUES (1, '幸福农贸市场', 'market', 1, 1, '${now}');
        INSERT INTO users (id, username, display_name, role, unit_id, password_hash, created_at)
          VALUES (1, 'office', '创城办', 'office', NULL, 'x', '${now}');
        INSERT INTO criteria_versions (id, code, family, name, version, content, sha256, source, loaded_at)
          VALUES (1, 'v', 'f', '体系', '1', '{}', 'x', 'shipped:v.json', '${now}');
        INSERT INTO rounds (id, name, criteria_version_id, starts_on, ends_on, status, selection, created_at)
          VALUES (1, '第1轮', 1, '2026-11-01', '2026-11-07', 'open', '{}', '${now}');
        INSERT INTO round_sites (round_id, site_id) VALUES (1, 1);
        INSERT INTO inspections (id, round_id, site_id, inspector_id, status, started_at)
          VALUES (1, 1, 1, 1, 'approved', '${now}');
        INSERT INTO problems (id, round_id, site_id, inspection_id, standard_code, description, points_lost, unit_id,
            deadline, status, created_at)
          VALUES (1, 1, 1, 1, 'A01-1', '地面有垃圾', 0.5, 2, '2026-11-08', 'open', '${now}');
      `);
      migrate(old);
      expect(
        old
          .prepare('SELECT source, deadline, deadline_rule, deadline_amount, deadline_time FROM problems')
          .get(),
      ).toEqual({
        source: 'round',
        deadline: '2026-11-08',
        deadline_rule: 'calendar',
        deadline_amount: null,
        deadline_time: null,
      });
      old.close();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
