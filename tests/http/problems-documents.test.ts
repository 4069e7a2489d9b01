// A problem without a site (来源 材料) through the whole rectification loop on the real app: the office
// scores 幸福社区's B01-D1 task 不合格 (3 missing months: 1.5 points lost), which raises a problem for the
// 社区's unit; it shows on the board (with the 来源 filter), on the unit's page with the link to the task,
// in the 整改通知单 and the 整改清单 workbook (来源 材料, the task's place, the deadline); the unit fixes it
// with a corrected PDF (refusals store nothing), the office sends it back once and then closes it by
// reviewing the document; an inspector can neither list nor close it; a 包联 leader of the 社区 sees it,
// another leader does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loggedIn, scalar, startApp, type Client, type TestApp } from '../helpers/app.ts';
import { unitIdOfUser, userIdOf, versionIdOf } from '../helpers/ids.ts';
import { damagedPdf, filesForm, validPdf } from '../helpers/documents.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { SYSTEM, type LeaderActor } from '../../src/services/access.ts';
import {
  findTaskById,
  roundTasks,
  updateTask,
  type DocumentTaskRow,
} from '../../src/db/repos/document-tasks.ts';
import { problemBoard } from '../../src/services/problem-board.ts';
import { problemPage } from '../../src/services/problem-pages.ts';
import { documentPath } from '../../src/documents/store.ts';
import { DOCUMENT_REFUSALS } from '../../src/documents/kinds.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';
import { AppError } from '../../src/errors.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let roundId: number;
let task: DocumentTaskRow;
let problemId: number;
const today = shanghaiDate();
const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const uploadDir = () => join(app.dir, 'uploads');

/** How many corrected documents the problem has, and the files under documents/. */
const documentRows = () => one('SELECT count(*) FROM document_files WHERE problem_id = ?', problemId);
function storedFiles(): string[] {
  const dir = join(uploadDir(), 'documents');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();
}

const query = (over: Record<string, unknown> = {}) => ({
  roundId: null,
  streetId: null,
  communityId: null,
  unitId: null,
  status: 'all' as const,
  overdue: false,
  repeat: false,
  request: null,
  source: null,
  ...over,
});

/** A 包联 leader of a unit (leaders have no account yet: the actor is made here). */
const leaderOf = (unitId: number): LeaderActor => ({
  role: 'leader',
  id: 900_000 + unitId,
  display_name: '包联领导',
  unit_id: unitId,
});

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  roundId = createRound({ db: db(), criteria: app.booted.criteria }, SYSTEM, {
    name: '材料问题测试轮次',
    criteriaVersionId: versionIdOf(db(), 'district-2026-2'),
    startsOn: today,
    endsOn: addDays(today, 60),
    selection: { mode: 'all' },
    methods: ['document'],
  });
  openRound(db(), SYSTEM, roundId);
  const unit = unitIdOfUser(db(), 'xingfu');
  task = roundTasks(db(), roundId).find((t) => t.standard_code === 'B01-D1' && t.unit_id === unit)!;
  // the unit handed it in (helper A's submit does the same)
  updateTask(db(), task.id, {
    status: 'submitted',
    submitted_at: new Date().toISOString(),
    submitted_by: userIdOf(db(), 'xingfu'),
  });
  task = findTaskById(db(), task.id)!;
  // the office scores it 不合格 on its review page: 3 missing months × 0.5 = 1.5 lost
  const office = await as('office');
  await office.get(`/rounds/${roundId}/tasks/${task.id}`);
  const scored = await office.post(`/rounds/${roundId}/tasks/${task.id}/score`, {
    result: 'fail',
    cases: '3',
    note: '缺3个月的志愿服务记录',
    revision: String(task.revision),
  });
  expect(scored.status).toBe(303);
  problemId = one("SELECT id FROM problems WHERE task_id = ? AND status <> 'void'", task.id) as number;
}, 90_000);
afterAll(() => app.destroy());

