// The completeness board and the templates, on the real app. A document round on district-2026-2 that
// started 40 days ago (社区 tasks due 20 days after the start: already past), 幸福社区's six tasks put
// into every state, one other 社区 without a unit; the board's numbers are counted by hand below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, scalar, startApp, type Client, type TestApp } from '../helpers/app.ts';
import { unitIdOfUser, userIdOf, versionIdOf } from '../helpers/ids.ts';
import { filesForm, validPdf } from '../helpers/documents.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { SYSTEM } from '../../src/services/access.ts';
import {
  findTaskById,
  roundTasks,
  updateTask,
  type DocumentTaskRow,
} from '../../src/db/repos/document-tasks.ts';
import { findCommunityById, updateCommunity } from '../../src/db/repos/places.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let roundId: number;
let xingfu: number;
let orphanCommunity: string;
const today = shanghaiDate();
const db = () => app.booted.db;

const taskOf = (code: string, unit: number | null = xingfu): DocumentTaskRow =>
  roundTasks(db(), roundId).find((t) => t.standard_code === code && t.unit_id === unit)!;
const submit = (t: DocumentTaskRow) =>
  updateTask(db(), t.id, {
    status: 'submitted',
    submitted_at: new Date().toISOString(),
    submitted_by: userIdOf(db(), 'xingfu'),
  });
const revision = (t: DocumentTaskRow) => String(findTaskById(db(), t.id)!.revision);

