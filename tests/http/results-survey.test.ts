// Results of a round that counts field work and 问卷调查 (district-2026-2, pooled), numbers worked by hand.
// Three 社区党群服务中心 sites take part (every other site left out before the round opens), so the survey
// runs in 幸福 and 和平社区 (东湖街道) and 朝阳社区 (西城街道). The round starts before every demo round
// of the family: no previous round.
//
// Field (42 points at each site, weight 1): 幸福 42 / 42; 和平 C02-3 (合格制, 1) 不符合 → 41 / 42;
// 朝阳 F01-1 (0.5 a case) 3 cases → 40.5 / 42.
// Survey: D02-5 scores Q4, E02-5 scores Q5 (满意 100, 基本满意 80, 不满意 0), each 3 points, full at ≥ 85 %,
// 0.5 off per percentage point below, never below 0; fewer than 30 valid answers is 样本不足 but scored on
// the answers there are.
//   幸福 (4 answers): Q4 满意 ×3, 基本满意 → 95 % → 3; Q5 基本满意 ×4 → 80 % → 3 − 0.5 × 5 = 0.5; 3.5 / 6
//   和平 (2 answers): Q4 满意, 基本满意 → 90 % → 3; Q5 满意 ×2 → 100 % → 3;                      6 / 6
//   朝阳: no answers → 0 / 6
//   东湖街道 pools 6 answers: Q4 5.6 / 6 = 93.3 % → 3; Q5 5.2 / 6 = 86.7 % → 3: 6 / 6 (not 9.5 / 12)
//   西城街道 0 / 6; the district pools the same 6 answers as 东湖: 6 / 6.
// 综合得分率 = (E_f + E_s) ÷ (P_f + P_s):
//   和平 47 / 48 = 97.92 % → 1st; 幸福 45.5 / 48 = 94.79 % → 2nd (1st on field alone); 朝阳 40.5 / 48 =
//   84.38 % → 3rd. 东湖 (83 + 6) / (84 + 6) = 89 / 90 = 98.89 %; 西城 40.5 / 48 = 84.38 %.
//   District: field 123.5 / 126 = 98.02 %, survey 6 / 6, total 129.5 / 132 = 98.11 %.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { userIdOf, versionIdOf } from '../helpers/ids.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { closeRound, publishRound } from '../../src/services/round-lifecycle.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { insertInspection, markApproved, upsertAnswers } from '../../src/db/repos/inspections.ts';
import { clearSurveyResponse, insertSurveyResponse, voidSurveyResponse } from '../../src/db/repos/surveys.ts';

let app: TestApp;
let office: Client;
let roundId: number;
let device = 0;

const SITES = {
  幸福社区: '幸福社区党群服务中心',
  和平社区: '和平社区党群服务中心',
  朝阳社区: '朝阳社区党群服务中心',
};
type Place = keyof typeof SITES;

const idBy = (sql: string, name: string): number => app.booted.db.prepare(sql).pluck().get(name) as number;
const communityId = (name: Place) => idBy('SELECT id FROM communities WHERE name = ?', name);

/** One valid answer (or a flagged one) from a phone in a 社区: Q4 and Q5 as given. */
function answer(place: Place, q4: string, q5: string, flags: ('fast' | 'burst')[] = []): number {
  const { db } = app.booted;
  const round = findRoundById(db, roundId)!;
  return insertSurveyResponse(db, {
    roundId,
    communityId: communityId(place),
    questionnaireId: round.questionnaire_id!,
    channel: 'public',
    deviceId: `device-${++device}`,
    userId: null,
    startedAt: '2026-01-10T02:00:00.000Z',
    submittedAt: '2026-01-10T02:03:00.000Z',
    seconds: 180,
    screenedOut: false,
    answers: { S1: '18-40', S2: 'gt3y', Q1: 'know', Q2: 'some', Q3: ['volunteer'], Q4: q4, Q5: q5 },
    fingerprint: `${place}|${q4}|${q5}|${device}`,
    flags,
    addrHash: null,
  })!;
}

