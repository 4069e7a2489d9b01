// Results of a round that counts field work and documents (district-2026-2, pooled), numbers worked by
// hand. Three 社区党群服务中心 sites take part (every other site left out before the round opens), so
// tasks go to 幸福, 和平 and 朝阳社区, 东湖 and 西城街道, four departments and the district (33 in all).
// Every task is given its own deadline (far ahead, or long past for 逾期未交), so nothing depends on today.
//
// Field (weight 1 for this site type, 42 points at each site):
//   幸福 (东湖): all 符合 → 42 / 42
//   和平 (东湖): C02-3 (合格制, 1 point) 不符合 → 41 / 42
//   朝阳 (西城): F01-1 (0.5 a case, 2 points) 3 cases → loses 1.5 → 40.5 / 42
// Documents (earned / possible; waiting tasks and the submitted one left out):
//   幸福: A01-D2 (0.5 a case, 2) 1 missing → 1.5 / 2; B02-D1 (合格制, 2) 合格 → 2 / 2;
//         C01-D1 (1) 逾期未交 → 0 / 1; A03-D2 submitted, not scored (暂定)      → 3.5 / 5
//   和平: nothing counted yet                                                   → —
//   朝阳: B01-D1 (0.5 a case, 2) 4 missing → 0 / 2; C02-D1 (2) 合格 → 2 / 2      → 2 / 4
//   东湖街道: F02-D1 (3) 合格 → 3 / 3; C03-D1 (2) 逾期未交 → 0 / 2               → 3 / 5
//   教育局: A03-D1 (0.5 a case, 2) 2 missing → 1 / 2; the district: A01-D1 (3) 逾期未交 → 0 / 3
// 综合得分率 = (E_f + E_d) ÷ (P_f + P_d):
//   幸福 (42 + 3.5) / (42 + 5) = 45.5 / 47 = 96.81 %   (field alone 100 %: 1st on field, 2nd here)
//   和平 41 / 42 = 97.62 %                                                    → 1st
//   朝阳 (40.5 + 2) / (42 + 4) = 42.5 / 46 = 92.39 %                          → 3rd
//   东湖街道 (83 + 3.5 + 3) / (84 + 5 + 5) = 89.5 / 94 = 95.21 %                → 1st
//   西城街道 42.5 / 46 = 92.39 %                                               → 2nd
//   district: field 123.5 / 126 = 98.02 %; documents 3.5 + 2 + 3 + 1 + 0 = 9.5 of 5 + 4 + 5 + 2 + 3 = 19
//   = 50 %; total 133 / 145 = 91.72 %. Tasks: 6 scored, 3 overdue, 1 待评分, 23 未到期限.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Client, startApp, tempDir, type TestApp } from '../helpers/app.ts';
import { userIdOf, versionIdOf } from '../helpers/ids.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { closeRound, publishRound } from '../../src/services/round-lifecycle.ts';
import { insertDocumentFile, roundTasks, updateTask } from '../../src/db/repos/document-tasks.ts';
import { storeDocument } from '../../src/documents/store.ts';

let app: TestApp;
let office: Client;
let roundId: number;
let fileId: number;
const ids = new Map<string, number>();

const X1 = '幸福社区党群服务中心';
const X2 = '和平社区党群服务中心';
const X3 = '朝阳社区党群服务中心';