describe('a problem from a document task', () => {
  it('is raised for the 社区’s unit with no site, the task’s standard and a deadline', () => {
    const p = db()
      .prepare(
        'SELECT source, site_id, round_id, unit_id, standard_code, points_lost, status FROM problems WHERE id = ?',
      )
      .get(problemId);
    expect(p).toEqual({
      source: 'document',
      site_id: null,
      round_id: roundId,
      unit_id: unitIdOfUser(db(), 'xingfu'),
      standard_code: 'B01-D1',
      points_lost: 1.5,
      status: 'open',
    });
  });

  it('shows on the office’s board with 来源 材料, its 社区 and the link to the review page; the 来源 filter', async () => {
    const office = await as('office');
    const board = await office.get(`/problems?round=${roundId}`);
    expect(board.status).toBe(200);
    expect(board.text).toContain(`href="/problems/${problemId}"`);
    expect(board.text).toContain('<option value="document" >材料</option>');
    const row = board.text.slice(board.text.indexOf(`href="/problems/${problemId}"`)).split('</tr>')[0]!;
    // the 来源 under the number, then the task's place
    expect(row).toMatch(/<span class="badge source-document"[^>]*>材料<\/span><\/td>\s*<td>幸福社区</);
    expect(row).toContain('社区材料');
    expect(row).toContain(`href="/rounds/${roundId}/tasks/${task.id}"`);
    expect(row).toContain('缺3个月的志愿服务记录');

    const documents = await office.get(`/problems?round=${roundId}&source=document`);
    expect(documents.text).toContain(`href="/problems/${problemId}"`);
    expect(documents.text).toContain('<option value="document" selected>材料</option>');
    const rounds = await office.get(`/problems?round=${roundId}&source=round`);
    expect(rounds.text).not.toContain(`href="/problems/${problemId}"`);
    const bad = await office.get('/problems?source=survey');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('来源筛选无效');
    // the 社区 filter finds it through its task
    const community = task.community_id!;
    expect((await office.get(`/problems?community=${community}`)).text).toContain(
      `href="/problems/${problemId}"`,
    );
  });

  it('is on the unit’s board and page: 来源 材料, the standard, the task’s place, a link to /tasks/:id and a form for files', async () => {
    const unit = await as('xingfu');
    expect((await unit.get('/problems')).text).toContain(`href="/problems/${problemId}"`);
    const page = await unit.get(`/problems/${problemId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dt>来源</dt><dd>材料（材料审核不合格）</dd>');
    expect(page.text).toContain('B01-D1');
    expect(page.text).toContain(`<a href="/tasks/${task.id}">查看材料任务</a>`);
    expect(page.text).toMatch(/<dd>\S+ \/ 幸福社区（社区材料）/);
    expect(page.text).toContain('name="files"');
    expect(page.text).not.toContain('name="photos" accept="image/jpeg,image/png,image/webp" capture');
    expect(page.text).toContain('<h2>整改材料</h2>');
  });

  it('is on the unit’s home as 材料 and its standard, and counted in the office’s queue', async () => {
    const home = await (await as('xingfu')).get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('材料 · B01-D1');
  });

  it('takes a request like any problem: 延期 asked by the unit, granted by the office', async () => {
    const unit = await as('xingfu');
    await unit.get(`/problems/${problemId}`);
    const deadline = one('SELECT deadline FROM problems WHERE id = ?', problemId) as string;
    const later = addDays(deadline, 7);
    const asked = await unit.postMultipart(
      `/problems/${problemId}/request`,
      filesForm('photos', [], { kind: 'extension', deadline: later, note: '需要补开会议' }),
      { csrf: 'field' },
    );
    expect(asked.status).toBe(303);
    const office = await as('office');
    expect((await office.get('/problems?request=extension')).text).toContain(`href="/problems/${problemId}"`);
    const granted = await office.post(`/problems/${problemId}/decide`, {
      approve: '1',
      deadline: later,
      note: '',
    });
    expect(granted.status).toBe(303);
    expect(one('SELECT deadline FROM problems WHERE id = ?', problemId)).toBe(later);
    expect(one('SELECT request FROM problems WHERE id = ?', problemId)).toBe(null);
  });

  it('is in the unit’s 整改通知单', async () => {
    const notice = await (await as('xingfu')).get('/problems-notice');
    expect(notice.status).toBe(200);
    expect(notice.text).toContain('材料：幸福社区（社区材料）');
    expect(notice.text).toContain('B01-D1');
  });

  it('is a row of the 整改清单 workbook: 来源 材料, the 社区 from the task, no site, the deadline as a date', async () => {
    const office = await as('office');
    const { status, body } = await office.bytes(`/rounds/${roundId}/problems.xlsx`);
    expect(status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as never);
    const ws = wb.getWorksheet('整改清单')!;
    const header = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (name: string) => header.indexOf(name) + 1;
    const rows: Record<string, unknown>[] = [];
    ws.eachRow((r, n) => {
      if (n > 1) rows.push(Object.fromEntries(header.map((h) => [h, r.getCell(col(h)).value])));
    });
    const deadline = one('SELECT deadline FROM problems WHERE id = ?', problemId) as string;
    const street = one(
      'SELECT s.name FROM streets s JOIN communities c ON c.street_id = s.id WHERE c.id = ?',
      task.community_id,
    );
    const row = rows.find(
      (r) => r['测评标准'] && String(r['测评标准']).startsWith('B01-D1') && r['社区'] === '幸福社区',
    );
    expect(row).toMatchObject({
      来源: '材料',
      材料所属: '幸福社区（社区）',
      镇街: street,
      社区: '幸福社区',
      点位: null,
      点位类型: null,
      问题描述: '缺3个月的志愿服务记录',
      扣分: 1.5,
      状态: '待整改',
      问题照片: null,
      整改后照片: null,
    });
    expect((row!['整改时限'] as Date).toISOString().slice(0, 10)).toBe(deadline);
    expect(ws.getImages()).toHaveLength(0);
    // only document problems in this round: the 来源 filter keeps it, 测评 leaves none
    const field = await office.bytes(`/rounds/${roundId}/problems.xlsx?source=round`);
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(field.body as never);
    expect(wb2.getWorksheet('整改清单')!.actualRowCount).toBe(1);
  });

  it('is not an inspector’s: not on their board, not theirs to open', async () => {
    const inspector = await as('inspector1');
    const board = await inspector.get('/problems?status=all');
    expect(board.status).toBe(200);
    expect(board.text).not.toContain(`href="/problems/${problemId}"`);
    const page = await inspector.get(`/problems/${problemId}`);
    expect(page.status).toBe(403);
    expect(page.text).toContain('您无权查看该问题');
  });

  it('is seen by a 包联 leader of its 社区 and not by another leader', () => {
    const liaison = one(
      'SELECT unit_id FROM community_liaisons WHERE community_id = ?',
      task.community_id,
    ) as number;
    const other = one(
      `SELECT unit_id FROM community_liaisons WHERE unit_id NOT IN
         (SELECT unit_id FROM community_liaisons WHERE community_id = ?) LIMIT 1`,
      task.community_id,
    ) as number;
    expect(liaison).toBeTypeOf('number');
    expect(other).toBeTypeOf('number');
    const ctx = { db: db(), criteria: app.booted.criteria };
    const ids = (l: LeaderActor) => problemBoard(ctx, l, query()).rows.map((p) => p.id);
    expect(ids(leaderOf(liaison))).toContain(problemId);
    expect(ids(leaderOf(other))).not.toContain(problemId);
    expect(problemPage(ctx, leaderOf(liaison), problemId).problem.task_id).toBe(task.id);
    let refused: unknown;
    try {
      problemPage(ctx, leaderOf(other), problemId);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(403);
    expect((refused as AppError).message).toBe('您无权查看该问题');
  });
});

describe('fixing it with a corrected document, closed by the office’s review', () => {
  const fix = async (files: { name: string; bytes: Buffer }[], note = '已补齐3个月的记录') => {
    const unit = await as('xingfu');
    await unit.get(`/problems/${problemId}`);
    return unit.postMultipart(`/problems/${problemId}/fix`, filesForm('files', files, { note }), {
      csrf: 'field',
    });
  };

  it('refuses a fix without a file, without a note, or with a damaged PDF, storing nothing', async () => {
    const before = storedFiles();
    const none = await fix([]);
    expect(none.status).toBe(400);
    expect(none.text).toContain('请至少上传一份整改后的材料');
    const noNote = await fix([{ name: '整改材料.pdf', bytes: validPdf('fixed') }], '');
    expect(noNote.status).toBe(400);
    expect(noNote.text).toContain('请填写整改情况');
    const eleven = Array.from({ length: 11 }, (_, i) => ({
      name: `第${i + 1}份.pdf`,
      bytes: validPdf(`p${i}`),
    }));
    const tooMany = await fix(eleven);
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain(DOCUMENT_REFUSALS.tooManyFiles);
    const damaged = await fix([{ name: '整改材料.pdf', bytes: damagedPdf() }]);
    expect(damaged.status).toBe(400);
    expect(damaged.text).toContain('<span class="field-error">');
    expect(one('SELECT status FROM problems WHERE id = ?', problemId)).toBe('open');
    expect(documentRows()).toBe(0);
    expect(storedFiles()).toEqual(before);
  });

  it('takes the corrected PDF and a note: 待复查, the file kept and listed, opened at /documents/:fid', async () => {
    const r = await fix([{ name: '志愿服务记录（补）.pdf', bytes: validPdf('Volunteer records') }]);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/problems/${problemId}`);
    expect(one('SELECT status FROM problems WHERE id = ?', problemId)).toBe('fixed');
    const file = db()
      .prepare('SELECT id, name, kind, sha256 FROM document_files WHERE problem_id = ?')
      .get(problemId) as { id: number; name: string; kind: string; sha256: string };
    expect(file).toMatchObject({ name: '志愿服务记录（补）.pdf', kind: 'pdf' });
    expect(existsSync(documentPath(uploadDir(), file.sha256))).toBe(true);
    const unit = await as('xingfu');
    const page = await unit.get(`/problems/${problemId}`);
    expect(page.text).toContain(
      `<a href="/documents/${file.id}" target="_blank" rel="noopener">志愿服务记录（补）.pdf</a>`,
    );
    expect(page.text).toContain('提交整改材料');
    expect(page.text).not.toContain('action="/problems/' + problemId + '/fix"');
    const served = await unit.get(`/documents/${file.id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toContain('application/pdf');
    // the fix is counted for the office's 复查 queue
    expect((await (await as('office')).get('/problems?status=fixed')).text).toContain(
      `href="/problems/${problemId}"`,
    );
  });

  it('cannot be closed by an inspector, nor by the office without a reason for 不通过', async () => {
    const inspector = await as('inspector1');
    await inspector.get('/problems');
    const byInspector = await inspector.postMultipart(
      `/problems/${problemId}/reinspect`,
      filesForm('photos', [], { outcome: 'pass' }),
      { csrf: 'field' },
    );
    expect(byInspector.status).toBe(403);
    expect(byInspector.text).toContain('材料问题由创城办审核整改材料后销号');

    const office = await as('office');
    const page = await office.get(`/problems/${problemId}`);
    expect(page.text).toContain('<h2>审核整改材料</h2>');
    expect(page.text).toContain('通过，销号');
    const noReason = await office.postMultipart(
      `/problems/${problemId}/reinspect`,
      filesForm('photos', [], { outcome: 'reject', note: '' }),
      { csrf: 'field' },
    );
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('请填写不通过的原因');
    expect(one('SELECT status FROM problems WHERE id = ?', problemId)).toBe('fixed');
  });

  it('goes back to the unit on 不通过 with the reason, and is closed on 通过 after a second fix; the documents stay', async () => {
    const office = await as('office');
    await office.get(`/problems/${problemId}`);
    const reject = await office.postMultipart(
      `/problems/${problemId}/reinspect`,
      filesForm('photos', [], { outcome: 'reject', note: '缺少11月的记录' }),
      { csrf: 'field' },
    );
    expect(reject.status).toBe(303);
    expect(one('SELECT status FROM problems WHERE id = ?', problemId)).toBe('open');
    const again = await fix([{ name: '11月记录.pdf', bytes: validPdf('November') }], '补交11月记录');
    expect(again.status).toBe(303);
    await office.get(`/problems/${problemId}`);
    const pass = await office.postMultipart(
      `/problems/${problemId}/reinspect`,
      filesForm('photos', [], { outcome: 'pass', note: '材料齐全' }),
      { csrf: 'field' },
    );
    expect(pass.status).toBe(303);
    expect(one('SELECT status FROM problems WHERE id = ?', problemId)).toBe('closed');
    expect(documentRows()).toBe(2);
    const page = await office.get(`/problems/${problemId}`);
    expect(page.text).toContain('整改材料审核不通过，退回');
    expect(page.text).toContain('缺少11月的记录');
    expect(page.text).toContain('整改材料审核通过，销号');
    expect(page.text).toContain('11月记录.pdf');
    expect(
      db()
        .prepare(
          "SELECT action FROM audit_log WHERE entity = 'problem' AND entity_id = ? AND action IN ('problem.fix', 'problem.reject', 'problem.close') ORDER BY id",
        )
        .pluck()
        .all(problemId),
    ).toEqual(['problem.fix', 'problem.reject', 'problem.fix', 'problem.close']);
  });
});
