// The office reviews 材料任务 on the real app: scores by each standard's own mode (numbers worked by hand
// from criteria/district-2026-2.json), 退回补充, 延期, refusals (409 not submitted / stale form, 400 with
// the Chinese message and nothing changed, 403 for a unit and an inspector), the audit rows and the
// problem a deduction raises (source 材料, the task's unit, no site, deadline from the standard).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../helpers/app.ts';
import { loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { unitIdOfUser, userIdOf, versionIdOf } from '../helpers/ids.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { SYSTEM } from '../../src/services/access.ts';
import {
  findTaskById,
  roundTasks,
  updateTask,
  type DocumentTaskRow,
} from '../../src/db/repos/document-tasks.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';
import { setRoundStatus } from '../../src/db/repos/rounds.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let roundId: number;
let otherRoundId: number;
const today = shanghaiDate();
const db = () => app.booted.db;

/** A document-only round on district-2026-2 whose tasks are within their deadline (start today). */
function documentRound(name: string, startsOn = today): number {
  const id = createRound({ db: db(), criteria: app.booted.criteria }, SYSTEM, {
    name,
    criteriaVersionId: versionIdOf(db(), 'district-2026-2'),
    startsOn,
    endsOn: addDays(startsOn, 60),
    selection: { mode: 'all' },
    methods: ['document'],
  });
  openRound(db(), SYSTEM, id);
  return id;
}

/** The round's task of `code` answered by the unit `username` acts for. */
function taskOf(code: string, username = 'xingfu', round = roundId): DocumentTaskRow {
  const unit = unitIdOfUser(db(), username);
  const t = roundTasks(db(), round).find((x) => x.standard_code === code && x.unit_id === unit);
  if (!t) throw new Error(`no ${code} task for ${username}`);
  return t;
}

/** The round's task of `code` for another 社区 (not 幸福社区), one with a unit. */
function otherTask(code: string): DocumentTaskRow {
  const mine = unitIdOfUser(db(), 'xingfu');
  const t = roundTasks(db(), roundId).find(
    (x) => x.standard_code === code && x.unit_id !== null && x.unit_id !== mine,
  );
  if (!t) throw new Error(`no other ${code} task`);
  return t;
}

/** The unit hands the task in (as helper A's submit does: status, time, who). */
function submit(t: DocumentTaskRow): DocumentTaskRow {
  updateTask(db(), t.id, {
    status: 'submitted',
    submitted_at: new Date().toISOString(),
    submitted_by: userIdOf(db(), 'xingfu'),
    note: '已按要求上传',
  });
  return findTaskById(db(), t.id)!;
}

const url = (t: DocumentTaskRow, step = '') => `/rounds/${t.round_id}/tasks/${t.id}${step ? `/${step}` : ''}`;
const live = (taskId: number) =>
  db()
    .prepare(
      `SELECT id, source, task_id, round_id, site_id, inspection_id, standard_code, description, points_lost,
              unit_id, deadline, status, void_reason FROM problems WHERE task_id = ? ORDER BY id`,
    )
    .all(taskId) as {
    id: number;
    source: string;
    task_id: number;
    round_id: number;
    site_id: number | null;
    inspection_id: number | null;
    standard_code: string;
    description: string;
    points_lost: number;
    unit_id: number | null;
    deadline: string;
    status: string;
    void_reason: string | null;
  }[];
const audits = (action: string, taskId: number) =>
  db()
    .prepare(`SELECT round_id, detail FROM audit_log WHERE action = ? AND entity_id = ? ORDER BY id`)
    .all(action, taskId) as { round_id: number; detail: string }[];

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  roundId = documentRound('材料审核测试轮次');
  otherRoundId = documentRound('另一个材料轮次');
}, 60_000);
afterAll(() => app.destroy());

