// As the creation office reading results in a meeting, and as a unit reading its own: rankings in place
// order, drill-down to the evidence, charts, the workbook, and results kept in memory that follow every
// change. The numbers themselves are worked out by hand in results-numbers.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { Client, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { roundWithStatus, versionIdOf } from '../helpers/ids.ts';
import { clearResultsCache, resultsFor } from '../../src/services/results.ts';
import { formatRate } from '../../src/scoring/standard.ts';
import { SYSTEM } from '../../src/services/access.ts';

let app: TestApp;
let office: Client;
let published: number;
let open: number;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  published = roundWithStatus(app.booted.db, 'published');
  open = roundWithStatus(app.booted.db, 'open');
});
afterAll(async () => {
  await app.destroy();
});

/**
 * Computed from the answers now, not from the cache the pages use: the cache's own promise is to show
 * what a fresh computation would (only the cache tests below compare with it).
 */
const fresh = (roundId: number) => {
  clearResultsCache(app.booted.db);
  return resultsFor({ db: app.booted.db, criteria: app.booted.criteria }, SYSTEM, roundId).results;
};

/** the 名次 and 得分率 cells of a ranking table's rows, in page order */
const rankingRows = (html: string, kind: 'streets' | 'communities') =>
  [
    ...html.matchAll(
      new RegExp(
        `<tr[^>]*>\\s*<td class="num nowrap">([^<]+)</td>[\\s\\S]*?results/${kind}/(\\d+)">([^<]+)</a></td>\\s*<td class="num"><b>([^<]+)</b>`,
        'g',
      ),
    ),
  ].map((m) => ({ rank: m[1]!, id: Number(m[2]), name: m[3]!, rate: m[4]! }));
const percent = (text: string) => Number(text.replace('%', ''));

