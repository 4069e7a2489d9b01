/**
 * A unit's 材料任务, as the unit uses them: its list (its tasks and those of the units below it, by round),
 * a task's page (what to upload, the deadline, the office's return reason), uploading files (kept byte for
 * byte under their SHA-256), replacing one (the old one in the history), removing one, submitting; and
 * every refusal: another unit's task (403), a task past its deadline, submitted or scored (409) — each
 * with its Chinese message and nothing stored. The office opening a unit's task page goes to its review.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import type { Client } from '../helpers/app.ts';
import { docx, filesForm, jpeg, openDocumentRound, tasksOfUser, validPdf } from '../helpers/documents.ts';
import { createHash } from 'node:crypto';
import type { DocumentTaskRow } from '../../src/db/repos/document-tasks.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';

let app: TestApp;
let as: (u: string) => Promise<Client>;
let roundId: number;
let mine: DocumentTaskRow[];

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  roundId = openDocumentRound(app.booted, '材料任务测试轮次');
  mine = tasksOfUser(app.booted, roundId, 'xingfu');
});
afterAll(() => app.destroy());

const db = () => app.booted.db;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fileRows = () => scalar(db(), 'SELECT count(*) FROM document_files') as number;
const stored = (hash: string) => join(app.dir, 'uploads', 'documents', hash.slice(0, 2), hash);
const documentsOnDisk = () => {
  const root = join(app.dir, 'uploads', 'documents');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)));
};
const tmpFiles = () => {
  const tmp = join(app.dir, 'uploads', 'tmp');
  return existsSync(tmp) ? readdirSync(tmp) : [];
};

/** Posts files as the task page's form does (_csrf first, as the browser sends it). */
async function upload(c: Client, path: string, field: string, files: { name: string; bytes: Buffer }[]) {
  if (!c.csrf) await c.get('/');
  return c.postMultipart(path, filesForm(field, files, { _csrf: c.csrf! }), { csrf: false });
}

const taskOf = (code: string) => mine.find((t) => t.standard_code === code)!;

/** The number on the home page's tile with this label. */
const tile = (html: string, label: string): number | null => {
  const m = new RegExp(`<span class="value">(\\d+)</span><span class="label">${label}</span>`).exec(html);
  return m ? Number(m[1]) : null;
};
let homeBefore: Record<string, number | null>;
const TILES = ['材料任务 3 天内到期', '材料逾期未交', '材料退回补充'];