describe('评分 by the standard’s own mode', () => {
  it('B01-D1 (2 points, deduction 0.5 a missing month): 3 missing → 0.5, a problem for the unit with no site', async () => {
    const office = await as('office');
    const t = submit(taskOf('B01-D1'));
    const page = await office.get(url(t));
    expect(page.status).toBe(200);
    expect(page.text).toContain('每缺 1 项扣 0.5 分');
    expect(page.text).toContain('已按要求上传');
    // hand-worked: perCase 0.5 × 3 missing = 1.5 lost; 2 − 1.5 = 0.5 earned
    const r = await office.post(url(t, 'score'), {
      result: 'fail',
      cases: '3',
      note: '缺3个月的活动记录',
      revision: String(t.revision),
    });
    expect(r.status).toBe(303);
    const after = findTaskById(db(), t.id)!;
    expect([after.status, after.result, after.cases]).toEqual(['scored', 'fail', 3]);
    const shown = await office.get(url(t));
    expect(shown.text).toContain('已评分：得 0.5 / 2 分');
    expect(shown.text).toContain('0.5 / 2');
    const [p] = live(t.id);
    expect(p).toMatchObject({
      source: 'document',
      round_id: roundId,
      site_id: null,
      inspection_id: null,
      standard_code: 'B01-D1',
      description: '缺3个月的活动记录',
      points_lost: 1.5,
      unit_id: unitIdOfUser(db(), 'xingfu'),
      // B01-D1's deadlineDays is 15 (calendar days from today)
      deadline: addDays(today, 15),
      status: 'open',
    });
    expect(scalar(db(), 'SELECT action FROM problem_events WHERE problem_id = ?', p!.id)).toBe('raise');
    const [a] = audits('task.score', t.id);
    expect(a!.round_id).toBe(roundId);
    expect(JSON.parse(a!.detail)).toMatchObject({
      result: 'fail',
      cases: 3,
      earned: 0.5,
      possible: 2,
      problemId: p!.id,
    });
  });

  it('a correction needs a reason; 5 missing costs the whole 2 points and replaces the problem; 合格 voids it', async () => {
    const office = await as('office');
    const t = findTaskById(db(), taskOf('B01-D1').id)!;
    const noReason = await office.post(url(t, 'score'), {
      result: 'fail',
      cases: '5',
      revision: String(t.revision),
    });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('请填写更正理由');
    expect(noReason.text).toContain('value="5"');
    expect(findTaskById(db(), t.id)!.revision).toBe(t.revision);
    // 0.5 × 5 = 2.5, capped at the standard's 2 points: 0 earned
    const r = await office.post(url(t, 'score'), {
      result: 'fail',
      cases: '5',
      reason: '复核台账后发现缺5个月',
      revision: String(t.revision),
    });
    expect(r.status).toBe(303);
    const [first, second] = live(t.id);
    expect(first).toMatchObject({ status: 'void', void_reason: '材料评分更正', points_lost: 1.5 });
    expect(second).toMatchObject({ status: 'open', points_lost: 2, site_id: null });
    expect((await office.get(url(t))).text).toContain('评分已更正：得 0 / 2 分');
    const ok = await office.post(url(t, 'score'), {
      result: 'ok',
      reason: '单位补充说明后认定齐全',
      revision: String(findTaskById(db(), t.id)!.revision),
    });
    expect(ok.status).toBe(303);
    expect(live(t.id).map((p) => p.status)).toEqual(['void', 'void']);
    expect(live(t.id)[1]!.void_reason).toBe('材料评分更正为合格');
    expect(audits('task.score', t.id)).toHaveLength(3);
  });

  it('C01-D1 (1 point, 合格/不合格): 不合格 loses the point, with the standard as the description', async () => {
    const office = await as('office');
    const t = submit(taskOf('C01-D1'));
    const r = await office.post(url(t, 'score'), { result: 'fail', revision: String(t.revision) });
    expect(r.status).toBe(303);
    expect((await office.get(url(t))).text).toContain('已评分：得 0 / 1 分');
    expect(live(t.id)[0]).toMatchObject({
      points_lost: 1,
      description: expect.stringMatching(/^材料不合格：社区居民公约/),
    });
  });

  it('A03-D2 (2 points, grade B≥1 C≥2 C#≥3): 2 missing activities is grade C, 2 × 0.33 = 0.66', async () => {
    const office = await as('office');
    const t = submit(taskOf('A03-D2'));
    const page = await office.get(url(t));
    expect(page.text).toContain('缺少的次数');
    const r = await office.post(url(t, 'score'), { cases: '2', revision: String(t.revision) });
    expect(r.status).toBe(303);
    expect((await office.get(url(t))).text).toContain('已评分：得 0.66 / 2 分（C 级）');
    // 2 − 0.66 = 1.34 lost
    expect(live(t.id)[0]!.points_lost).toBe(1.34);
  });

  it('refuses: a task not submitted (409), a stale form (409), a deduction without its count (400)', async () => {
    const office = await as('office');
    const pending = taskOf('B02-D1');
    const r = await office.post(url(pending, 'score'), { result: 'ok', revision: String(pending.revision) });
    expect(r.status).toBe(409);
    expect(r.text).toContain('只有已提交的材料才能评分');
    const t = submit(taskOf('C02-D1'));
    const stale = await office.post(url(t, 'score'), { result: 'ok', revision: String(t.revision - 1) });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('该任务已被修改，请刷新后重试');
    const b01 = submit(otherTask('B01-D1'));
    const none = await office.post(url(b01, 'score'), {
      result: 'fail',
      cases: '0',
      revision: String(b01.revision),
    });
    expect(none.status).toBe(400);
    expect(none.text).toContain('不合格时请填写缺项数（至少1项）');
    expect(findTaskById(db(), b01.id)!.status).toBe('submitted');
    expect(live(b01.id)).toEqual([]);
  });

  it('is the office’s alone: a unit and an inspector get 403, a task of another round 404', async () => {
    const t = otherTask('B02-D1');
    for (const who of ['xingfu', 'inspector1']) {
      const c = await as(who);
      expect((await c.get(`/rounds/${roundId}/tasks`)).status).toBe(403);
      expect((await c.get(url(t))).status).toBe(403);
      const r = await c.post(url(t, 'extend'), {
        dueOn: addDays(today, 90),
        reason: 'x',
        revision: String(t.revision),
      });
      expect(r.status).toBe(403);
    }
    expect(findTaskById(db(), t.id)!.extended_to).toBeNull();
    const office = await as('office');
    expect((await office.get(`/rounds/${otherRoundId}/tasks/${t.id}`)).status).toBe(404);
  });
});

