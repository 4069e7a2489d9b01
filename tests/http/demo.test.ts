// The demo district a new user meets on first start: a realistic district, all roles, an open round
// with assignments, each role's home page showing what is theirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { roundIdOf, roundWithStatus, userIdOf, versionIdOf } from '../helpers/ids.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { roundTasks, type DocumentTaskRow } from '../../src/db/repos/document-tasks.ts';
import { taskState } from '../../src/services/document-tasks.ts';
import { documentPath } from '../../src/documents/store.ts';
import { inspectDocument } from '../../src/documents/inspect.ts';
import { shanghaiDate } from '../../src/util/time.ts';
import { surveyResults } from '../../src/services/survey-results.ts';
import { VALID_RESPONSE } from '../../src/db/repos/surveys.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

const count = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args) as number;

describe('demo district', () => {
  it('has at least 3 镇街, 12 社区 and 40 sites of 8 types, with units, 包联 and every role', () => {
    expect(count('SELECT count(*) FROM streets')).toBeGreaterThanOrEqual(3);
    expect(count('SELECT count(*) FROM communities')).toBeGreaterThanOrEqual(12);
    expect(count('SELECT count(*) FROM sites')).toBeGreaterThanOrEqual(40);
    expect(count('SELECT count(DISTINCT site_type) FROM sites')).toBeGreaterThanOrEqual(8);
    expect(count('SELECT count(*) FROM sites WHERE community_id IS NULL')).toBeGreaterThan(0);
    expect(count('SELECT count(*) FROM community_liaisons')).toBeGreaterThanOrEqual(12);
    expect(count("SELECT count(*) FROM units WHERE kind = 'department'")).toBeGreaterThanOrEqual(5);
    expect(count("SELECT count(*) FROM users WHERE role = 'inspector'")).toBe(4);
    expect(count("SELECT count(*) FROM users WHERE role = 'unit'")).toBeGreaterThanOrEqual(2);
    expect(count("SELECT count(*) FROM users WHERE role = 'office'")).toBeGreaterThanOrEqual(1);
    // every community unit hangs under its 镇街's unit
    expect(count("SELECT count(*) FROM units WHERE kind = 'community' AND parent_id IS NULL")).toBe(0);
  });

  it('has an open round whose sites are all assigned, and no inspector works in their home 镇街', () => {
    const round = roundWithStatus(app.booted.db, 'open');
    const sites = count('SELECT count(*) FROM round_sites WHERE round_id = ?', round);
    expect(sites).toBeGreaterThanOrEqual(40);
    expect(count('SELECT count(*) FROM assignments WHERE round_id = ?', round)).toBe(sites);
    expect(
      count(
        `SELECT count(*) FROM assignments a JOIN users u ON u.id = a.inspector_id JOIN sites s ON s.id = a.site_id
         WHERE a.round_id = ? AND u.home_street_id = s.street_id`,
        round,
      ),
    ).toBe(0);
  });

  it('has submitted sheets with photos for the office to review, one in progress and one returned', () => {
    expect(count("SELECT count(*) FROM inspections WHERE status = 'submitted'")).toBeGreaterThanOrEqual(3);
    expect(count("SELECT count(*) FROM inspections WHERE status = 'returned'")).toBe(1);
    expect(count("SELECT count(*) FROM inspections WHERE status = 'draft'")).toBeGreaterThanOrEqual(1);
    expect(
      count("SELECT count(*) FROM photos WHERE kind = 'evidence' AND deleted_at IS NULL"),
    ).toBeGreaterThan(3);
    // every failed answer whose standard needs a photo has one, in the submitted sheets
    expect(count("SELECT count(*) FROM audit_log WHERE action = 'sheet.submit'")).toBeGreaterThanOrEqual(4);
  });

  it('has an earlier round scored, approved, closed and published, with photos of its problems', () => {
    const earlier = app.booted.db
      .prepare("SELECT id FROM rounds WHERE status = 'published'")
      .pluck()
      .all() as number[];
    expect(earlier).toHaveLength(1);
    const sites = count('SELECT count(*) FROM round_sites WHERE round_id = ?', earlier[0]);
    expect(
      count("SELECT count(*) FROM inspections WHERE round_id = ? AND status = 'approved'", earlier[0]),
    ).toBe(sites);
    expect(
      count(
        "SELECT count(*) FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND a.result = 'fail'",
        earlier[0],
      ),
    ).toBeGreaterThan(20);
    expect(
      count(
        'SELECT count(*) FROM photos p JOIN inspections i ON i.id = p.inspection_id WHERE i.round_id = ?',
        earlier[0],
      ),
    ).toBeGreaterThan(20);
    for (const action of ['round.close', 'round.publish'])
      expect(
        count('SELECT count(*) FROM audit_log WHERE action = ? AND round_id = ?', action, earlier[0]),
      ).toBe(1);
  });

  it('has problems in every state of the rectification loop', () => {
    for (const status of ['open', 'fixed', 'closed', 'void'])
      expect(count('SELECT count(*) FROM problems WHERE status = ?', status), status).toBeGreaterThan(0);
    for (const request of ['transfer', 'extension'])
      expect(count('SELECT count(*) FROM problems WHERE request = ?', request)).toBe(1);
    expect(count("SELECT count(*) FROM problem_events WHERE action = 'reject'")).toBe(1);
    expect(count("SELECT count(*) FROM photos WHERE kind IN ('fix', 'reinspect', 'appeal')")).toBeGreaterThan(
      3,
    );
  });

  it('went through the services: its creation is in the audit log', () => {
    // 11月实地测评, 第四季度第1轮, 12月综合测评
    expect(count("SELECT count(*) FROM audit_log WHERE action = 'round.create'")).toBe(3);
    expect(count("SELECT count(*) FROM audit_log WHERE action = 'site.create'")).toBe(
      count('SELECT count(*) FROM sites'),
    );
  });

  it('lists the round at /rounds for the office, linking to its page with the criteria version', async () => {
    const c = new Client(app.url);
    await c.login('office');
    const list = await c.get('/rounds');
    expect(list.status).toBe(200);
    const id = /href="\/rounds\/(\d+)"/.exec(list.text)?.[1];
    expect(id).toBeDefined();
    expect(list.text).toContain('2026年第四季度第1轮实地测评');
    const page = await c.get(`/rounds/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('清河区文明城市创建实地考察测评体系');
    expect(page.text).toContain('进行中');
  });

  it("shows an inspector their assigned sites grouped by 镇街 and 社区, and nobody else's", async () => {
    const c = new Client(app.url);
    await c.login('inspector3');
    const home = await c.get('/');
    const mine = app.booted.db
      .prepare(
        `SELECT s.name FROM assignments a JOIN sites s ON s.id = a.site_id JOIN users u ON u.id = a.inspector_id
         WHERE u.username = 'inspector3' AND a.round_id = ?`,
      )
      .pluck()
      .all(roundWithStatus(app.booted.db, 'open')) as string[];
    const others = app.booted.db
      .prepare(
        `SELECT s.name FROM assignments a JOIN sites s ON s.id = a.site_id JOIN users u ON u.id = a.inspector_id
         WHERE u.username <> 'inspector3' AND a.round_id = ?`,
      )
      .pluck()
      .all(roundWithStatus(app.booted.db, 'open')) as string[];
    expect(mine.length).toBeGreaterThan(5);
    for (const name of mine) expect(home.text).toContain(name);
    const shown = [...home.text.matchAll(/class="site-name">([^<]+)</g)].map((m) => m[1]);
    expect(shown.sort()).toEqual([...mine].sort());
    for (const name of others) expect(shown).not.toContain(name);
    expect(home.text).toContain('东湖街道');
  });

  it('shows a unit user only published rounds, and refuses the open round', async () => {
    const c = new Client(app.url);
    await c.login('chengguan');
    const home = await c.get('/');
    expect(home.text).toContain('区城管局');
    expect(home.text).toContain('2026年11月实地测评');
    expect(home.text).not.toContain('2026年第四季度第1轮实地测评');
    const id = roundWithStatus(app.booted.db, 'open');
    expect((await c.get(`/rounds/${id}`)).status).toBe(403);
  });
});

describe('the demo 综合测评 round (实地考察 + 材料审核 + 问卷调查)', () => {
  const db = () => app.booted.db;
  const round = () => roundIdOf(db(), '2026年12月综合测评');
  const states = () => {
    const byState = new Map<string, DocumentTaskRow[]>();
    for (const t of roundTasks(db(), round()))
      byState.set(taskState(t), [...(byState.get(taskState(t)) ?? []), t]);
    return byState;
  };

  it('is open on the 2026 edition’s second release, counting field, document and survey work, after the current round', () => {
    const r = findRoundById(db(), round())!;
    expect(r.status).toBe('open');
    expect(r.methods).toBe('field,document,survey');
    expect(r.criteria_version_id).toBe(versionIdOf(db(), 'district-2026-2'));
    // the open field round the other tests use stays the first open round
    expect(roundWithStatus(db(), 'open')).toBeLessThan(round());
  });

  it('has tasks in every state: 未提交, 逾期未交, 已提交, 退回补充, 已评分 合格 and 不合格', () => {
    const s = states();
    for (const state of ['pending', 'overdue', 'submitted', 'returned', 'scored'])
      expect(s.get(state)?.length ?? 0, state).toBeGreaterThan(0);
    const scored = s.get('scored')!;
    expect(scored.some((t) => t.result === 'ok')).toBe(true);
    const failed = scored.filter((t) => t.result === 'fail');
    expect(failed.map((t) => [t.standard_code, t.cases])).toEqual([['C02-D1', 2]]);
    const returned = s.get('returned')!;
    expect(returned[0]!.return_reason).toContain('好人榜');
    expect(returned[0]!.extended_to! > shanghaiDate()).toBe(true);
    // an extension (延期) keeps a task that was past its date with the unit
    expect(s.get('pending')!.some((t) => t.extended_to !== null)).toBe(true);
  });

  it('turned the 不合格 task’s lost points (2 items × 0.5) into a 材料 problem of 幸福社区 without a site', () => {
    const p = db()
      .prepare(
        `SELECT p.source, p.site_id, p.points_lost, p.status, u.code FROM problems p
         JOIN document_tasks t ON t.id = p.task_id JOIN units u ON u.id = p.unit_id WHERE t.round_id = ?`,
      )
      .all(round());
    expect(p).toEqual([
      { source: 'document', site_id: null, points_lost: 1, status: 'open', code: 'C-DH-1' },
    ]);
  });

  it('keeps every submitted file on disk under UPLOAD_DIR/documents by its SHA-256; every PDF passes the upload check', async () => {
    const files = db()
      .prepare(
        `SELECT f.sha256, f.name, f.kind, f.bytes FROM document_files f JOIN document_tasks t ON t.id = f.task_id
         WHERE t.round_id = ?`,
      )
      .all(round()) as { sha256: string; name: string; kind: string; bytes: number }[];
    expect(new Set(files.map((f) => f.kind))).toEqual(new Set(['pdf', 'jpeg', 'png', 'xlsx']));
    for (const f of files) {
      const path = documentPath(join(app.dir, 'uploads'), f.sha256);
      const bytes = readFileSync(path);
      expect(bytes.length, f.name).toBe(f.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), f.name).toBe(f.sha256);
      if (f.kind === 'pdf') expect(await inspectDocument(path, f.name)).toBe('pdf');
    }
    // every submitted or scored task has its files
    const bare = count(
      `SELECT count(*) FROM document_tasks t WHERE t.round_id = ? AND t.status IN ('submitted', 'returned', 'scored')
         AND NOT EXISTS (SELECT 1 FROM document_files f WHERE f.task_id = t.id AND f.removed_at IS NULL)`,
      round(),
    );
    expect(bare).toBe(0);
  });

  it('shows the office its methods and the 材料审核 panel with the tasks per state', async () => {
    const c = new Client(app.url);
    await c.login('office');
    const page = await c.get(`/rounds/${round()}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dt>测评方法</dt><dd>实地考察、材料审核、问卷调查</dd>');
    const s = states();
    for (const state of ['pending', 'overdue', 'submitted', 'returned', 'scored'])
      expect(page.text).toContain(
        `data-state="${state}"><a href="/rounds/${round()}/tasks?state=${state}">${s.get(state)!.length}</a>`,
      );
    expect(page.text).toContain(`href="/rounds/${round()}/tasks/board"`);
    expect(page.text).toContain(`href="/rounds/${round()}/materials.zip"`);
    expect(page.text).toContain('已评分中 1 项不合格');
  });

  describe('its survey answers', () => {
    const survey = () => surveyResults(db(), app.booted.criteria, findRoundById(db(), round())!)!;
    const answers = (where: string) =>
      count(`SELECT count(*) FROM survey_responses WHERE round_id = ? AND ${where}`, round());

    it('froze the version’s questionnaire, and every 社区 of the round has valid answers from residents', () => {
      const r = findRoundById(db(), round())!;
      expect(scalar(db(), 'SELECT code FROM questionnaires WHERE id = ?', r.questionnaire_id)).toBe(
        'survey-district-2026-2-residents',
      );
      const { communities, figures } = survey();
      expect(communities.length).toBeGreaterThanOrEqual(12);
      for (const c of communities)
        expect(figures.communities.get(c.id)!.answers, `社区 ${c.id}`).toBeGreaterThan(0);
      // nobody answered in the future, and the answers are spread over the weeks the round has run
      expect(answers(`submitted_at > '${new Date().toISOString()}'`)).toBe(0);
      expect(
        count(
          "SELECT count(DISTINCT date(submitted_at, '+8 hours')) FROM survey_responses WHERE round_id = ?",
          round(),
        ),
      ).toBeGreaterThanOrEqual(14);
    });

    it('came from both channels: phones with their own device ids, and the inspectors assigned to a 社区', () => {
      const publicOnes = answers("channel = 'public'");
      expect(publicOnes).toBeGreaterThan(300);
      expect(answers("channel = 'public' AND device_id IS NOT NULL")).toBe(publicOnes);
      expect(
        count('SELECT count(DISTINCT device_id) FROM survey_responses WHERE round_id = ?', round()),
      ).toBe(publicOnes);
      expect(count('SELECT count(*) FROM survey_interviewers WHERE round_id = ?', round())).toBeGreaterThan(
        0,
      );
      expect(answers("channel = 'interviewer'")).toBeGreaterThan(0);
      // every 入户 answer is by an inspector assigned to that 社区's survey
      expect(
        answers(
          `channel = 'interviewer' AND NOT EXISTS (SELECT 1 FROM survey_interviewers i WHERE i.round_id = survey_responses.round_id
             AND i.community_id = survey_responses.community_id AND i.user_id = survey_responses.user_id)`,
        ),
      ).toBe(0);
    });

    it('has answers waiting for the office (too fast, a burst), one cleared, some screened out and one voided with its audit row', () => {
      expect(answers("flags = 'fast' AND cleared_at IS NULL AND seconds < 40")).toBeGreaterThan(0);
      expect(answers("flags = 'fast' AND cleared_at IS NOT NULL")).toBe(1);
      expect(answers("flags = 'fast' AND seconds >= 40")).toBe(0);
      expect(answers("flags = 'burst'")).toBeGreaterThan(0);
      expect(answers('screened_out = 1')).toBeGreaterThan(0);
      const voided = db()
        .prepare('SELECT id, void_reason FROM survey_responses WHERE round_id = ? AND voided_at IS NOT NULL')
        .all(round()) as { id: number; void_reason: string }[];
      expect(voided).toHaveLength(1);
      expect(voided[0]!.void_reason).toContain('重复填写');
      const audit = db()
        .prepare(
          "SELECT entity_id, user_id, detail FROM audit_log WHERE action = 'survey.void' AND round_id = ?",
        )
        .all(round()) as { entity_id: number; user_id: number; detail: string }[];
      expect(audit).toHaveLength(1);
      expect(audit[0]!.entity_id).toBe(voided[0]!.id);
      expect(audit[0]!.user_id).toBe(userIdOf(db(), 'office'));
      expect(JSON.parse(audit[0]!.detail).reason).toBe(voided[0]!.void_reason);
    });

    it('has 社区 behind their target of 50 and some under the minimum of 30 (样本不足), the rates a real district shows', () => {
      const { communities, figures } = survey();
      const valid = communities.map((c) => figures.communities.get(c.id)!);
      expect(valid.filter((a) => a.answers < 50).length).toBeGreaterThanOrEqual(3);
      expect(valid.filter((a) => a.answers >= 50).length).toBeGreaterThanOrEqual(6);
      const short = valid.filter((a) => a.insufficient);
      expect(short.length).toBeGreaterThanOrEqual(1);
      for (const a of short) expect(a.answers).toBeLessThan(30);
      const rate = (name: string) => figures.district.rates.find((r) => r.name === name)!.rate!;
      expect(rate('知晓率')).toBeGreaterThanOrEqual(0.8);
      expect(rate('知晓率')).toBeLessThanOrEqual(0.95);
      expect(rate('满意度')).toBeGreaterThan(0.75);
      // the pooled district counts every valid answer once
      expect(figures.district.answers).toBe(answers(VALID_RESPONSE));
    });
  });
});

describe('the demo’s problems from outside rounds', () => {
  const rows = (sql: string, ...args: unknown[]) =>
    app.booted.db.prepare(sql).all(...args) as Record<string, unknown>[];

  it('has every 来源, none of them in a round, and no round score touched', () => {
    for (const source of ['round', 'document', 'inspection', 'report', 'hotline', 'media'])
      expect(count('SELECT count(*) FROM problems WHERE source = ?', source), source).toBeGreaterThan(0);
    expect(
      count(
        "SELECT count(*) FROM problems WHERE source IN ('inspection', 'report', 'hotline', 'media') AND round_id IS NOT NULL",
      ),
    ).toBe(0);
    expect(
      count(
        "SELECT count(*) FROM problems WHERE source IN ('inspection', 'report', 'hotline', 'media') AND points_lost <> 0",
      ),
    ).toBe(0);
  });

  it('has 包联 leaders who recorded 督查 problems with photos, one fixed and closed by its leader', () => {
    expect(count("SELECT count(*) FROM users WHERE role = 'leader'")).toBe(2);
    const recorded = rows(
      `SELECT u.username, p.status, (SELECT count(*) FROM photos ph WHERE ph.problem_id = p.id AND ph.kind = 'record') AS photos
       FROM problems p JOIN users u ON u.id = p.recorded_by WHERE p.source = 'inspection' AND u.role = 'leader' ORDER BY u.username`,
    );
    expect(recorded).toEqual([
      { username: 'leader-czj', status: 'closed', photos: 1 },
      { username: 'leader-xcb', status: 'open', photos: 1 },
    ]);
    // the office's 督查 problem was fixed by 幸福社区 and given to inspector1 for 复查
    expect(
      rows(
        `SELECT p.status, p.reinspector_id FROM problems p JOIN users u ON u.id = p.recorded_by
         WHERE p.source = 'inspection' AND u.username = 'office'`,
      ),
    ).toEqual([{ status: 'fixed', reinspector_id: userIdOf(app.booted.db, 'inspector1') }]);
  });

  it('has 随手拍 reports with one of each outcome, the duplicate linked to the accepted one', () => {
    const byStatus = rows('SELECT status, problem_id, reason, reply FROM citizen_reports ORDER BY id');
    expect(byStatus.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'rejected', 'new']);
    expect(byStatus[1]!.problem_id).toBe(byStatus[0]!.problem_id);
    expect(byStatus[2]!.reason).not.toBe('');
    expect(byStatus[0]!.reply).not.toBe('');
    expect(count("SELECT count(*) FROM photos WHERE kind = 'report' AND uploaded_by IS NULL")).toBe(4);
  });

  it('imported a 12345 batch through units’ aliases, deadlines counted from 受理时间 by each order’s 时限', () => {
    const orders = rows(
      `SELECT o.order_no, o.handler, u.code AS unit, p.deadline_rule, p.deadline_amount
       FROM hotline_orders o JOIN problems p ON p.id = o.problem_id JOIN units u ON u.id = p.unit_id ORDER BY o.order_no`,
    );
    expect(orders).toHaveLength(5);
    expect(orders[0]).toMatchObject({
      handler: '清河区城市管理局',
      unit: 'D-CGJ',
      deadline_rule: 'workdays',
    });
    expect(orders[3]).toMatchObject({ unit: 'D-CGJ', deadline_rule: 'hours', deadline_amount: 24 });
    expect(count('SELECT count(*) FROM unit_aliases')).toBe(2);
  });

  it('entered 2027’s working-day calendar, so no deadline warns of an unknown year', async () => {
    expect(count('SELECT count(*) FROM calendar_years WHERE year = 2027')).toBe(1);
    // the 媒体 report waits for the office to decide whose it is (待分派)
    expect(count("SELECT count(*) FROM problems WHERE source = 'media' AND unit_id IS NULL")).toBe(1);
    const c = new Client(app.url);
    await c.login('office');
    const home = await c.get('/');
    expect(home.text).not.toContain('节假日尚未录入');
    const board = await c.get('/problems?source=hotline');
    expect(board.status).toBe(200);
    expect(board.text).toContain('GD20261104');
  });
});