describe('the rankings page', () => {
  it('shows final 镇街 and 社区 rankings in place order, with the rules stated', async () => {
    const page = await office.get(`/rounds/${published}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('最终');
    expect(page.text).toContain('汇总计算');
    expect(page.text).toContain('清河区文明城市创建实地考察测评体系');
    const streets = rankingRows(page.text, 'streets');
    expect(streets.map((s) => s.name).sort()).toEqual(['东湖街道', '北关街道', '南山镇', '西城街道'].sort());
    for (const s of streets) expect(s.rate).toMatch(/^\d+\.\d\d%$/);
    const ranked = rankingRows(page.text, 'communities').filter((c) => c.rank !== '未排名');
    expect(ranked.length).toBeGreaterThan(5);
    // in place order: 名次 never falls, 得分率 never rises, equal 得分率 share a place
    for (let i = 1; i < ranked.length; i++) {
      const [a, b] = [ranked[i - 1]!, ranked[i]!];
      expect(Number(b.rank)).toBeGreaterThanOrEqual(Number(a.rank));
      expect(percent(b.rate)).toBeLessThanOrEqual(percent(a.rate));
      if (b.rate === a.rate) expect(b.rank).toBe(a.rank);
    }
    expect(ranked[0]!.rank).toBe('1');
    expect(page.text).toMatch(/红榜|黑榜/);
  });

  it('marks the open round as provisional and counts submitted and approved sheets', async () => {
    const page = await office.get(`/rounds/${open}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('暂定结果：计入已提交');
  });

  it('renders an empty ranking for a round with no submissions, and refuses a draft or missing round', async () => {
    await office.get('/rounds/new');
    const created = await office.post('/rounds', {
      name: '空轮次',
      startsOn: '2026-12-20',
      endsOn: '2026-12-25',
      criteriaVersionId: String(versionIdOf(app.booted.db, 'district-2026')),
      mode: 'all',
    });
    const id = Number(created.location!.split('/').pop());
    const draft = await office.get(`/rounds/${id}/results`);
    expect(draft.status).toBe(409);
    expect(draft.text).toContain('尚未开始');
    await office.post(`/rounds/${id}/open`);
    const empty = await office.get(`/rounds/${id}/results`);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('暂无可排名的社区');
    expect((await office.get('/rounds/99999/results')).status).toBe(404);
    expect((await office.get('/rounds/abc/results')).status).toBe(404);
  });
});

describe('drilling down to the evidence', () => {
  it('goes 镇街 → 社区 → site → each standard with its photos', async () => {
    const index = await office.get(`/rounds/${published}/results`);
    const street = rankingRows(index.text, 'streets')[0]!;
    const sp = await office.get(`/rounds/${published}/results/streets/${street.id}`);
    expect(sp.status).toBe(200);
    expect(sp.text).toContain('<svg');
    // the 镇街's page lists its 社区 with the rates the rankings page shows
    const community = rankingRows(sp.text, 'communities')[0]!;
    const shown = rankingRows(index.text, 'communities').find((c) => c.id === community.id)!;
    expect(community.rate).toBe(shown.rate);
    const cp = await office.get(`/rounds/${published}/results/communities/${community.id}`);
    expect(cp.text).toContain(`得分率 ${shown.rate}`);
    // its site with the most problems (问题数 is the sixth cell of the site table)
    const sites = [
      ...cp.text.matchAll(
        /results\/sites\/(\d+)">[^<]+<\/a><\/td>(?:<td[^>]*>[\s\S]*?<\/td>){4}<td class="num">(\d+)<\/td><td class="num">(\d+)<\/td>/g,
      ),
    ].map((m) => ({ id: Number(m[1]), problems: Number(m[2]), answered: Number(m[3]) }));
    expect(sites.length).toBeGreaterThan(0);
    const site = sites.sort((x, y) => y.problems - x.problems)[0]!;
    const page = await office.get(`/rounds/${published}/results/sites/${site.id}`);
    expect(page.status).toBe(200);
    // one row per answered standard
    expect((page.text.match(/<tr class="res-/g) ?? []).length).toBe(site.answered);
    if (site.problems > 0) expect(page.text).toMatch(/\/photos\/\d+\/thumb/);
    expect(page.text).toContain('测评员现场填写');
  });

  it('shows weak spots as charts, the standards by points lost', async () => {
    const page = await office.get(`/rounds/${published}/results/weak`);
    expect(page.status).toBe(200);
    expect((page.text.match(/<svg/g) ?? []).length).toBe(3);
    expect(page.text).toContain('失分最多的测评项目');
    const lost = [...page.text.matchAll(/<\/b> [^<]*<\/td><td class="num">([\d.]+)<\/td>/g)].map((m) =>
      Number(m[1]),
    );
    expect(lost.length).toBeGreaterThan(3);
    expect(lost).toEqual([...lost].sort((x, y) => y - x));
  });
});

describe('who sees what', () => {
  it("shows a 社区's unit only its own 社区 and sites, once published", async () => {
    const unit = new Client(app.url);
    await unit.login('xingfu');
    const page = await unit.get(`/rounds/${published}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('幸福社区');
    expect(page.text).not.toContain('和平社区');
    expect(page.text).toContain('本单位负责的点位');
    const all = rankingRows((await office.get(`/rounds/${published}/results`)).text, 'communities');
    const mine = all.find((c) => c.name === '幸福社区')!;
    const other = all.find((c) => c.name === '和平社区')!;
    expect((await unit.get(`/rounds/${published}/results/communities/${mine.id}`)).status).toBe(200);
    expect((await unit.get(`/rounds/${published}/results/communities/${other.id}`)).status).toBe(403);
    const otherPage = await office.get(`/rounds/${published}/results/communities/${other.id}`);
    const otherSite = Number(/results\/sites\/(\d+)"/.exec(otherPage.text)![1]);
    expect((await unit.get(`/rounds/${published}/results/sites/${otherSite}`)).status).toBe(403);
    expect((await unit.get(`/rounds/${open}/results`)).status).toBe(403);
    expect((await unit.get(`/rounds/${published}/rankings.xlsx`)).status).toBe(403);
  });

  it('shows a 包联 unit the 社区 it helps', async () => {
    const unit = new Client(app.url);
    await unit.login('xuanchuan');
    const page = await unit.get(`/rounds/${published}/results`);
    const helped = app.booted.db
      .prepare(
        "SELECT c.name FROM community_liaisons l JOIN communities c ON c.id = l.community_id JOIN units u ON u.id = l.unit_id WHERE u.code = 'L-XCB'",
      )
      .pluck()
      .all() as string[];
    expect(helped.length).toBeGreaterThan(0);
    for (const name of helped) expect(page.text).toContain(name);
  });

  it('refuses inspectors', async () => {
    const c = new Client(app.url);
    await c.login('inspector1');
    expect((await c.get(`/rounds/${published}/results`)).status).toBe(403);
  });
});

describe('the rankings workbook', () => {
  it('has the four sheets, Chinese headers, percent-formatted numbers, frozen filtered headers and A4 landscape print set-up', async () => {
    const res = await fetch(`${app.url}/rounds/${published}/rankings.xlsx`, {
      headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` },
    });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['镇街排名', '社区排名', '点位得分明细', '红黑榜']);
    const ws = wb.getWorksheet('社区排名')!;
    // the rule named once, by the words of the results page (no doubled label)
    expect(String(ws.getCell('A2').value)).toContain(
      '；汇总计算：社区、镇街得分率 = Σ(权重 × 得分) ÷ Σ(权重 × 应得分)',
    );
    expect(String(ws.getCell('A2').value)).not.toMatch(/汇总规则：汇总/);
    expect((ws.getRow(3).values as unknown[]).slice(1)).toEqual([
      '名次',
      '镇街',
      '社区',
      '得分率',
      '得分',
      '应得分',
      '及格率',
      '问题数',
      '较上轮',
      '红黑榜',
    ]);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.pageSetup.orientation).toBe('landscape');
    expect(ws.pageSetup.paperSize).toBe(9);
    expect(ws.pageSetup.printTitlesRow).toBe('3:3');
    // the same 社区 in the same order as the rankings page, rates as fractions in a percent format
    const page = rankingRows((await office.get(`/rounds/${published}/results`)).text, 'communities');
    const first = page[0]!;
    const rateCell = ws.getCell('D4');
    expect(typeof rateCell.value).toBe('number');
    expect(`${((rateCell.value as number) * 100).toFixed(2)}%`).toBe(first.rate);
    expect(rateCell.numFmt).toBe('0.00%');
    expect(ws.getCell('C4').value).toBe(first.name);
    expect(String(ws.getCell('A4').value)).toBe(first.rank);
    expect(ws.actualRowCount - 3).toBe(page.length);
    expect(wb.getWorksheet('点位得分明细')!.actualRowCount - 3).toBe(
      Number(
        scalar(
          app.booted.db,
          'SELECT count(*) FROM round_sites WHERE round_id = ? AND excluded_reason IS NULL',
          published,
        ),
      ),
    );
  });
});

