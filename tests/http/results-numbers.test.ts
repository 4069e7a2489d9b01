// The results pages and the rankings workbook show numbers worked out by hand, not numbers taken from
// the scoring code under test. Two small rounds of 社区党群服务中心 sites (district-2026: 19 standards,
// 42 points in all at such a site; pooled 得分率; 不适用 left out; weight 1 for this site type; repeat
// ×2; 红榜 top 3 at ≥ 90 %; 黑榜 below 85 % or the last 3 places, red winning) are imported as a third
// party's results, the first one closed (its other sites left out), so the second has a previous round
// (a repeat and movement).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import type { Client } from '../helpers/app.ts';
import { loggedIn, startApp, type TestApp } from '../helpers/app.ts';
import { versionIdOf } from '../helpers/ids.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let office: Client;
/** the earlier round (closed) and the one under test (open, then published) */
let first: number;
let second: number;
/** site and place ids, by name, read from the import template and the rankings page's links */
const siteIds = new Map<string, number>();

const X1 = '幸福社区党群服务中心'; // 幸福社区, 东湖街道
const X2 = '和平社区党群服务中心'; // 和平社区, 东湖街道
const X3 = '朝阳社区党群服务中心'; // 朝阳社区, 西城街道

type Answers = Record<string, Record<string, { result: '不符合' | '不适用'; cases?: number }>>;

async function download(client: Client, path: string): Promise<ExcelJS.Workbook> {
  const res = await fetch(app.url + path, { headers: { cookie: `cc.sid=${client.cookies.get('cc.sid')}` } });
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  return wb;
}

/** A round of the 社区党群服务中心 sites, opened. */
async function openRound(name: string, startsOn: string, endsOn: string): Promise<number> {
  await office.get('/rounds/new');
  const created = await office.post('/rounds', {
    name,
    startsOn,
    endsOn,
    criteriaVersionId: String(versionIdOf(app.booted.db, 'district-2026')),
    mode: 'types',
    types: 'community_office',
  });
  const id = Number(created.location!.split('/').pop());
  await office.get(`/rounds/${id}`);
  expect((await office.post(`/rounds/${id}/open`, { confirmed: '1' })).status).toBe(303);
  return id;
}

/** Leaves every site without a sheet out of the round (a round closes only when every site has one). */
async function excludeTheRest(roundId: number, kept: string[]): Promise<void> {
  await office.get(`/rounds/${roundId}/assignments`);
  for (const [name, id] of siteIds) {
    if (kept.includes(name)) continue;
    const reply = await office.post(`/rounds/${roundId}/sites/${id}/exclude`, { reason: '本轮只测部分点位' });
    expect(reply.status).toBe(303);
  }
}

