// The 网上申报 package: as the office, download /rounds/:id/materials.zip of a 综合测评 round and unpack it
// as the upper system would — folders 测评项目 / 标准 / 单位, names safe for Windows and phones, every
// handed-in file byte for byte, nothing else (returned, pending, removed files stay out), and the index
// workbook's rows. A unit is refused. Paths and 审核结果 are worked out by hand from district-2026-2.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import JSZip from 'jszip';
import ExcelJS from 'exceljs';
import { Client, scalar, startApp, tempDir, type TestApp } from '../helpers/app.ts';
import { userIdOf, versionIdOf } from '../helpers/ids.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import {
  insertDocumentFile,
  removeDocumentFile,
  roundTasks,
  updateTask,
  type DocumentTaskRow,
} from '../../src/db/repos/document-tasks.ts';
import { storeDocument } from '../../src/documents/store.ts';
import { writePackage, type PackagePlan } from '../../src/export/materials-zip.ts';

let app: TestApp;
let office: Client;
let roundId: number;
let emptyRoundId: number;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** name → bytes of every file that must be in the package */
const expected = new Map<string, Buffer>();
let n = 0;

async function addFile(task: DocumentTaskRow, name: string): Promise<{ id: number; bytes: Buffer }> {
  const db = app.booted.db;
  const bytes = Buffer.from(`%PDF-1.4\n% file ${++n} of task ${task.id}: ${name}\n%%EOF\n`);
  const tmp = join(tempDir('cc-materials-'), 'upload');
  writeFileSync(tmp, bytes);
  const stored = await storeDocument(join(app.dir, 'uploads'), tmp);
  const id = insertDocumentFile(db, {
    taskId: task.id,
    sha256: stored.sha256,
    name,
    kind: 'pdf',
    bytes: stored.bytes,
    uploadedBy: userIdOf(db, 'office'),
  });
  return { id, bytes };
}

const submitted = { status: 'submitted' as const, submitted_at: '2026-12-05T02:30:00.000Z' };

function newRound(name: string): number {
  const { db, criteria } = app.booted;
  const id = createRound({ db, criteria }, SYSTEM, {
    name,
    criteriaVersionId: versionIdOf(db, 'district-2026-2'),
    startsOn: '2026-12-01',
    endsOn: '2026-12-31',
    selection: { mode: 'all' },
    methods: ['document'],
  });
  openRound(db, SYSTEM, id);
  return id;
}

const A01D2 = 'A 社会主义核心价值观宣传教育/A01-D2 社区开展“道德讲堂”、身边好人评选宣传，“好人…';
let unitFolder: string;
let noUnitFolder: string;

beforeAll(async () => {
  app = await startApp();
  const db = app.booted.db;
  roundId = newRound('2026/12 综合测评');
  emptyRoundId = newRound('12月 空轮次');
  // the district's unit (区创城办) retired: its task answers as 无责任单位（区级）
  db.prepare("UPDATE units SET retired_at = '2026-12-01T00:00:00.000Z' WHERE code = 'Q-CCB'").run();
  const tasks = roundTasks(db, roundId);
  const community = tasks.filter((t) => t.standard_code === 'A01-D2');
  const withUnit = community.find((t) => t.unit_id !== null)!;
  unitFolder = scalar(db, 'SELECT name FROM units WHERE id = ?', withUnit.unit_id) as string;
  // a 社区 without a unit answers as 无责任单位 (its name said beside it)
  const other = community.find((t) => t.id !== withUnit.id)!;
  db.prepare('UPDATE communities SET unit_id = NULL WHERE id = ?').run(other.community_id);
  noUnitFolder = `无责任单位（${scalar(db, 'SELECT name FROM communities WHERE id = ?', other.community_id) as string}）`;

  // handed in, waiting for review: unsafe, long and twice-used names; one file removed before submitting
  const unsafe = await addFile(withUnit, 'a:b*?.pdf');
  const long = await addFile(withUnit, `${'很长的文件名'.repeat(15)}结尾.pdf`);
  const first = await addFile(withUnit, '活动记录.pdf');
  const second = await addFile(withUnit, '活动记录.pdf');
  const removed = await addFile(withUnit, '作废.pdf');
  removeDocumentFile(db, removed.id, null);
  updateTask(db, withUnit.id, submitted);
  const base = `${A01D2}/${unitFolder}`;
  expected.set(`${base}/a_b__.pdf`, unsafe.bytes);
  // 92 + 4 characters: 28 kept at the start, 27 at the end, "…" between (60 in all)
  expected.set(
    `${base}/${'很长的文件名'.repeat(4)}很长的文…名${'很长的文件名'.repeat(4)}结尾.pdf`,
    long.bytes,
  );
  expected.set(`${base}/活动记录.pdf`, first.bytes);
  expected.set(`${base}/活动记录 (2).pdf`, second.bytes);

  // scored: 合格 for a 合格/不合格 standard (the district's plan), a score for a deduction (1 missing: 2 − 0.5)
  const district = tasks.find((t) => t.standard_code === 'A01-D1')!;
  const con = await addFile(district, 'CON.pdf');
  updateTask(db, district.id, { ...submitted, status: 'scored', result: 'ok' });
  // the 区级 unit retired above: the district's task answers as 无责任单位（区级）; CON is a device on Windows
  expect(district.unit_id).toBeNull();
  expected.set(
    'A 社会主义核心价值观宣传教育/A01-D1 区创城办制定年度创建工作计划和测评迎检方案，经…/无责任单位（区级）/CON_.pdf',
    con.bytes,
  );
  const noUnit = await addFile(other, '好人榜.pdf');
  updateTask(db, other.id, { ...submitted, status: 'scored', result: 'fail', cases: 1 });
  expected.set(`${A01D2}/${noUnitFolder}/好人榜.pdf`, noUnit.bytes);

  // sent back (退回补充) and still pending: their files are not in the package
  const [returned, pending] = tasks.filter((t) => t.standard_code === 'B01-D1');
  await addFile(returned!, '退回的材料.pdf');
  updateTask(db, returned!.id, { ...submitted, status: 'returned', return_reason: '缺少活动照片' });
  await addFile(pending!, '未提交的材料.pdf');

  office = new Client(app.url);
  await office.login('office');
});
afterAll(() => app.destroy());

