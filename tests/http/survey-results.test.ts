// The office's survey results page and its two workbooks, on a round of district-2026-2 with 实地考察 and
// 问卷调查 and answers put in known states. The shipped questionnaire: minValid 30 (belowMinimum 'score'),
// target 50 per 社区; D02-5 scores Q4, E02-5 scores Q5 (3 points each, full at ≥ 85 %, 0.5 off per
// percentage point below); 知晓率 = Q1, Q2 (知道 / 听说过 count; 知道一部分 or more); 参与率 = Q3 (any
// activity); 满意度 = Q4, Q5 (满意 100, 基本满意 80, 不满意 0). z = 1.96.
//
// 社区 A (target set to 40): 40 valid answers, i = 0…39 —
//   Q1/Q2: i < 30 know/all (x = 1), 30–33 heard/none (x = ½), 34–39 unknown/none (x = 0)
//   Q4/Q5: i < 20 satisfied/satisfied, 20–35 fair/satisfied, 36–39 unsatisfied/fair
//   Q3: i < 10 志愿服务 + 环境卫生整治, 10–15 道德讲堂, the rest 都没有参加过
//   30 public, 10 入户; i = 5 was flagged 'fast' and cleared (counts). Beside them, not counted: 2 flagged
//   and not cleared, 1 voided, 2 screened out (all with the worst answers, so counting one would show).
// 社区 B (same 镇街, default target 50): 10 valid answers — Q1 know, Q2 half all / half none, Q4 fair,
//   Q5 satisfied, Q3 nothing; 10 < 30 → 样本不足, still scored.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { userIdOf, versionIdOf } from '../helpers/ids.ts';
import { cellXml } from '../helpers/xlsx.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { listCommunities } from '../../src/db/repos/places.ts';
import {
  clearSurveyResponse,
  insertSurveyResponse,
  setSurveyTarget,
  voidSurveyResponse,
  type NewSurveyResponse,
} from '../../src/db/repos/surveys.ts';
import { surveyResults } from '../../src/services/survey-results.ts';

let app: TestApp;
let office: Client;
let roundId: number;
let draftId: number;
let fieldOnlyId: number;
const A = { id: 0, name: '' };
const B = { id: 0, name: '' };
let streetName = '';

const SCREEN = { S1: '18-40', S2: 'gt3y' };
const WORST = { ...SCREEN, Q1: 'unknown', Q2: 'none', Q3: ['nothing'], Q4: 'unsatisfied', Q5: 'unsatisfied' };

function answerA(i: number): Record<string, unknown> {
  return {
    ...SCREEN,
    Q1: i < 30 ? 'know' : i < 34 ? 'heard' : 'unknown',
    Q2: i < 30 ? 'all' : 'none',
    Q3: i < 10 ? ['cleanup', 'volunteer'] : i < 16 ? ['lecture'] : ['nothing'],
    Q4: i < 20 ? 'satisfied' : i < 36 ? 'fair' : 'unsatisfied',
    Q5: i < 36 ? 'satisfied' : 'fair',
    ...(i === 0 ? { Q6: '=HYPERLINK("http://evil.example","点我")' } : i === 1 ? { Q6: '希望多种树' } : {}),
  };
}

function newRound(name: string, methods: string[], open = true): number {
  const { db, criteria } = app.booted;
  const id = createRound({ db, criteria }, SYSTEM, {
    name,
    criteriaVersionId: versionIdOf(db, 'district-2026-2'),
    startsOn: '2026-11-20',
    endsOn: '2026-11-30',
    selection: { mode: 'all' },
    methods,
  });
  if (open) openRound(db, SYSTEM, id);
  return id;
}

beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  const { db, criteria } = app.booted;
  roundId = newRound('2026年11月 问卷测评', ['field', 'survey']);
  draftId = newRound('草稿问卷轮次', ['field', 'survey'], false);
  fieldOnlyId = newRound('只有实地考察', ['field']);
  const round = findRoundById(db, roundId)!;
  // two 社区 of one 镇街 in the round
  const places = surveyResults(db, criteria, round)!.communities;
  const street = places.find((x) => places.some((y) => y !== x && y.streetId === x.streetId))!.streetId;
  const [a, b] = places.filter((c) => c.streetId === street);
  const names = new Map(listCommunities(db).map((c) => [c.id, c.name]));
  Object.assign(A, { id: a!.id, name: names.get(a!.id) });
  Object.assign(B, { id: b!.id, name: names.get(b!.id) });
  streetName = scalar(db, 'SELECT name FROM streets WHERE id = ?', street) as string;
  setSurveyTarget(db, roundId, A.id, 40);
  const inspector = userIdOf(db, 'inspector1');
  let device = 0;
  const add = (
    communityId: number,
    answers: Record<string, unknown>,
    over: Partial<NewSurveyResponse> = {},
  ) =>
    insertSurveyResponse(db, {
      roundId,
      communityId,
      questionnaireId: round.questionnaire_id ?? findRoundById(db, roundId)!.questionnaire_id!,
      channel: 'public',
      deviceId: `device-${++device}`,
      userId: null,
      startedAt: '2026-11-20T02:00:00.000Z',
      submittedAt: '2026-11-20T02:05:00.000Z',
      seconds: 300,
      screenedOut: false,
      answers,
      fingerprint: `f${device}`,
      flags: [],
      addrHash: null,
      ...over,
    })!;
  const interviewer = { channel: 'interviewer' as const, deviceId: null, userId: inspector };
  for (let i = 0; i < 40; i++) {
    const id = add(A.id, answerA(i), {
      ...(i >= 30 ? interviewer : {}),
      ...(i === 5 ? { flags: ['fast' as const], seconds: 12 } : {}),
    });
    if (i === 5) clearSurveyResponse(db, id, null);
  }
  add(A.id, WORST, { flags: ['fast'], seconds: 9 });
  add(A.id, WORST, { flags: ['burst'] });
  voidSurveyResponse(db, add(A.id, WORST), null, '同一住户重复填写');
  add(A.id, { S1: 'under18' }, { screenedOut: true });
  add(A.id, { S1: '18-40', S2: 'lt6m' }, { screenedOut: true });
  // 社区 B answered on the evening of the 20th UTC: the 21st in Shanghai
  for (let i = 0; i < 10; i++)
    add(
      B.id,
      { ...SCREEN, Q1: 'know', Q2: i < 5 ? 'all' : 'none', Q3: ['nothing'], Q4: 'fair', Q5: 'satisfied' },
      { submittedAt: '2026-11-20T17:00:00.000Z' },
    );
});
afterAll(async () => {
  await app.destroy();
});