/** Imports sheets for the named sites: every standard 符合 except those listed. */
async function importSheets(roundId: number, answers: Answers): Promise<void> {
  await office.get('/imports');
  const template = await download(office, `/rounds/${roundId}/imports/results/template.xlsx`);
  const rows = template.getWorksheet('测评结果')!.getSheetValues().slice(2) as unknown[][];
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('测评结果');
  ws.addRow(['点位编号', '点位名称', '标准编码', '测评标准', '结果', '问题数', '等级', '备注']);
  for (const row of rows) {
    const [siteId, siteName, code, text] = row.slice(1) as [number, string, string, string];
    siteIds.set(siteName, siteId);
    const site = answers[siteName];
    if (!site) continue;
    const a = site[code];
    ws.addRow([siteId, siteName, code, text, a?.result ?? '符合', a?.cases ?? null, null, null]);
  }
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(await wb.xlsx.writeBuffer())]), '第三方结果.xlsx');
  const reply = await office.postMultipart(`/rounds/${roundId}/imports/results`, form, { csrf: 'field' });
  expect(reply.status, reply.text.slice(0, 400)).toBe(200);
}

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  office = await as('office');

  // The first round (before the demo's rounds, so it is the second round's previous round):
  //   X1: A02-3 (deduction, 1 point a case, 3 points) 不符合 1 case → loses 1:       41 / 42 = 97.62 %
  //   X2: B01-3 (grade, 2 points, B from 1 case, C from 2) 不符合 2 cases → grade C,
  //       keeps 33 %: loses 2 × 0.67 = 1.34:                                           40.66 / 42 = 96.81 %
  // so 幸福社区 is 1st and 和平社区 2nd; 东湖街道 (81.66 / 84) is the only 镇街 ranked, 1st.
  first = await openRound('九月第一轮', '2026-09-01', '2026-09-05');
  await importSheets(first, {
    [X1]: { 'A02-3': { result: '不符合', cases: 1 } },
    [X2]: { 'B01-3': { result: '不符合', cases: 2 } },
  });
  await excludeTheRest(first, [X1, X2]);
  await office.get(`/rounds/${first}`);
  expect((await office.post(`/rounds/${first}/close`, { confirmed: '1' })).status).toBe(303);

  second = await openRound('九月第二轮', '2026-09-10', '2026-09-14');
  await importSheets(second, {
    // X1: A02-3 again, 2 cases → 2 × 1 = 2, a repeat from the first round ×2 → 4, more than its
    //     3 points: earns 0, loses 3. F02-1 (2 points) 不适用: left out of both.
    //     earned 42 − 2 − 3 = 37, possible 42 − 2 = 40 → 37 / 40 = 92.50 %;
    //     及格率 17 met of 18 counted = 94.44 %; 1 problem.
    [X1]: { 'A02-3': { result: '不符合', cases: 2 }, 'F02-1': { result: '不适用' } },
    // X2: C02-3 (pass/fail, 1 point) 不符合 → loses 1; F01-2 (grade, 2 points, C from 2 cases)
    //     2 cases → C, loses 2 × 0.67 = 1.34. earned 42 − 2.34 = 39.66 → 39.66 / 42 = 94.43 %;
    //     及格率 17 / 19 = 89.47 %; 2 problems. (Neither failed here in the first round: no repeat.)
    [X2]: { 'C02-3': { result: '不符合' }, 'F01-2': { result: '不符合', cases: 2 } },
    // X3: F01-1 (0.5 a case, 2 points) 3 cases → 1.5; F02-2 (0.5 a case, 2 points) 10 cases → 5,
    //     capped at its 2 points; H01-2 (grade, 3 points, C# from 3 cases) 3 cases → C#, keeps 0 %:
    //     loses 3; G01-1 (grade, 3 points, B from 1 case) 1 case → B, keeps 66 %: loses 1.02.
    //     earned 42 − 1.5 − 2 − 3 − 1.02 = 34.48 → 34.48 / 42 = 82.10 %; 及格率 15 / 19 = 78.95 %.
    [X3]: {
      'F01-1': { result: '不符合', cases: 3 },
      'F02-2': { result: '不符合', cases: 10 },
      'H01-2': { result: '不符合', cases: 3 },
      'G01-1': { result: '不符合', cases: 1 },
    },
  });
});
afterAll(async () => {
  await app?.destroy();
});

/** the table row that links to `href`, as its cells' texts */
const cells = (html: string, href: string): string[] => {
  const at = html.indexOf(`href="${href}"`);
  expect(at, `a link to ${href}`).toBeGreaterThan(-1);
  const row = html.slice(html.lastIndexOf('<tr', at), html.indexOf('</tr>', at));
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
};
const idOf = (html: string, kind: 'streets' | 'communities', name: string): number =>
  Number(new RegExp(`results/${kind}/(\\d+)">${name}<`).exec(html)![1]);