describe('the unit’s list and page', () => {
  it('the unit’s home counts its 材料任务 and links them; the nav has 材料任务', async () => {
    const home = await (await as('xingfu')).get('/');
    expect(home.text).toContain('<a href="/tasks" class="">材料任务</a>');
    homeBefore = Object.fromEntries(TILES.map((l) => [l, tile(home.text, l)]));
    for (const l of TILES) expect(homeBefore[l]).not.toBeNull();
    expect(home.text).toMatch(
      /<a href="\/tasks"><span class="value">\d+<\/span><span class="label">材料逾期未交/,
    );
  });

  it('lists the unit’s six 社区 tasks under the round, with state, deadline and files', async () => {
    expect(mine.map((t) => t.standard_code).sort()).toEqual(
      ['A01-D2', 'A03-D2', 'B01-D1', 'B02-D1', 'C01-D1', 'C02-D1'].sort(),
    );
    const c = await as('xingfu');
    const page = await c.get('/tasks');
    expect(page.status).toBe(200);
    expect(page.text).toContain('材料任务测试轮次');
    for (const t of mine) expect(page.text).toContain(`href="/tasks/${t.id}"`);
    expect(page.text).toContain('未提交');
    expect(page.text).toContain(`提交期限 ${taskOf('A01-D2').due_on}`);
    expect(page.text).toContain('文件 0 个');
  });

  it('a 镇街 unit sees its own tasks and its 社区’ tasks', async () => {
    const c = await as('donghu');
    const page = await c.get('/tasks');
    expect(page.status).toBe(200);
    for (const t of tasksOfUser(app.booted, roundId, 'donghu'))
      expect(page.text).toContain(`href="/tasks/${t.id}"`);
    expect(page.text).toContain(`href="/tasks/${mine[0]!.id}"`);
  });

  it('a task’s page says what to upload, by when, and what is accepted', async () => {
    const c = await as('xingfu');
    const t = taskOf('A01-D2');
    const page = await c.get(`/tasks/${t.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('提交材料');
    expect(page.text).toContain(`<b class="">${t.due_on}</b>`);
    expect(page.text).toMatch(/accept="[^"]*\.pdf[^"]*\.docx[^"]*"/);
    expect(page.text).toContain('HEIC');
    expect(page.text).toContain(`action="/tasks/${t.id}/files"`);
    expect(page.text).toContain(`action="/tasks/${t.id}/submit"`);
  });

  it('links the templates the office put up for the task’s materials', async () => {
    const c = await as('xingfu');
    const t = taskOf('A01-D2');
    const sha = 'cd'.repeat(32);
    const id = Number(
      db()
        .prepare(
          `INSERT INTO document_files (template_material, sha256, name, kind, bytes, uploaded_by, uploaded_at)
           VALUES ('account', ?, '情况说明模板.docx', 'docx', 100, 1, '2026-12-01T00:00:00Z')`,
        )
        .run(sha).lastInsertRowid,
    );
    const page = await c.get(`/tasks/${t.id}`);
    expect(page.text).toContain('材料模板');
    expect(page.text).toContain(`情况说明：<a href="/documents/${id}?download=1">情况说明模板.docx</a>`);
    db().prepare('DELETE FROM document_files WHERE id = ?').run(id);
  });

  it('the office opening a unit’s task page goes to its review page', async () => {
    const c = await as('office');
    const t = taskOf('A01-D2');
    const r = await c.get(`/tasks/${t.id}`);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/rounds/${roundId}/tasks/${t.id}`);
    // and from the units' list to an open round's review queue
    expect((await c.get('/tasks')).location).toMatch(/^\/rounds\/\d+\/tasks$/);
  });
});