/** A field sheet, approved: every standard of the site's type 符合 except those given (cases). */
function fieldSheet(place: Place, failed: Record<string, number>): void {
  const { db, criteria } = app.booted;
  const round = findRoundById(db, roundId)!;
  const siteId = idBy('SELECT id FROM sites WHERE name = ?', SITES[place]);
  const sheet = insertInspection(db, roundId, siteId, null);
  const standards = criteria.get(round.criteria_version_id).forSiteType('community_office');
  upsertAnswers(
    db,
    sheet.id,
    standards.map((s) => ({
      standardCode: s.code,
      result: s.code in failed ? 'fail' : 'ok',
      cases: failed[s.code] ?? 0,
      fixedCases: 0,
      grade: null,
      note: '',
    })),
    userIdOf(db, 'office'),
  );
  markApproved(db, sheet.id, userIdOf(db, 'office'));
}

beforeAll(async () => {
  app = await startApp();
  const { db, criteria } = app.booted;
  roundId = createRound({ db, criteria }, SYSTEM, {
    name: '一月问卷测评',
    criteriaVersionId: versionIdOf(db, 'district-2026-2'),
    startsOn: '2026-01-05',
    endsOn: '2026-01-30',
    selection: { mode: 'types', types: ['community_office'] },
    methods: ['field', 'survey'],
  });
  db.prepare(
    `UPDATE round_sites SET excluded_reason = '本轮只测部分点位'
     WHERE round_id = ? AND site_id NOT IN (SELECT id FROM sites WHERE name IN (?, ?, ?))`,
  ).run(roundId, ...Object.values(SITES));
  openRound(db, SYSTEM, roundId);
  fieldSheet('幸福社区', {});
  fieldSheet('和平社区', { 'C02-3': 1 });
  fieldSheet('朝阳社区', { 'F01-1': 3 });
  for (const q4 of ['satisfied', 'satisfied', 'satisfied', 'fair']) answer('幸福社区', q4, 'fair');
  answer('和平社区', 'satisfied', 'satisfied');
  answer('和平社区', 'fair', 'satisfied');
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app?.destroy();
});

/** The texts of the cells of the table row whose link reads `name` (the first such row). */
function rowOf(html: string, name: string): string[] {
  const link = html.search(new RegExp(`<a href="[^"]+">${name}</a>`));
  expect(link, name).toBeGreaterThan(-1);
  const tr = html.slice(html.lastIndexOf('<tr', link), html.indexOf('</tr>', link));
  return tr
    .split(/<td[^>]*>/)
    .slice(1)
    .map((td) => td.replace(/<[^>]+>/g, '').trim());
}

const resultsPage = async () => {
  const page = await office.get(`/rounds/${roundId}/results`);
  expect(page.status).toBe(200);
  return page.text;
};