const listItems = (html: string, heading: string) => {
  const start = html.indexOf(`<h2>${heading}</h2>`);
  const section = html.slice(start, html.indexOf('</section>', start));
  return [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
};

describe('the office reads the second round', () => {
  it('ranks the 社区 and 镇街 with the hand-worked 得分率, scores, movement and lists', async () => {
    const page = await office.get(`/rounds/${second}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('暂定结果：计入已提交 0 份、已审核 3 份测评表');
    expect(page.text).toContain('“较上轮”对比：九月第一轮');
    const base = `/rounds/${second}/results`;
    const community = (name: string) =>
      cells(page.text, `${base}/communities/${idOf(page.text, 'communities', name)}`);
    const street = (name: string) => cells(page.text, `${base}/streets/${idOf(page.text, 'streets', name)}`);
    // 名次, 镇街, 社区, 得分率, 得分 / 应得分, 及格率, 问题数, 已评点位, 较上轮 (first round: 1st → 2nd), 榜
    expect(community('和平社区')).toEqual([
      '1',
      '东湖街道',
      '和平社区',
      '94.43%',
      '39.66 / 42',
      '89.47%',
      '2',
      '1/1',
      '↑1',
      '红榜',
    ]);
    expect(community('幸福社区')).toEqual([
      '2',
      '东湖街道',
      '幸福社区',
      '92.50%',
      '37 / 40',
      '94.44%',
      '1',
      '1/1',
      '↓1',
      '红榜',
    ]);
    expect(community('朝阳社区')).toEqual([
      '3',
      '西城街道',
      '朝阳社区',
      '82.10%',
      '34.48 / 42',
      '78.95%',
      '4',
      '1/1',
      '—',
      '黑榜',
    ]);
    // a 社区 with no sheet counted has no 得分率 and no place
    expect(community('湖滨社区')).toEqual([
      '未排名',
      '东湖街道',
      '湖滨社区',
      '—',
      '0 / 0',
      '—',
      '0',
      '0/1',
      '—',
      '',
    ]);
    // 东湖街道: X1 + X2 pooled: (37 + 39.66) / (40 + 42) = 76.66 / 82 = 93.49 %;
    //   及格率 (17 + 17) / (18 + 19) = 34 / 37 = 91.89 %; 3 problems; 2 of its 4 sites evaluated
    //   (the round has one 党群服务中心 per 社区); 1st in both rounds: 持平.
    expect(street('东湖街道')).toEqual([
      '1',
      '东湖街道',
      '93.49%',
      '76.66 / 82',
      '91.89%',
      '3',
      '2/4',
      '持平',
      '红榜',
    ]);
    // 西城街道: X3 alone, 82.10 %, below 85 %: 黑榜; not ranked in the first round: —
    expect(street('西城街道')).toEqual([
      '2',
      '西城街道',
      '82.10%',
      '34.48 / 42',
      '78.95%',
      '4',
      '1/3',
      '—',
      '黑榜',
    ]);
    expect(listItems(page.text, '红榜')).toEqual([
      '镇街 · 东湖街道 93.49%（第 1 名）',
      '社区 · 东湖街道 · 和平社区 94.43%（第 1 名）',
      '社区 · 东湖街道 · 幸福社区 92.50%（第 2 名）',
    ]);
    expect(listItems(page.text, '黑榜')).toEqual([
      '镇街 · 西城街道 82.10%（第 2 名）',
      '社区 · 西城街道 · 朝阳社区 82.10%（第 3 名）',
    ]);
  });

  it('shows a 社区 and a site with the same hand-worked numbers, the repeat marked', async () => {
    const index = await office.get(`/rounds/${second}/results`);
    const xingfu = idOf(index.text, 'communities', '幸福社区');
    const page = await office.get(`/rounds/${second}/results/communities/${xingfu}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(
      /<h1>幸福社区 <small class="muted">东湖街道 · 第 2 名 · 得分率 92.50%<\/small><\/h1>/,
    );
    expect(page.text).toContain('<dd>37 / 40</dd>');
    expect(page.text).toContain('<dd>94.44%</dd>');
    expect(page.text).toContain('<dd>↓1</dd>');
    const x1 = siteIds.get(X1)!;
    // 点位, 类型, 得分率, 得分 / 应得分, 及格率, 问题数, 已评标准 (19 answered, 不适用 included)
    expect(cells(page.text, `/rounds/${second}/results/sites/${x1}`)).toEqual([
      X1,
      '社区办公场所/党群服务中心',
      '92.50%',
      '37 / 40',
      '94.44%',
      '1',
      '19',
    ]);

    const site = await office.get(`/rounds/${second}/results/sites/${x1}`);
    expect(site.status).toBe(200);
    expect(site.text).toContain('得分率 92.50%');
    expect(site.text).toContain('Excel 导入（第三方结果.xlsx）');
    const row = (code: string) => {
      const at = site.text.indexOf(`<b>${code}</b>`);
      const tr = site.text.slice(site.text.lastIndexOf('<tr', at), site.text.indexOf('</tr>', at));
      return [...tr.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
        m[1]!
          .replace(/<div[\s\S]*?<\/div>/g, '')
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      );
    };
    // A02-3: 2 cases × 1 × 2 (repeat) = 4, capped at 3: 0 of 3
    expect(row('A02-3').slice(1, 4)).toEqual(['不符合 反复出现', '0 / 3', '3']);
    expect(row('F02-1').slice(1, 4)).toEqual(['不适用', '不计分', '']);
    // B01-3 (grade): met, A
    expect(row('B01-3').slice(1, 4)).toEqual(['符合（A）', '2 / 2', '']);
  });

  it('lists the weak spots with the hand-worked losses', async () => {
    const page = await office.get(`/rounds/${second}/results/weak`);
    expect(page.status).toBe(200);
    const table = (heading: string) => {
      const start = page.text.indexOf(`<h2>${heading}</h2>`);
      const html = page.text.slice(start, page.text.indexOf('</table>', start));
      return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
        .map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!))
        .filter((r) => r.length)
        .map(([first, ...rest]) => [/<b>([^<]+)<\/b>/.exec(first!)?.[1] ?? first!, ...rest]);
    };
    // points lost per standard, from the comments above: A02-3 3 (X1), H01-2 3, F02-2 2, F01-1 1.5
    // (X3), F01-2 1.34, C02-3 1 (X2), G01-1 1.02 (X3); by loss, then failures, then version order
    const standards = table('失分最多的测评标准');
    expect(standards.slice(0, 7)).toEqual([
      ['A02-3', '3', '1'],
      ['H01-2', '3', '1'],
      ['F02-2', '2', '1'],
      ['F01-1', '1.5', '1'],
      ['F01-2', '1.34', '1'],
      ['G01-1', '1.02', '1'],
      ['C02-3', '1', '1'],
    ]);
    // then the other 12 of the 19 standards, all met: nothing lost
    expect(standards.slice(7).map((r) => r.slice(1))).toEqual(Array(12).fill(['0', '0']));
    // 7 failing of 18 + 19 + 19 = 56 answers counted: 12.50 %, at 3 sites
    expect(table('点位类型问题发生率')).toEqual([['社区办公场所/党群服务中心', '12.50%', '56', '3']]);
  });

  it('writes the same numbers into the rankings workbook', async () => {
    const wb = await download(office, `/rounds/${second}/rankings.xlsx`);
    const values = (sheet: string, n: number) =>
      (wb.getWorksheet(sheet)!.getRow(n).values as unknown[])
        .slice(1)
        .map((v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v));
    // 名次, 镇街, 社区, 得分率, 得分, 应得分, 及格率, 问题数, 较上轮, 红黑榜 — rates as fractions
    expect(values('社区排名', 4)).toEqual([
      1,
      '东湖街道',
      '和平社区',
      0.944286,
      39.66,
      42,
      0.894737,
      2,
      '上升1',
      '红榜',
    ]);
    expect(values('社区排名', 5)).toEqual([
      2,
      '东湖街道',
      '幸福社区',
      0.925,
      37,
      40,
      0.944444,
      1,
      '下降1',
      '红榜',
    ]);
    expect(values('社区排名', 6)).toEqual([
      3,
      '西城街道',
      '朝阳社区',
      0.820952,
      34.48,
      42,
      0.789474,
      4,
      '—',
      '黑榜',
    ]);
    expect(values('社区排名', 7)[0]).toBe('未排名');
    expect(values('镇街排名', 4)).toEqual([1, '东湖街道', 0.934878, 76.66, 82, 0.918919, 3, '持平', '红榜']);
    expect(values('镇街排名', 5)).toEqual([2, '西城街道', 0.820952, 34.48, 42, 0.789474, 4, '—', '黑榜']);
  });
});