describe('退回补充 and 延期', () => {
  it('退回补充 needs a reason and a date from today on; then the task is back with the unit', async () => {
    const office = await as('office');
    const t = submit(taskOf('B02-D1'));
    const empty = await office.post(url(t, 'return'), {
      reason: ' ',
      dueOn: addDays(today, -1),
      revision: String(t.revision),
    });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('请填写退回理由');
    expect(empty.text).toContain(`新的提交期限不能早于今天（${today}）`);
    expect(findTaskById(db(), t.id)!.status).toBe('submitted');
    const due = addDays(today, 7);
    const r = await office.post(url(t, 'return'), {
      reason: '缺少活动照片',
      dueOn: due,
      revision: String(t.revision),
    });
    expect(r.status).toBe(303);
    const after = findTaskById(db(), t.id)!;
    expect([after.status, after.extended_to, after.return_reason]).toEqual(['returned', due, '缺少活动照片']);
    expect(JSON.parse(audits('task.return', t.id)[0]!.detail)).toMatchObject({
      reason: '缺少活动照片',
      dueOn: { new: due },
    });
    expect(
      scalar(
        db(),
        "SELECT to_status FROM document_task_events WHERE task_id = ? AND action = 'return'",
        t.id,
      ),
    ).toBe('returned');
    // the audit log says it in words
    const log = await office.get(`/audit?round=${roundId}`);
    expect(log.text).toContain('退回补充材料');
    expect(log.text).toContain(`提交期限：${t.due_on} → ${due}`);
    expect(log.text).toContain('得分：0.5');
    // a returned task cannot be scored nor returned again
    const again = await office.post(url(t, 'return'), {
      reason: '再退',
      dueOn: due,
      revision: String(after.revision),
    });
    expect(again.status).toBe(409);
  });

  it('延期 is later than the deadline, for a task still with the unit; not for a submitted one', async () => {
    const office = await as('office');
    const t = taskOf('B02-D1');
    const deadline = t.extended_to ?? t.due_on;
    const early = await office.post(url(t, 'extend'), {
      dueOn: deadline,
      reason: '单位申请',
      revision: String(t.revision),
    });
    expect(early.status).toBe(400);
    expect(early.text).toContain(`延期后的提交期限须晚于当前期限 ${deadline}`);
    const later = addDays(deadline, 5);
    const r = await office.post(url(t, 'extend'), {
      dueOn: later,
      reason: '单位申请',
      revision: String(t.revision),
    });
    expect(r.status).toBe(303);
    expect(findTaskById(db(), t.id)!.extended_to).toBe(later);
    expect(JSON.parse(audits('task.extend', t.id)[0]!.detail)).toMatchObject({
      dueOn: { old: deadline, new: later },
      reason: '单位申请',
    });
    const submitted = findTaskById(db(), taskOf('C02-D1').id)!;
    const no = await office.post(url(submitted, 'extend'), {
      dueOn: addDays(today, 30),
      reason: 'x',
      revision: String(submitted.revision),
    });
    expect(no.status).toBe(409);
    expect(no.text).toContain('已提交或已评分的任务不能延期');
  });
});