/** The text of a row whose first cell starts with `name` in the tables of a class, tags dropped, spaces collapsed. */
function rowText(html: string, tableClass: string, name: string): string {
  const tables = html.matchAll(
    new RegExp(`<table class="[^"]*\\b${tableClass}\\b[^"]*">([\\s\\S]*?)</table>`, 'g'),
  );
  const rows = [...tables].flatMap((t) =>
    [...t[1]!.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
      m[1]!
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  );
  const row = rows.find((r) => r.startsWith(name));
  if (!row) throw new Error(`no row ${name} in ${tableClass}:\n${rows.join('\n')}`);
  return row;
}

describe('the results page', () => {
  it('shows each 社区 its valid answers, rates with margins and n, standards’ rates and points', async () => {
    const page = await office.get(`/rounds/${roundId}/surveys/results`);
    expect(page.status).toBe(200);
    const html = page.text;
    // columns: 有效答卷, 知晓率, 参与率, 满意度 (first-question order), D02-5, E02-5, 问卷得分
    // 知晓率 A = (Q1 34/40 + Q2 30/40) / 2 = 80.0 %; each answer's mean: 1 ×30, ½ ×4, 0 ×6 → Σx² = 31,
    //   s² = (31 − 40·0.64)/39 = 0.138462, half = 1.96·0.372104/√40 = 0.115316 → ±11.5
    // 参与率 A = 16/40 = 40.0 %, Wilson 26.3 %–55.4 %
    // 满意度 A = (Q4 0.82 + Q5 0.98) / 2 = 90.0 %; answers' means 1 ×20, 0.9 ×16, 0.4 ×4 → Σx² = 33.6,
    //   s² = (33.6 − 40·0.81)/39 = 0.030769, half = 1.96·0.175412/√40 = 0.054361 → ±5.4
    // D02-5: Q4 (20 + 16·0.8)/40 = 82.0 %, 3 points below 85 % → 3 − 1.5 = 1.5; E02-5: Q5 98.0 % → 3
    expect(rowText(html, 'survey-figures', A.name)).toBe(
      `${A.name} ${streetName} 40 80.0% ±11.5 个百分点 n = 40 40.0% 区间 26.3%–55.4% n = 40 ` +
        `90.0% ±5.4 个百分点 n = 40 82.0% 1.5 / 3 98.0% 3 / 3 4.5 / 6`,
    );
    // B: 知晓率 (1 + 0.5)/2 = 75.0 %, answers' means 1 ×5, ½ ×5 → s² = 0.069444, half = 0.163333 → ±16.3
    //   参与率 0/10, Wilson 0.0 %–27.8 %; 满意度 every answer 0.9 → ±0.0
    //   D02-5: 80 % is 5 below → 3 − 2.5 = 0.5; E02-5 100 % → 3; 样本不足 (10 < 30) yet scored
    expect(rowText(html, 'survey-figures', B.name)).toBe(
      `${B.name} 样本不足 ${streetName} 10 75.0% ±16.3 个百分点 n = 10 0.0% 区间 0.0%–27.8% n = 10 ` +
        `90.0% ±0.0 个百分点 n = 10 80.0% 0.5 / 3 100.0% 3 / 3 3.5 / 6`,
    );
  });

  it('pools the 镇街 and the district from the answers, not the mean of the 社区 rates', async () => {
    const html = (await office.get(`/rounds/${roundId}/surveys/results`)).text;
    // 50 answers. 知晓率: Q1 44/50 = 0.88, Q2 35/50 = 0.70 → 79.0 % (the 社区' mean would be 77.5 %);
    //   answers' means: 1 ×35, ½ ×9, 0 ×6 → ±9.7. 参与率 16/50 = 32.0 %, Wilson 20.8 %–45.8 %.
    //   满意度 (Q4 0.816 + Q5 0.984)/2 = 90.0 %, ±4.3. D02-5: Q4 40.8/50 = 81.6 % (the 社区' mean
    //   81 %), 3.4 below → 3 − 1.7 = 1.3; E02-5 98.4 % → 3.
    const pooled = `50 79.0% ±9.7 个百分点 n = 50 32.0% 区间 20.8%–45.8% n = 50 90.0% ±4.3 个百分点 n = 50 81.6% 1.3 / 3 98.4% 3 / 3 4.3 / 6`;
    expect(rowText(html, 'survey-figures', streetName)).toBe(`${streetName} ${pooled}`);
    expect(rowText(html, 'survey-figures', '全区')).toBe(`全区 ${pooled}`);
    // a 社区 of the round without answers earns 0, 样本不足, never unscored
    expect(html).toMatch(/样本不足<\/span><\/td>\s*<td class="nowrap">[^<]*<\/td>\s*<td class="num">0<\/td>/);
    expect(html).toContain('0 / 3');
  });

  it('shows progress against the targets, the furthest behind first, and valid answers per day', async () => {
    const html = (await office.get(`/rounds/${roundId}/surveys/results`)).text;
    // A: 40 of its target 40, 2 flagged (the cleared one counts), 1 voided, 2 screened out, 10 入户
    expect(rowText(html, 'survey-progress', A.name)).toBe(`${A.name} ${streetName} 40 40 100% 2 1 2 10`);
    // its 2 待核实 lead to the answers list cut to them
    const flagged = `/rounds/${roundId}/surveys/answers?community=${A.id}&state=flagged`;
    expect(html).toContain(`<a href="${flagged.replace('&', '&amp;')}" title="查看并核实">2</a>`);
    expect((await office.get(flagged)).status).toBe(200);
    const behind = /<h2>未达样本目标<\/h2>([\s\S]*?)<h2>/.exec(html)![1]!;
    expect(behind).not.toContain(`>${A.name} `);
    expect(rowText(behind, 'survey-progress', B.name)).toBe(
      `${B.name} 未达目标 ${streetName} 10 50 20% 0 0 0 0`,
    );
    // the 社区 with nothing (0 %) come before B (20 %)
    const order = [
      ...behind.matchAll(/<td class="nowrap">([^<]+?) <span class="badge red-badge">未达目标/g),
    ].map((m) => m[1]);
    expect(order.at(-1)).toBe(B.name);
    expect(order.length).toBeGreaterThan(1);
    // per day (Asia/Shanghai): A's 40 on the 20th, B's 10 on the 21st (17:00 UTC the 20th)
    expect(rowText(html, 'survey-days', '2026-11-20')).toBe('2026-11-20 40 40');
    expect(rowText(html, 'survey-days', '2026-11-21')).toBe('2026-11-21 10 50');
    expect(html).toContain(`href="/rounds/${roundId}/surveys/answers.xlsx"`);
    expect(html).toContain(`href="/rounds/${roundId}/surveys/summary.xlsx"`);
  });

  it('refuses anyone but the office, a round without a survey and a draft, with a Chinese message', async () => {
    for (const who of ['inspector1', 'chengguan']) {
      const c = new Client(app.url);
      await c.login(who);
      for (const path of ['results', 'answers.xlsx', 'summary.xlsx']) {
        const r = await c.get(`/rounds/${roundId}/surveys/${path}`);
        expect(r.status).toBe(403);
        expect(r.text).toContain('问卷调查结果仅供创城办查看');
      }
    }
    const none = await office.get(`/rounds/${fieldOnlyId}/surveys/results`);
    expect(none.status).toBe(404);
    expect(none.text).toContain('本轮没有问卷调查');
    const draft = await office.get(`/rounds/${draftId}/surveys/summary.xlsx`);
    expect(draft.status).toBe(409);
    expect(draft.text).toContain('本轮尚未开启');
    expect((await office.get('/rounds/999999/surveys/results')).status).toBe(404);
    expect((await office.get('/rounds/abc/surveys/answers.xlsx')).status).toBe(404);
  });
});

async function workbook(path: string): Promise<{ buf: Buffer; wb: ExcelJS.Workbook }> {
  const r = await office.bytes(`/rounds/${roundId}/surveys/${path}`);
  expect(r.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(r.body as unknown as ArrayBuffer);
  return { buf: r.body, wb };
}

/** A row's cells from column A, an empty cell as null. */
const values = (row: ExcelJS.Row) => Array.from(row.values as unknown[], (v) => v ?? null).slice(1);

describe('the answers workbook', () => {
  it('has one row per answer with its state, flags, void reason and the answers in words', async () => {
    const { buf, wb } = await workbook('answers.xlsx');
    const ws = wb.getWorksheet('答卷')!;
    const header = values(ws.getRow(1));
    expect(header.slice(0, 9)).toEqual([
      '答卷编号',
      '镇街',
      '社区',
      '渠道',
      '提交时间',
      '用时（秒）',
      '状态',
      '标记',
      '作废原因',
    ]);
    expect(header.slice(9)).toEqual([
      'S1 请问您的年龄是？',
      'S2 您在本社区居住（或工作）有多长时间了？',
      'Q1 您是否知道清河区正在创建全国文明城市？',
      'Q2 您知道社会主义核心价值观的基本内容吗？',
      'Q3 过去一年，您参加过以下哪些文明创建活动？（可多选）',
      'Q4 您对您所在区域农贸市场、商店的经营秩序和食品安全状况是否满意？',
      'Q5 您对您所在区域道路上车辆行驶、停放和行人过街的交通秩序是否满意？',
      'Q6 您对文明城市创建工作还有什么意见和建议？',
    ]);
    const rows: unknown[][] = [];
    ws.eachRow((row, n) => n > 1 && rows.push(values(row)));
    expect(rows).toHaveLength(55);
    const states = rows.map((r) => r[6]);
    expect(states.filter((s) => s === '有效')).toHaveLength(49);
    expect(states.filter((s) => s === '已核实有效')).toHaveLength(1);
    expect(states.filter((s) => s === '待核实')).toHaveLength(2);
    expect(states.filter((s) => s === '已作废')).toHaveLength(1);
    expect(states.filter((s) => s === '甄别未通过')).toHaveLength(2);
    // the first answer: public, a multiple choice joined with 、 in option order as stored
    expect(rows[0]!.slice(1, 4)).toEqual([streetName, A.name, '扫码自答']);
    expect(rows[0]!.slice(9, 16)).toEqual([
      '18—40岁',
      '3年以上',
      '知道',
      '知道，能说出大部分内容',
      '环境卫生整治、志愿服务',
      '满意',
      '满意',
    ]);
    expect(rows[1]![16]).toBe('希望多种树');
    expect(rows[5]!.slice(5, 8)).toEqual([12, '已核实有效', '答题用时过短']);
    expect(rows[30]![3]).toBe('入户调查');
    const flagged = rows.find((r) => r[6] === '待核实' && r[7] === '短时间内多份相同答案')!;
    expect(flagged[11]).toBe('不知道');
    expect(rows.find((r) => r[6] === '已作废')![8]).toBe('同一住户重复填写');
    const screened = rows.filter((r) => r[6] === '甄别未通过');
    expect(screened.map((r) => [r[9], r[10] ?? null, r[11] ?? null])).toEqual([
      ['18岁以下', null, null],
      ['18—40岁', '不满6个月', null],
    ]);
    // the resident's formula stays text: the literal string, with the Text format and quotePrefix
    expect(rows[0]![16]).toBe('=HYPERLINK("http://evil.example","点我")');
    const cell = cellXml(buf, '答卷', 'Q2');
    expect(cell.text?.replace(/&quot;/g, '"')).toBe('=HYPERLINK("http://evil.example","点我")');
    expect(cell.xf).toContain('quotePrefix="1"');
    expect(cell.xf).toContain('numFmtId="49"');
  });
});

describe('the answers workbook asked with HEAD (a download manager checking the link)', () => {
  it('answers 200 with the file named after the round', async () => {
    const cookie = [...office.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${app.url}/rounds/${roundId}/surveys/answers.xlsx`, {
      method: 'HEAD',
      headers: { cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(
      encodeURIComponent('问卷答卷-2026年11月 问卷测评.xlsx'),
    );
  });
});

describe('the summary workbook', () => {
  it('has the figures per district, 镇街 and 社区, per question and each option’s count', async () => {
    const { wb } = await workbook('summary.xlsx');
    const rows = (name: string) => {
      const out: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((row, n) => n > 1 && out.push(values(row)));
      return out;
    };
    const summary = rows('汇总');
    const district = summary.find((r) => r[0] === '全区')!;
    // 有效答卷, 目标 (none), 样本不足 (no), 知晓率 …, then D02-5 rate, points, possible …
    expect(district.slice(3, 6)).toEqual([50, null, null]);
    expect(district[6]).toBeCloseTo(0.79, 10);
    expect(district[9]).toBe(50);
    expect(district.slice(18, 24)).toEqual([
      expect.closeTo(0.816, 10),
      1.3,
      3,
      expect.closeTo(0.984, 10),
      3,
      3,
    ]);
    expect(district.slice(24)).toEqual([4.3, 6]);
    const b = summary.find((r) => r[2] === B.name)!;
    expect(b.slice(0, 6)).toEqual(['社区', streetName, B.name, 10, 50, '是']);
    expect(b.slice(24)).toEqual([3.5, 6]);
    const a = summary.find((r) => r[2] === A.name)!;
    expect(a.slice(3, 6)).toEqual([40, 40, null]);
    // 参与率 A: 0.4, Wilson 0.263481 – 0.554044, n 40
    expect(a[10]).toBeCloseTo(0.4, 10);
    expect(a[11]).toBeCloseTo(0.263481, 5);
    expect(a[12]).toBeCloseTo(0.554044, 5);
    expect(a[13]).toBe(40);

    const q4a = rows('题目').find((r) => r[2] === A.name && r[3] === 'Q4')!;
    // Q4 A: n 40, 0.82 ± 1.96·0.292820/√40 = 0.090746
    expect(q4a.slice(5, 7)).toEqual(['满意度', 40]);
    expect(q4a[7]).toBeCloseTo(0.82, 10);
    expect(q4a[8]).toBeCloseTo(0.729254, 5);
    expect(q4a[9]).toBeCloseTo(0.910746, 5);

    const options = rows('选项');
    const count = (place: string, q: string, label: string) =>
      options.find((r) => (r[2] || r[1] || r[0]) === place && r[3] === q && r[5] === label)?.slice(6);
    expect(count(A.name, 'Q4', '满意')).toEqual([20, 0.5]);
    expect(count(A.name, 'Q4', '基本满意')).toEqual([16, 0.4]);
    expect(count(A.name, 'Q3', '志愿服务')).toEqual([10, 0.25]);
    expect(count(A.name, 'Q1', '听说过，但不太了解')).toEqual([4, 0.1]);
    expect(count(streetName, 'Q1', '知道')).toEqual([40, 0.8]);
    expect(count('全区', 'Q3', '都没有参加过')).toEqual([34, 0.68]);
  });
});