describe('a 社区 unit reads its part', () => {
  it('is told to wait before the round is published, then sees its 社区 and site with the same numbers', async () => {
    const unit = await as('xingfu');
    const waiting = await unit.get(`/rounds/${second}/results`);
    expect(waiting.status).toBe(403);
    expect(waiting.text).toContain('本轮结果尚未发布');
    expect(waiting.text).toContain('创城办发布本轮结果后，可以在这里查看本单位的排名和红黑榜。');

    // the other ten sites left out, the round closes and is published
    await excludeTheRest(second, [X1, X2, X3]);
    await office.get(`/rounds/${second}`);
    expect((await office.post(`/rounds/${second}/close`, { confirmed: '1' })).status).toBe(303);
    await office.get(`/rounds/${second}`);
    expect((await office.post(`/rounds/${second}/publish`, { confirmed: '1' })).status).toBe(303);

    const page = await unit.get(`/rounds/${second}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('最终结果：计入已审核 3 份测评表');
    const xingfu = idOf(page.text, 'communities', '幸福社区');
    expect(cells(page.text, `/rounds/${second}/results/communities/${xingfu}`)).toEqual([
      '2',
      '东湖街道',
      '幸福社区',
      '92.50%',
      '37 / 40',
      '94.44%',
      '1',
      '1/1',
      '↓1',
      '红榜',
    ]);
    expect(page.text).not.toContain('和平社区');
    expect(cells(page.text, `/rounds/${second}/results/sites/${siteIds.get(X1)}`)).toEqual([
      X1,
      '社区办公场所/党群服务中心',
      '92.50%',
      '37 / 40',
      '94.44%',
      '1',
      '19',
    ]);
  });
});