/** The numbers of the board's line whose first cell contains `name`: the linked counts and the points. */
function line(html: string, name: string): { counts: number[]; points: string; hrefs: string[] } {
  const row = html.split('<tr>').find((r) => r.includes(name) && r.includes('class="num"'));
  if (!row) throw new Error(`no line for ${name}`);
  const cells = [...row.matchAll(/<td class="num">([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
  const hrefs = cells.slice(0, 6).map((c) => /href="([^"]+)"/.exec(c)![1]!.replaceAll('&amp;', '&'));
  return {
    counts: cells.slice(0, 6).map((c) => Number(c.replace(/<[^>]+>/g, ''))),
    points: cells[6]!.trim(),
    hrefs,
  };
}

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  const start = addDays(today, -40);
  roundId = createRound({ db: db(), criteria: app.booted.criteria }, SYSTEM, {
    name: '材料完成情况测试',
    criteriaVersionId: versionIdOf(db(), 'district-2026-2'),
    startsOn: start,
    endsOn: addDays(today, 30),
    selection: { mode: 'all' },
    methods: ['document'],
  });
  openRound(db(), SYSTEM, roundId);
  xingfu = unitIdOfUser(db(), 'xingfu');
  // another 社区 loses its unit: its tasks become 无责任单位
  const other = roundTasks(db(), roundId).find(
    (t) => t.level === 'community' && t.unit_id !== null && t.unit_id !== xingfu,
  )!;
  const c = findCommunityById(db(), other.community_id!)!;
  updateCommunity(db(), c.id, c.street_id, c.name, null);
  orphanCommunity = c.name;
}, 60_000);
afterAll(() => app.destroy());

describe('the completeness board', () => {
  it('counts 幸福社区’s tasks in each state and the points so far', async () => {
    const office = await as('office');
    // A01-D2: 延期 to a later day → 未提交 (within its deadline, not counted)
    const a01 = taskOf('A01-D2');
    expect(
      (
        await office.post(`/rounds/${roundId}/tasks/${a01.id}/extend`, {
          dueOn: addDays(today, 10),
          reason: '社区换届',
          revision: revision(a01),
        })
      ).status,
    ).toBe(303);
    // A03-D2: submitted, then 退回补充 → 退回补充
    const a03 = taskOf('A03-D2');
    submit(a03);
    expect(
      (
        await office.post(`/rounds/${roundId}/tasks/${a03.id}/return`, {
          reason: '缺活动照片',
          dueOn: addDays(today, 7),
          revision: revision(a03),
        })
      ).status,
    ).toBe(303);
    // B01-D1: submitted, waiting for the office
    submit(taskOf('B01-D1'));
    // C01-D1 (1 point, 合格制): 不合格 → 0 / 1
    const c01 = taskOf('C01-D1');
    submit(c01);
    await office.post(`/rounds/${roundId}/tasks/${c01.id}/score`, {
      result: 'fail',
      revision: revision(c01),
    });
    // C02-D1 (2 points, 0.5 a missing item): 1 missing → 2 − 0.5 = 1.5 / 2
    const c02 = taskOf('C02-D1');
    submit(c02);
    await office.post(`/rounds/${roundId}/tasks/${c02.id}/score`, {
      result: 'fail',
      cases: '1',
      revision: revision(c02),
    });
    // B02-D1 (2 points): never submitted, past its deadline → 逾期未交, 0 / 2
    const board = await office.get(`/rounds/${roundId}/tasks/board`);
    expect(board.status).toBe(200);
    const mine = line(board.text, '幸福社区居委会');
    // 应交, 已提交, 退回补充, 已评分, 逾期未交, 未提交
    expect(mine.counts).toEqual([6, 1, 1, 2, 1, 1]);
    // counted so far: C01-D1 0/1 + C02-D1 1.5/2 + B02-D1 0/2 = 1.5 / 5
    expect(mine.points).toBe('1.5 / 5');
    // the 逾期未交 number opens the queue on that unit and state: B02-D1 only
    expect(mine.hrefs[4]).toBe(`/rounds/${roundId}/tasks?unit=${xingfu}&state=overdue`);
    const queue = await office.get(mine.hrefs[4]!);
    expect([...queue.text.matchAll(/tasks\/\d+"><b>([A-Z0-9-]+)<\/b>/g)].map((m) => m[1])).toEqual([
      'B02-D1',
    ]);
  });

  it('shows a 社区 without a unit as 无责任单位 with its place, all six overdue, first in its group', async () => {
    const office = await as('office');
    const board = await office.get(`/rounds/${roundId}/tasks/board`);
    const orphan = line(board.text, orphanCommunity);
    expect(orphan.counts).toEqual([6, 0, 0, 0, 6, 0]);
    // 6 社区 standards: A01-D2 2 + A03-D2 2 + B01-D1 2 + B02-D1 2 + C01-D1 1 + C02-D1 2 = 11, all lost
    expect(orphan.points).toBe('0 / 11');
    const community = board.text.slice(board.text.indexOf('<h2>社区</h2>'));
    expect(community.indexOf(orphanCommunity)).toBeLessThan(community.indexOf('幸福社区居委会'));
    expect(board.text).toMatch(/<span class="badge red-badge">无责任单位<\/span> [^<]*/);
    const queue = await office.get(`/rounds/${roundId}/tasks?unit=none`);
    expect(queue.text).toContain('指定责任单位');
    expect(queue.text).toContain(orphanCommunity);
  });

  it('raises a problem with no unit for a 无责任单位 task, and says the office must give the place one', async () => {
    const office = await as('office');
    const t = taskOf('C01-D1', null);
    submit(t);
    await office.post(`/rounds/${roundId}/tasks/${t.id}/score`, { result: 'fail', revision: revision(t) });
    const p = db()
      .prepare('SELECT unit_id, site_id, source, status FROM problems WHERE task_id = ?')
      .get(t.id) as Record<string, unknown>;
    expect(p).toEqual({ unit_id: null, site_id: null, source: 'document', status: 'open' });
    const page = await office.get(`/rounds/${roundId}/tasks/${t.id}`);
    expect(page.text).toContain('该任务无责任单位：请在点位与人员中为其指定单位');
  });

  it('is the office’s: a unit gets 403', async () => {
    expect((await (await as('xingfu')).get(`/rounds/${roundId}/tasks/board`)).status).toBe(403);
  });
});

describe('templates per kind of material', () => {
  it('the office uploads one, a second replaces it (kept as history), a bad file is refused with nothing stored', async () => {
    const office = await as('office');
    await office.get('/task-templates');
    const first = await office.postMultipart(
      '/task-templates',
      filesForm('file', [{ name: '工作台账模板.pdf', bytes: validPdf('台账') }], { material: 'ledger' }),
      { csrf: 'field' },
    );
    expect(first.status).toBe(303);
    const second = await office.postMultipart(
      '/task-templates',
      filesForm('file', [{ name: '工作台账模板（2026版）.pdf', bytes: validPdf('台账2026') }], {
        material: 'ledger',
      }),
      { csrf: 'field' },
    );
    expect(second.status).toBe(303);
    const rows = db()
      .prepare(
        `SELECT id, name, removed_at IS NOT NULL AS removed, replaced_by FROM document_files
                WHERE template_material = 'ledger' ORDER BY id`,
      )
      .all() as { id: number; name: string; removed: number; replaced_by: number | null }[];
    expect(rows.map((r) => [r.name, r.removed])).toEqual([
      ['工作台账模板.pdf', 1],
      ['工作台账模板（2026版）.pdf', 0],
    ]);
    expect(rows[0]!.replaced_by).toBe(rows[1]!.id);
    expect(scalar(db(), "SELECT count(*) FROM audit_log WHERE action = 'task.template'")).toBe(2);
    const page = await office.get('/task-templates');
    expect(page.text).toContain('工作台账模板（2026版）.pdf');
    expect(page.text).toContain('历史模板 1 个');
    const before = scalar(db(), 'SELECT count(*) FROM document_files');
    const bad = await office.postMultipart(
      '/task-templates',
      filesForm('file', [{ name: '说明.doc', bytes: Buffer.from('\xd0\xcf\x11\xe0 old word', 'latin1') }], {
        material: 'account',
      }),
      { csrf: 'field' },
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/另存为|PDF/);
    expect(scalar(db(), 'SELECT count(*) FROM document_files')).toBe(before);
    const removed = await office.post(`/task-templates/${rows[1]!.id}/remove`);
    expect(removed.status).toBe(303);
    expect(
      scalar(
        db(),
        "SELECT count(*) FROM document_files WHERE template_material = 'ledger' AND removed_at IS NULL",
      ),
    ).toBe(0);
  });

  it('is the office’s: a unit gets 403 and stores nothing', async () => {
    const unit = await as('xingfu');
    expect((await unit.get('/task-templates')).status).toBe(403);
    const before = scalar(db(), 'SELECT count(*) FROM document_files');
    const r = await unit.postMultipart(
      '/task-templates',
      filesForm('file', [{ name: '模板.pdf', bytes: validPdf() }], { material: 'policy' }),
      { csrf: 'field' },
    );
    expect(r.status).toBe(403);
    expect(scalar(db(), 'SELECT count(*) FROM document_files')).toBe(before);
  });
});