async function download(id: number): Promise<{ zip: JSZip; rows: string[][]; header: string[] }> {
  const res = await fetch(`${app.url}/rounds/${id}/materials.zip`, {
    headers: { cookie: [...office.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  const body = Buffer.from(await res.arrayBuffer());
  // the exact size is announced first, so a browser shows the download's progress
  expect(Number(res.headers.get('content-length'))).toBe(body.length);
  const zip = await JSZip.loadAsync(body);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await zip.file('申报材料清单.xlsx')!.async('nodebuffer')) as never);
  const ws = wb.getWorksheet('申报材料清单')!;
  const rows: string[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v)))));
  return { zip, rows: rows.slice(3), header: rows.slice(0, 3).map((r) => r.join('|')) };
}

describe('materials.zip', () => {
  it('holds every handed-in file in 测评项目 / 标准 / 单位 folders under safe names, byte for byte', async () => {
    const { zip } = await download(roundId);
    const files = Object.values(zip.files).filter((f) => !f.dir);
    expect(files.map((f) => f.name).sort()).toEqual(['申报材料清单.xlsx', ...expected.keys()].sort());
    for (const [path, bytes] of expected) {
      const got = await zip.file(path)!.async('nodebuffer');
      expect(sha(got)).toBe(sha(bytes));
      expect([...path].length).toBeLessThanOrEqual(200);
      for (const part of path.split('/')) {
        expect([...part].length).toBeLessThanOrEqual(60);
        expect(part).not.toMatch(/[\\:*?"<>|]|[. ]$/);
      }
    }
  });

  it('lists each file in the index: 项目, 标准, 单位, its path, 提交时间, 审核结果, SHA-256', async () => {
    const { rows, header } = await download(roundId);
    expect(header[0]).toBe('2026/12 综合测评 申报材料清单');
    expect(header[1]).toContain('另有 1 项任务已退回补充');
    expect(header[2]).toBe('序号|测评项目|测评标准|单位|文件名|提交时间|审核结果|SHA-256');
    // version order: A01-D1 (the district's) before A01-D2; within a task, upload order
    expect(rows.map((r) => [r[0], r[3], r[4], r[5], r[6], r[7]])).toEqual(
      [...expected.keys()]
        .sort((a, b) => (a.includes('A01-D1') ? -1 : b.includes('A01-D1') ? 1 : 0))
        .map((path, i) => [
          String(i + 1),
          path.split('/')[2],
          path,
          '2026-12-05 10:30',
          path.includes('A01-D1') ? '合格' : path.includes(noUnitFolder) ? '1.5 分（满分 2 分）' : '待评分',
          sha(expected.get(path)!),
        ]),
    );
    expect(rows[0]![1]).toBe('A 社会主义核心价值观宣传教育');
    expect(rows[0]![2]).toMatch(/^A01-D1 区创城办制定年度创建工作计划和测评迎检方案/);
  });

  it('a round with nothing handed in still gives the index, saying so', async () => {
    const { zip, rows } = await download(emptyRoundId);
    expect(Object.keys(zip.files)).toEqual(['申报材料清单.xlsx']);
    expect(rows.map((r) => r[1])).toEqual(['本轮尚无已提交的申报材料']);
  });

  it('is named after the round and saved as a download', async () => {
    const head = await fetch(`${app.url}/rounds/${roundId}/materials.zip`, {
      method: 'HEAD',
      headers: { cookie: [...office.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/zip');
    const reply = await office.get(`/rounds/${roundId}/materials.zip`);
    expect(reply.headers.get('content-disposition')).toBe(
      `attachment; filename="2026_12 _.zip"; filename*=UTF-8''${encodeURIComponent('2026_12 综合测评申报材料.zip')}`,
    );
  });

  it('is the office’s only: a unit is refused, an unknown round is 404', async () => {
    const unit = new Client(app.url);
    await unit.login('xingfu');
    const refused = await unit.get(`/rounds/${roundId}/materials.zip`);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('申报材料包仅供创城办下载');
    expect((await office.get('/rounds/999999/materials.zip')).status).toBe(404);
  });

  it('announces its size exactly with a central directory over 64 KB (yazl counts a zip64 record it never writes)', async () => {
    const dir = tempDir('cc-materials-many-');
    const plan: PackagePlan = { files: [], index: [] };
    for (let i = 0; i < 700; i++) {
      const source = join(dir, `f${i}`);
      writeFileSync(source, `file ${i}`);
      plan.files.push({
        source,
        path: `A 社会主义核心价值观宣传教育/A01-D2 社区开展道德讲堂活动/幸福社区居委会/活动记录第${i}份.pdf`,
        bytes: `file ${i}`.length,
        mtime: new Date(),
      });
    }
    let announced = -1;
    let written = 0;
    await writePackage(
      plan,
      Buffer.from('index'),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          cb();
        },
      }),
      { onSize: (bytes) => (announced = bytes) },
    );
    expect(written).toBeGreaterThan(700 * 150);
    expect(announced).toBe(written);
  });
});