describe('uploading, replacing, removing and submitting', () => {
  it('keeps uploaded files byte for byte, lists them and logs the step', async () => {
    const c = await as('xingfu');
    const t = taskOf('A01-D2');
    const pdf = validPdf('Volunteer records');
    const photo = jpeg();
    const r = await upload(c, `/tasks/${t.id}/files`, 'files', [
      { name: '志愿服务记录.pdf', bytes: pdf },
      { name: '活动照片.jpg', bytes: photo },
    ]);
    expect(r.status).toBe(303);
    expect(readFileSync(stored(sha(pdf)))).toEqual(pdf);
    expect(readFileSync(stored(sha(photo)))).toEqual(photo);
    expect(tmpFiles()).toEqual([]);
    const page = await c.get(`/tasks/${t.id}`);
    expect(page.text).toContain('已上传 2 个文件');
    expect(page.text).toContain('志愿服务记录.pdf');
    expect(page.text).toContain('活动照片.jpg');
    expect(page.text).toContain('已上传的文件（2 / 10）');
    expect(
      scalar(db(), "SELECT count(*) FROM audit_log WHERE action = 'task.upload' AND entity_id = ?", t.id),
    ).toBe(1);
    expect(
      scalar(db(), "SELECT count(*) FROM document_task_events WHERE action = 'upload' AND task_id = ?", t.id),
    ).toBe(1);
  });

  it('replaces a file, keeping the old one in the history; removes one the same way', async () => {
    const c = await as('xingfu');
    const t = taskOf('A01-D2');
    const pdfId = scalar(
      db(),
      "SELECT id FROM document_files WHERE task_id = ? AND name = '志愿服务记录.pdf'",
      t.id,
    ) as number;
    const better = validPdf('Volunteer records, corrected');
    const r = await upload(c, `/tasks/${t.id}/files/${pdfId}/replace`, 'file', [
      { name: '志愿服务记录（修订）.pdf', bytes: better },
    ]);
    expect(r.status).toBe(303);
    const newId = scalar(db(), 'SELECT replaced_by FROM document_files WHERE id = ?', pdfId) as number;
    expect(scalar(db(), 'SELECT name FROM document_files WHERE id = ?', newId)).toBe(
      '志愿服务记录（修订）.pdf',
    );
    const jpgId = scalar(
      db(),
      "SELECT id FROM document_files WHERE task_id = ? AND name = '活动照片.jpg'",
      t.id,
    ) as number;
    expect((await c.post(`/tasks/${t.id}/files/${jpgId}/remove`)).status).toBe(303);
    const page = await c.get(`/tasks/${t.id}`);
    expect(page.text).toContain('已上传的文件（1 / 10）');
    expect(page.text).toContain('被“志愿服务记录（修订）.pdf”替换');
    expect(page.text).toContain('已删除');
    expect(page.text).toContain('替换文件');
    expect(page.text).toContain('删除文件');
    // the old file is still there, for the history
    expect(
      existsSync(stored(scalar(db(), 'SELECT sha256 FROM document_files WHERE id = ?', pdfId) as string)),
    ).toBe(true);
  });

  it('a refused replacement shows its message by the file and keeps the file as it was', async () => {
    const c = await as('xingfu');
    const t = taskOf('A01-D2');
    const current = scalar(
      db(),
      'SELECT id FROM document_files WHERE task_id = ? AND removed_at IS NULL',
      t.id,
    ) as number;
    const before = fileRows();
    const r = await upload(c, `/tasks/${t.id}/files/${current}/replace`, 'file', [
      { name: '修订.pdf', bytes: validPdf().subarray(0, 100) },
    ]);
    expect(r.status).toBe(400);
    expect(r.text).toContain('PDF 文件已损坏或不完整');
    expect(r.text.indexOf('PDF 文件已损坏或不完整')).toBeLessThan(
      r.text.indexOf(`/files/${current}/replace`),
    );
    expect(fileRows()).toBe(before);
    expect(scalar(db(), 'SELECT removed_at FROM document_files WHERE id = ?', current)).toBeNull();
  });

  it('refuses to submit without files, then submits with a note', async () => {
    const c = await as('xingfu');
    const empty = taskOf('A03-D2');
    const refused = await c.post(`/tasks/${empty.id}/submit`, { note: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('请先上传至少一个文件再提交');
    const t = taskOf('A01-D2');
    const r = await c.post(`/tasks/${t.id}/submit`, { note: '已按要求整理近一年记录' });
    expect(r.status).toBe(303);
    expect(scalar(db(), 'SELECT status FROM document_tasks WHERE id = ?', t.id)).toBe('submitted');
    const page = await c.get(`/tasks/${t.id}`);
    expect(page.text).toContain('已提交');
    expect(page.text).toContain('已按要求整理近一年记录');
    expect(page.text).toContain('材料已提交，正在等待创城办审核，不能再修改');
    expect(page.text).not.toContain(`action="/tasks/${t.id}/files"`);
  });

  it('a submitted task cannot be changed (409), and nothing is stored', async () => {
    const c = await as('xingfu');
    const t = taskOf('A01-D2');
    const before = { rows: fileRows(), disk: documentsOnDisk().length };
    const r = await upload(c, `/tasks/${t.id}/files`, 'files', [
      { name: '补充.pdf', bytes: validPdf('late') },
    ]);
    expect(r.status).toBe(409);
    expect(r.text).toContain('材料已提交，正在等待创城办审核，不能再修改');
    expect({ rows: fileRows(), disk: documentsOnDisk().length }).toEqual(before);
    expect(tmpFiles()).toEqual([]);
  });
});

describe('refusals', () => {
  it('another unit’s task: 403, nothing stored', async () => {
    const c = await as('xingfu');
    const theirs = tasksOfUser(app.booted, roundId, 'chengguan')[0]!;
    const before = { rows: fileRows(), disk: documentsOnDisk().length };
    const r = await upload(c, `/tasks/${theirs.id}/files`, 'files', [
      { name: '方案.pdf', bytes: validPdf('x') },
    ]);
    expect(r.status).toBe(403);
    expect(r.text).toContain('这不是本单位的材料任务');
    expect((await c.post(`/tasks/${theirs.id}/submit`)).status).toBe(403);
    expect((await c.get(`/tasks/${theirs.id}`)).status).toBe(403);
    expect({ rows: fileRows(), disk: documentsOnDisk().length }).toEqual(before);
    expect(tmpFiles()).toEqual([]);
  });

  it('a task past its deadline: 409 with the date and what to do', async () => {
    const c = await as('xingfu');
    const t = taskOf('B01-D1');
    const past = addDays(shanghaiDate(), -2);
    db().prepare('UPDATE document_tasks SET due_on = ? WHERE id = ?').run(past, t.id);
    const before = { rows: fileRows(), disk: documentsOnDisk().length };
    const r = await upload(c, `/tasks/${t.id}/files`, 'files', [{ name: '台账.docx', bytes: docx() }]);
    expect(r.status).toBe(409);
    const day = `${Number(past.slice(5, 7))}月${Number(past.slice(8, 10))}日`;
    expect(r.text).toContain(`已超过提交期限（${day}），请联系创城办申请延期`);
    expect({ rows: fileRows(), disk: documentsOnDisk().length }).toEqual(before);
    const list = await c.get('/tasks');
    expect(list.text).toContain('逾期未交');
    expect(list.text).toMatch(/逾期 \d+ 天/);
  });

  it('a scored task: 409', async () => {
    const c = await as('xingfu');
    const t = taskOf('B02-D1');
    db().prepare("UPDATE document_tasks SET status = 'scored', result = 'ok' WHERE id = ?").run(t.id);
    const r = await upload(c, `/tasks/${t.id}/files`, 'files', [{ name: '台账.docx', bytes: docx() }]);
    expect(r.status).toBe(409);
    expect(r.text).toContain('该材料任务已评分，不能再修改');
    expect((await c.post(`/tasks/${t.id}/submit`)).status).toBe(409);
  });

  it('a returned task shows the office’s reason and its new due date, and takes files again', async () => {
    const c = await as('xingfu');
    const t = taskOf('C01-D1');
    db()
      .prepare(
        "UPDATE document_tasks SET status = 'returned', return_reason = '缺少第三季度台账', extended_to = ? WHERE id = ?",
      )
      .run(addDays(shanghaiDate(), 2), t.id);
    const page = await c.get(`/tasks/${t.id}`);
    expect(page.text).toContain('创城办退回补充：</b>缺少第三季度台账');
    expect(page.text).toContain(addDays(shanghaiDate(), 2));
    expect(page.text).toContain('已延期');
    const r = await upload(c, `/tasks/${t.id}/files`, 'files', [
      { name: '第三季度台账.xlsx', bytes: docx() },
    ]);
    // a .docx named .xlsx: refused by its bytes
    expect(r.status).toBe(400);
    expect(r.text).toContain('文件内容与扩展名不符');
  });
});

describe('the home pages', () => {
  it('the unit’s tiles moved with its tasks: one more overdue, one more returned and due soon', async () => {
    const home = await (await as('xingfu')).get('/');
    expect(tile(home.text, '材料逾期未交')).toBe(homeBefore['材料逾期未交']! + 1);
    expect(tile(home.text, '材料退回补充')).toBe(homeBefore['材料退回补充']! + 1);
    expect(tile(home.text, '材料任务 3 天内到期')).toBe(homeBefore['材料任务 3 天内到期']! + 1);
  });

  it('the office’s home has 材料待审核 for the round, linking to its submitted tasks', async () => {
    const home = await (await as('office')).get('/');
    const link = `/rounds/${roundId}/tasks?state=submitted`;
    expect(home.text).toContain(
      `<a href="${link}"><span class="value">1</span><span class="label">材料待审核</span><small class="muted">材料任务测试轮次</small>`,
    );
  });
});