async function download(path: string): Promise<ExcelJS.Workbook> {
  const res = await fetch(app.url + path, { headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` } });
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  return wb;
}

/** Imports the three sheets: every standard 符合 except those listed. */
async function importSheets(answers: Record<string, Record<string, number | null>>): Promise<void> {
  await office.get('/imports');
  const template = await download(`/rounds/${roundId}/imports/results/template.xlsx`);
  const rows = template.getWorksheet('测评结果')!.getSheetValues().slice(2) as unknown[][];
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('测评结果');
  ws.addRow(['点位编号', '点位名称', '标准编码', '测评标准', '结果', '问题数', '等级', '备注']);
  for (const row of rows) {
    const [siteId, siteName, code, text] = row.slice(1) as [number, string, string, string];
    const site = answers[siteName];
    if (!site) continue;
    const failed = code in site;
    ws.addRow([
      siteId,
      siteName,
      code,
      text,
      failed ? '不符合' : '符合',
      failed ? site[code] : null,
      null,
      null,
    ]);
  }
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(await wb.xlsx.writeBuffer())]), '第三方结果.xlsx');
  const reply = await office.postMultipart(`/rounds/${roundId}/imports/results`, form, { csrf: 'field' });
  expect(reply.status, reply.text.slice(0, 400)).toBe(200);
}

beforeAll(async () => {
  app = await startApp();
  const { db, criteria } = app.booted;
  // before every demo round of the family: no previous round (no repeats, no movement)
  roundId = createRound({ db, criteria }, SYSTEM, {
    name: '一月综合测评',
    criteriaVersionId: versionIdOf(db, 'district-2026-2'),
    startsOn: '2026-01-05',
    endsOn: '2026-01-30',
    selection: { mode: 'types', types: ['community_office'] },
    methods: ['field', 'document'],
  });
  db.prepare(
    `UPDATE round_sites SET excluded_reason = '本轮只测部分点位'
     WHERE round_id = ? AND site_id NOT IN (SELECT id FROM sites WHERE name IN (?, ?, ?))`,
  ).run(roundId, X1, X2, X3);
  openRound(db, SYSTEM, roundId);

  const tasks = roundTasks(db, roundId);
  expect(tasks).toHaveLength(33);
  const name = (table: 'communities' | 'streets', id: number | null) =>
    db.prepare(`SELECT name FROM ${table} WHERE id = ?`).pluck().get(id) as string;
  const find = (code: string, place: string) =>
    tasks.find(
      (t) =>
        t.standard_code === code &&
        (t.level === 'community'
          ? name('communities', t.community_id) === place
          : t.level === 'street'
            ? name('streets', t.street_id) === place
            : t.level === 'department'
              ? t.department === place
              : place === '区级'),
    )!;
  for (const t of tasks) updateTask(db, t.id, { extended_to: '2099-12-31' });
  const scored = (code: string, place: string, result: 'ok' | 'fail', cases = 0) =>
    updateTask(db, find(code, place).id, {
      status: 'scored',
      submitted_at: '2026-01-10T02:00:00.000Z',
      result,
      cases,
    });
  const overdue = (code: string, place: string) =>
    updateTask(db, find(code, place).id, { extended_to: '2026-01-20' });
  scored('A01-D2', '幸福社区', 'fail', 1);
  scored('B02-D1', '幸福社区', 'ok');
  overdue('C01-D1', '幸福社区');
  updateTask(db, find('A03-D2', '幸福社区').id, {
    status: 'submitted',
    submitted_at: '2026-01-12T02:00:00.000Z',
  });
  scored('B01-D1', '朝阳社区', 'fail', 4);
  scored('C02-D1', '朝阳社区', 'ok');
  scored('F02-D1', '东湖街道', 'ok');
  overdue('C03-D1', '东湖街道');
  scored('A03-D1', '教育局', 'fail', 2);
  overdue('A01-D1', '区级');

  // a file handed in with 幸福社区's A01-D2
  const tmp = join(tempDir('cc-methods-'), 'upload');
  writeFileSync(tmp, '%PDF-1.4\n% 道德讲堂活动记录\n%%EOF\n');
  const stored = await storeDocument(join(app.dir, 'uploads'), tmp);
  fileId = insertDocumentFile(db, {
    taskId: find('A01-D2', '幸福社区').id,
    sha256: stored.sha256,
    name: '道德讲堂活动记录.pdf',
    kind: 'pdf',
    bytes: stored.bytes,
    uploadedBy: userIdOf(db, 'office'),
  });

  office = new Client(app.url);
  await office.login('office');
  await importSheets({ [X1]: {}, [X2]: { 'C02-3': null }, [X3]: { 'F01-1': 3 } });
});
afterAll(async () => {
  await app?.destroy();
});

/** the table row that links to `href`, as its cells' texts */
const cells = (html: string, href: string): string[] => {
  const at = html.indexOf(`href="${href}"`);
  expect(at, `a link to ${href}`).toBeGreaterThan(-1);
  const row = html.slice(html.lastIndexOf('<tr', at), html.indexOf('</tr>', at));
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
};
const idOf = (html: string, kind: 'streets' | 'communities', name: string): number =>
  Number(new RegExp(`results/${kind}/(\\d+)">${name}<`).exec(html)![1]);

describe('the results page of a round over field work and documents', () => {
  it('ranks on the 综合得分率 with each method beside it', async () => {
    const page = await office.get(`/rounds/${roundId}/results`);
    expect(page.status).toBe(200);
    const html = page.text;
    for (const [kind, name] of [
      ['communities', '幸福社区'],
      ['communities', '和平社区'],
      ['communities', '朝阳社区'],
      ['streets', '东湖街道'],
      ['streets', '西城街道'],
    ] as const)
      ids.set(name, idOf(html, kind, name));
    const base = `/rounds/${roundId}/results`;
    // 名次, 镇街, 社区, 综合得分率, 实地考察, 材料审核, 待评分材料, 问题数, 已评点位
    expect(cells(html, `${base}/communities/${ids.get('和平社区')}`).slice(0, 9)).toEqual([
      '1',
      '东湖街道',
      '和平社区',
      '97.62%',
      '97.62%',
      '—',
      '',
      '1',
      '1/1',
    ]);
    expect(cells(html, `${base}/communities/${ids.get('幸福社区')}`).slice(0, 7)).toEqual([
      '2',
      '东湖街道',
      '幸福社区',
      '96.81%',
      '100.00%',
      '70.00%',
      '1',
    ]);
    expect(cells(html, `${base}/communities/${ids.get('朝阳社区')}`).slice(0, 6)).toEqual([
      '3',
      '西城街道',
      '朝阳社区',
      '92.39%',
      '96.43%',
      '50.00%',
    ]);
    expect(cells(html, `${base}/streets/${ids.get('东湖街道')}`).slice(0, 5)).toEqual([
      '1',
      '东湖街道',
      '95.21%',
      '98.81%',
      '65.00%',
    ]);
    expect(cells(html, `${base}/streets/${ids.get('西城街道')}`).slice(0, 4)).toEqual([
      '2',
      '西城街道',
      '92.39%',
      '96.43%',
    ]);
  });

  it('names the methods counted, the rule, what is left out and what is not counted yet', async () => {
    const html = (await office.get(`/rounds/${roundId}/results`)).text;
    expect(html).toContain('计入方法：实地考察、材料审核（含网上申报）；合并计分');
    // A01-4, B02-4, C02-4 (材料审核 / 网上申报 without a task) and no survey standards in this version
    expect(html).toMatch(/本轮未计入/);
    expect(html).toContain('1 项材料待评分，结果为暂定');
    expect(html).toContain('23 项材料未到期限，未计入');
    expect(html).toContain('已评分 6 项、逾期未交 3 项材料任务');
    expect(html).toContain(`href="/rounds/${roundId}/results/district"`);
  });
});

describe('drill-down to the tasks', () => {
  it('lists a 社区 its tasks with state, points and files', async () => {
    const page = await office.get(`/rounds/${roundId}/results/communities/${ids.get('幸福社区')}`);
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain('<h2>材料任务</h2>');
    const a01 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>A01-D2<\/b>/.exec(html)![1]!;
    expect(cells(html, a01).slice(1)).toEqual(['已评分', '1.5 / 2', '道德讲堂活动记录.pdf']);
    expect(html).toContain(`href="/documents/${fileId}"`);
    const c01 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>C01-D1<\/b>/.exec(html)![1]!;
    expect(cells(html, c01).slice(1, 3)).toEqual(['逾期未交', '0 / 1']);
    const a03 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>A03-D2<\/b>/.exec(html)![1]!;
    expect(cells(html, a03).slice(1, 3)).toEqual(['已提交', '待评分（2 分）']);
    const b01 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>B01-D1<\/b>/.exec(html)![1]!;
    expect(cells(html, b01).slice(1, 3)).toEqual(['未提交', '未到期限（2 分）']);
  });

  it('lists a 镇街 its own tasks', async () => {
    const html = (await office.get(`/rounds/${roundId}/results/streets/${ids.get('东湖街道')}`)).text;
    const f02 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>F02-D1<\/b>/.exec(html)![1]!;
    expect(cells(html, f02).slice(1, 3)).toEqual(['已评分', '3 / 3']);
    expect(html).not.toContain('<b>A01-D2</b>');
  });
});

describe('the district page', () => {
  it('gives each method, the total, the losses and the department and district tasks', async () => {
    const page = await office.get(`/rounds/${roundId}/results/district`);
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain('综合得分率 91.72%');
    const row = (name: string) => {
      const at = html.indexOf(`<td class="nowrap">${name}</td>`);
      expect(at, name).toBeGreaterThan(-1);
      return [...html.slice(at, html.indexOf('</tr>', at)).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
        m[1]!.replace(/<[^>]+>/g, '').trim(),
      );
    };
    // 测评方法, 计入标准, 体系分值, 应得分, 得分, 得分率, 暂未计入
    // a field standard counts once per site of its types: no single 体系分值
    expect(row('实地考察').slice(2)).toEqual(['—', '126', '123.5', '98.02%', '—']);
    // 17 task standards of 34 points in the version; counted 19, earned 9.5
    expect(row('材料审核（含网上申报）').slice(1, 6)).toEqual(['17', '34', '19', '9.5', '50.00%']);
    expect(html).toContain('已评分 6 项，逾期未交 3 项（计 0 分），待评分 1 项，未到期限 23 项');
    // losses per 测评项目: A, documents only: A01-D2 0.5 + A03-D1 1 + A01-D1 3 = 4.5
    expect(html).toMatch(/社会主义核心价值观宣传教育<\/td><td class="num">0<\/td><td class="num">4.5<\/td>/);
    // the worst standard: A01-D1, the district's overdue plan (3 points)
    const worst = html.slice(html.indexOf('<h2>失分最多的测评标准</h2>'));
    expect(/<tbody><tr><td><b>([^<]+)<\/b>/.exec(worst)![1]).toBe('A01-D1');
    const own = html.slice(html.indexOf('<h2>部门和区级材料任务</h2>'));
    const a03 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>A03-D1<\/b>/.exec(own)![1]!;
    expect(cells(own, a03).slice(1, 4)).toEqual(['教育局', '已评分', '1 / 2']);
    const a01 = /href="(\/rounds\/\d+\/tasks\/\d+)"><b>A01-D1<\/b>/.exec(own)![1]!;
    expect(cells(own, a01).slice(1, 4)).toEqual(['区级', '逾期未交', '0 / 3']);
  });

  it('is the office’s', async () => {
    const unit = new Client(app.url);
    await unit.login('xingfu');
    const page = await unit.get(`/rounds/${roundId}/results/district`);
    expect(page.status).toBe(403);
  });
});

describe('the rankings workbook', () => {
  it('has the method columns and ranks on 综合得分率, rates as numbers in a percent format', async () => {
    const wb = await download(`/rounds/${roundId}/rankings.xlsx`);
    const ws = wb.getWorksheet('社区排名')!;
    expect(ws.getRow(3).values).toEqual([
      undefined,
      '名次',
      '镇街',
      '社区',
      '实地考察',
      '材料审核（含网上申报）',
      '综合得分率',
      '实地考察得分',
      '实地考察应得分',
      '待评分材料',
      '及格率',
      '问题数',
      '较上轮',
      '红黑榜',
    ]);
    const row = (r: number) => (ws.getRow(r).values as unknown[]).slice(1, 10);
    // 和平社区: no document counted: an empty cell
    expect(row(4)).toEqual([1, '东湖街道', '和平社区', 41 / 42, undefined, 41 / 42, 41, 42, 0]);
    expect(row(5)[2]).toBe('幸福社区');
    expect(row(5)[3]).toBe(1);
    expect(row(5)[4]).toBeCloseTo(0.7, 12);
    expect(row(5)[5]).toBeCloseTo(45.5 / 47, 12);
    expect(row(5)[8]).toBe(1);
    expect(row(6)[5]).toBeCloseTo(42.5 / 46, 12);
    expect(ws.getCell(4, 6).numFmt).toContain('%');
    const streets = wb.getWorksheet('镇街排名')!;
    expect(streets.getCell(4, 2).value).toBe('东湖街道');
    expect(streets.getCell(4, 5).value as number).toBeCloseTo(89.5 / 94, 12);
  });
});

describe('a 社区 unit reads the published results', () => {
  it('sees its 社区’s tasks linking to its own task pages, still 暂定 while a task waits for its score', async () => {
    const { db } = app.booted;
    closeRound(db, SYSTEM, roundId);
    publishRound(db, SYSTEM, roundId);
    const unit = new Client(app.url);
    await unit.login('xingfu');
    const page = await unit.get(`/rounds/${roundId}/results/communities/${ids.get('幸福社区')}`);
    expect(page.status).toBe(200);
    // closed, but A03-D2 is submitted and not scored: the totals are 暂定
    expect(page.text).toContain('<strong>暂定</strong>');
    expect(page.text).toContain('综合得分率 96.81%');
    const a01 = /href="(\/tasks\/\d+)"><b>A01-D2<\/b>/.exec(page.text)![1]!;
    expect(cells(page.text, a01).slice(1, 3)).toEqual(['已评分', '1.5 / 2']);
    expect(page.text).not.toMatch(/href="\/rounds\/\d+\/tasks\/\d+"/);
    expect((await unit.get(`/rounds/${roundId}/results/communities/${ids.get('朝阳社区')}`)).status).toBe(
      403,
    );
  });
});