describe('results kept in memory between views', () => {
  const rateCell = (page: string, streetId: number) =>
    new RegExp(`results/streets/${streetId}">[^<]+</a>[\\s\\S]*?(\\d+\\.\\d+%|—)`).exec(page)?.[1];

  it('follow a correction of an answer: the page shows the new 得分率 at once', async () => {
    // a submitted sheet of the open round; the office corrects one 符合 answer into a deduction
    const row = app.booted.db
      .prepare(
        `SELECT i.site_id AS site, s.street_id AS street, a.standard_code AS standard
         FROM inspections i JOIN sites s ON s.id = i.site_id JOIN answers a ON a.inspection_id = i.id
         WHERE i.round_id = ? AND i.status IN ('submitted', 'approved') AND a.result = 'ok' LIMIT 1`,
      )
      .get(open) as { site: number; street: number; standard: string };
    const before = await office.get(`/rounds/${open}/results`);
    const shownBefore = rateCell(before.text, row.street);
    expect(shownBefore).toBe(formatRate(fresh(open).streets.find((c) => c.id === row.street)!.rate));

    await office.get(`/rounds/${open}/sites/${row.site}`);
    const corrected = await office.post(`/rounds/${open}/sites/${row.site}/correct`, {
      standard: row.standard,
      result: 'fail',
      cases: '3',
      fixedCases: '0',
      note: '',
      reason: '复核照片发现问题',
    });
    expect(corrected.status).toBe(303);

    const after = await office.get(`/rounds/${open}/results`);
    const expected = formatRate(fresh(open).streets.find((c) => c.id === row.street)!.rate);
    expect(expected).not.toBe(shownBefore);
    expect(rateCell(after.text, row.street)).toBe(expected);
  });

  it('follow a renamed 社区', async () => {
    // the page seen once, so its results are in memory
    const before = await office.get(`/rounds/${published}/results`);
    const community = rankingRows(before.text, 'communities')[0]!;
    const c = app.booted.db
      .prepare('SELECT street_id, unit_id FROM communities WHERE id = ?')
      .get(community.id) as { street_id: number; unit_id: number | null };
    await office.get('/places');
    const renamed = await office.post(`/places/communities/${community.id}`, {
      streetId: String(c.street_id),
      name: '新改名社区',
      unitId: c.unit_id === null ? '' : String(c.unit_id),
    });
    expect(renamed.status).toBe(303);
    const page = await office.get(`/rounds/${published}/results`);
    expect(page.text).toContain('新改名社区');
    expect(page.text).not.toContain(`>${community.name}<`);
  });
});