describe('the results page of a round over field work and 问卷调查', () => {
  it('ranks on the 综合得分率 with a 问卷调查 column beside 实地考察', async () => {
    const html = await resultsPage();
    expect(html).toMatch(
      /<th class="num">综合得分率<\/th><th class="num">实地考察<\/th><th class="num">问卷调查<\/th>/,
    );
    // 名次, 镇街, 社区, 综合得分率, 实地考察, 问卷调查, 问题数
    expect(rowOf(html, '和平社区').slice(0, 7)).toEqual([
      '1',
      '东湖街道',
      '和平社区',
      '97.92%',
      '97.62%',
      '100.00%',
      '1',
    ]);
    expect(rowOf(html, '幸福社区').slice(0, 6)).toEqual([
      '2',
      '东湖街道',
      '幸福社区',
      '94.79%',
      '100.00%',
      '58.33%',
    ]);
    expect(rowOf(html, '朝阳社区').slice(0, 6)).toEqual([
      '3',
      '西城街道',
      '朝阳社区',
      '84.38%',
      '96.43%',
      '0.00%',
    ]);
    // 镇街: the pooled answers give 东湖 6 of 6, not (3.5 + 6) / 12
    expect(rowOf(html, '东湖街道').slice(0, 5)).toEqual(['1', '东湖街道', '98.89%', '98.81%', '100.00%']);
    expect(rowOf(html, '西城街道').slice(0, 5)).toEqual(['2', '西城街道', '84.38%', '96.43%', '0.00%']);
    // no document column in a round without documents
    expect(html).not.toContain('待评分材料');
  });

  it('names the methods counted and the rule', async () => {
    const html = await resultsPage();
    expect(html).toContain(
      '计入方法：实地考察、问卷调查；合并计分：综合得分率 = (实地考察得分 + 问卷调查得分) ÷ (实地考察应得分 + 问卷调查应得分)',
    );
    expect(html).toContain('，有效问卷 6 份');
    expect(html).toContain(`href="/rounds/${roundId}/surveys/results"`);
  });

  it('gives a 社区 page its survey points', async () => {
    const html = await resultsPage();
    const href = new RegExp(`href="(/rounds/${roundId}/results/communities/\\d+)">幸福社区<`).exec(html)![1]!;
    const page = await office.get(href);
    expect(page.status).toBe(200);
    expect(page.text).toContain('综合得分率 94.79%');
    expect(page.text).toContain('<dt>问卷调查得分率</dt><dd>58.33%</dd>');
    expect(page.text).toMatch(/<dt>问卷调查得分 \/ 应得分<\/dt><dd>3.5 \/ 6 ·/);
  });
});

describe('the district page', () => {
  it('gives the survey subtotal beside the field’s and the total over both', async () => {
    const page = await office.get(`/rounds/${roundId}/results/district`);
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).toContain('综合得分率 98.11%');
    const line = (name: string) => {
      const at = html.indexOf(`<td class="nowrap">${name}</td>`);
      expect(at, name).toBeGreaterThan(-1);
      return html
        .slice(at, html.indexOf('</tr>', at))
        .split(/<td[^>]*>/)
        .slice(1)
        .map((td) => td.replace(/<[^>]+>/g, '').trim());
    };
    // 测评方法, 计入标准, 体系分值, 应得分, 得分, 得分率, 暂未计入
    expect(line('实地考察').slice(3)).toEqual(['126', '123.5', '98.02%', '—']);
    // two survey standards of 3 points, scored once from the district's pooled answers
    expect(line('问卷调查')).toEqual([
      '问卷调查',
      '2',
      '6',
      '6',
      '6',
      '100.00%',
      '有效问卷不足最低样本量（样本不足）',
    ]);
    expect(html).toMatch(/<td class="num" colspan="2">129.5 \/ 132<\/td>/);
    expect(html).toContain('全区有效问卷 6 份');
    expect(html).toContain(`href="/rounds/${roundId}/surveys/results"`);
    expect(html).not.toContain('部门和区级材料任务');
  });
});