describe('a round that has ended', () => {
  it('is still scored once closed, but nothing is sent back or extended; published results are not changed', async () => {
    const office = await as('office');
    const closedRound = documentRound('已结束的材料轮次');
    const t = taskOf('C01-D1', 'xingfu', closedRound);
    submit(t);
    const pending = taskOf('B02-D1', 'xingfu', closedRound);
    setRoundStatus(db(), closedRound, 'closed');
    const page = await office.get(url(t));
    expect(page.text).toContain('本轮测评已结束：仍可评分，不能再退回补充或延期。');
    expect(page.text).not.toContain('/return"');
    const back = await office.post(url(t, 'return'), {
      reason: '缺照片',
      dueOn: addDays(today, 3),
      revision: String(findTaskById(db(), t.id)!.revision),
    });
    expect(back.status).toBe(409);
    expect(back.text).toContain('本轮测评已结束，不能再退回补充');
    const later = await office.post(url(pending, 'extend'), {
      reason: '单位申请',
      dueOn: addDays(pending.due_on, 3),
      revision: String(pending.revision),
    });
    expect(later.status).toBe(409);
    expect(findTaskById(db(), pending.id)!.extended_to).toBeNull();
    const scored = await office.post(url(t, 'score'), {
      result: 'ok',
      revision: String(findTaskById(db(), t.id)!.revision),
    });
    expect(scored.status).toBe(303);
    setRoundStatus(db(), closedRound, 'published');
    const fix = await office.post(url(t, 'score'), {
      result: 'fail',
      reason: '复核',
      revision: String(findTaskById(db(), t.id)!.revision),
    });
    expect(fix.status).toBe(409);
    expect(fix.text).toContain('本轮结果已发布，如需更正请先撤回发布');
    expect(findTaskById(db(), t.id)!.result).toBe('ok');
  });
});

describe('the review queue', () => {
  it('lists the waiting ones first, filters by state and unit, counts each state', async () => {
    const office = await as('office');
    const all = await office.get(`/rounds/${roundId}/tasks`);
    expect(all.status).toBe(200);
    const total = roundTasks(db(), roundId).length;
    expect(all.text).toContain(`全部 <b>${total}</b>`);
    // submitted so far: C02-D1 (幸福社区) and B01-D1 (another 社区)
    expect(all.text).toContain('已提交 <b>2</b>');
    const codesOf = (html: string) =>
      [...html.matchAll(/<a href="\/rounds\/\d+\/tasks\/\d+"><b>([A-Z0-9-]+)<\/b>/g)].map((m) => m[1]);
    const codes = codesOf(all.text);
    expect(codes.slice(0, 2).sort()).toEqual(['B01-D1', 'C02-D1']);
    const unit = unitIdOfUser(db(), 'xingfu');
    const mine = await office.get(`/rounds/${roundId}/tasks?unit=${unit}&state=scored`);
    expect(codesOf(mine.text).sort()).toEqual(['A03-D2', 'B01-D1', 'C01-D1']);
    expect(mine.text).toContain('0.66 / 2');
    // a filter value that names nothing is "all", never an error
    expect((await office.get(`/rounds/${roundId}/tasks?state=nonsense&unit=x'`)).status).toBe(200);
  });
});