describe('the rankings workbook', () => {
  it('has a 问卷调查 column in both ranking sheets', async () => {
    const res = await fetch(`${app.url}/rounds/${roundId}/rankings.xlsx`, {
      headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` },
    });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const communities = wb.getWorksheet('社区排名')!;
    expect((communities.getRow(3).values as unknown[]).slice(1, 11)).toEqual([
      '名次',
      '镇街',
      '社区',
      '实地考察',
      '问卷调查',
      '综合得分率',
      '实地考察得分',
      '实地考察应得分',
      '问卷调查得分',
      '问卷调查应得分',
    ]);
    const row = (ws: ExcelJS.Worksheet, r: number) => (ws.getRow(r).values as unknown[]).slice(1, 11);
    expect(row(communities, 4)).toEqual([1, '东湖街道', '和平社区', 41 / 42, 1, 47 / 48, 41, 42, 6, 6]);
    expect(row(communities, 5)).toEqual([2, '东湖街道', '幸福社区', 1, 3.5 / 6, 45.5 / 48, 42, 42, 3.5, 6]);
    expect(row(communities, 6)).toEqual([3, '西城街道', '朝阳社区', 40.5 / 42, 0, 40.5 / 48, 40.5, 42, 0, 6]);
    expect(communities.getCell(4, 5).numFmt).toContain('%');
    const streets = wb.getWorksheet('镇街排名')!;
    expect((streets.getRow(3).values as unknown[]).slice(1, 6)).toEqual([
      '名次',
      '镇街',
      '实地考察',
      '问卷调查',
      '综合得分率',
    ]);
    expect(row(streets, 4).slice(0, 9)).toEqual([1, '东湖街道', 83 / 84, 1, 89 / 90, 83, 84, 6, 6]);
    expect(row(streets, 5).slice(0, 9)).toEqual([2, '西城街道', 40.5 / 42, 0, 40.5 / 48, 40.5, 42, 0, 6]);
  });
});

describe('计分规则说明', () => {
  it('gives the survey formulas, and a version with surveys combines all three methods', async () => {
    const page = await office.get('/help/scoring');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<b>样本不足</b>');
    expect(page.text).toContain('把其下各社区的答卷<b>合并</b>后重新计算比率和得分');
    expect(page.text).toContain(
      '(E<sub>f</sub> + E<sub>d</sub> + E<sub>s</sub>) ÷ (P<sub>f</sub> + P<sub>d</sub> + P<sub>s</sub>)',
    );
    // district-2026-2 has 实地考察, 材料审核 / 网上申报 and 问卷调查 standards
    expect(page.text).toContain(
      '合并计分：综合得分率 = (实地考察得分 + 材料审核得分 + 问卷调查得分) ÷ (实地考察应得分 + 材料审核应得分 + 问卷调查应得分)',
    );
  });
});

describe('answers move the results without a restart', () => {
  it('an answer inserted, cleared and voided each changes the page', async () => {
    const { db } = app.booted;
    // 朝阳 gets one valid answer, 满意 twice: 6 / 6 → (40.5 + 6) / 48 = 96.88 %
    answer('朝阳社区', 'satisfied', 'satisfied');
    expect(rowOf(await resultsPage(), '朝阳社区').slice(3, 6)).toEqual(['96.88%', '96.43%', '100.00%']);

    // a flagged answer in 和平 (不满意 twice) does not count until cleared
    const flagged = answer('和平社区', 'unsatisfied', 'unsatisfied', ['fast']);
    expect(rowOf(await resultsPage(), '和平社区').slice(3, 6)).toEqual(['97.92%', '97.62%', '100.00%']);
    // cleared: 和平 has 3 answers, Q4 (1 + 0.8 + 0) / 3 = 60 %, Q5 2 / 3 = 66.7 % → both 0: 41 / 48
    expect(clearSurveyResponse(db, flagged, userIdOf(db, 'office'))).toBe(true);
    expect(rowOf(await resultsPage(), '和平社区').slice(3, 6)).toEqual(['85.42%', '97.62%', '0.00%']);
    // voided: back to 47 / 48
    expect(voidSurveyResponse(db, flagged, userIdOf(db, 'office'), '同一户重复填写')).toBe(true);
    expect(rowOf(await resultsPage(), '和平社区').slice(3, 6)).toEqual(['97.92%', '97.62%', '100.00%']);
  });
});

describe('a 社区 unit reads the published results', () => {
  it('sees its survey points, without the link to the office’s survey results', async () => {
    const { db } = app.booted;
    closeRound(db, SYSTEM, roundId);
    publishRound(db, SYSTEM, roundId);
    const unit = new Client(app.url);
    await unit.login('xingfu');
    const href = /href="(\/rounds\/\d+\/results\/communities\/\d+)">幸福社区</.exec(await resultsPage())![1]!;
    const page = await unit.get(href);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dt>问卷调查得分 / 应得分</dt><dd>3.5 / 6</dd>');
    expect(page.text).not.toContain('/surveys/results');
  });
});
