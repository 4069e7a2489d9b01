// As the creation office reading results in a meeting, and as a unit reading its own: rankings that
// equal a fresh computation from the answers, drill-down to the evidence, charts, and the workbook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
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
  published = app.booted.db
    .prepare("SELECT id FROM rounds WHERE status = 'published'")
    .pluck()
    .get() as number;
  open = app.booted.db.prepare("SELECT id FROM rounds WHERE status = 'open'").pluck().get() as number;
});
afterAll(async () => {
  await app.destroy();
});

/** computed from the answers now, not from the cache the pages use */
const fresh = (roundId: number) => {
  clearResultsCache(app.booted.db);
  return resultsFor({ db: app.booted.db, criteria: app.booted.criteria }, SYSTEM, roundId).results;
};

describe('the rankings page', () => {
  it('shows final 镇街 and 社区 rankings equal to a fresh computation, with the rules stated', async () => {
    const page = await office.get(`/rounds/${published}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('最终');
    expect(page.text).toContain('汇总计算');
    expect(page.text).toContain('清河区文明城市创建实地考察测评体系');
    const r = fresh(published);
    expect(r.streets.length).toBe(4);
    for (const s of r.streets) {
      expect(page.text).toContain(s.name);
      expect(page.text).toContain(formatRate(s.rate));
    }
    const ranked = r.communities.filter((c) => c.rank !== null);
    expect(ranked.length).toBeGreaterThan(5);
    // the table is in rank order
    const order = [...page.text.matchAll(/results\/communities\/(\d+)">([^<]+)</g)].map((m) => Number(m[1]));
    expect(order.slice(0, ranked.length)).toEqual(ranked.map((c) => c.id));
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
      criteriaVersionId: String(
        app.booted.db.prepare("SELECT id FROM criteria_versions WHERE code = 'district-2026'").pluck().get(),
      ),
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
    const r = fresh(published);
    const street = r.streets[0]!;
    const sp = await office.get(`/rounds/${published}/results/streets/${street.id}`);
    expect(sp.status).toBe(200);
    expect(sp.text).toContain('<svg');
    const community = r.communities.find((c) => c.streetId === street.id)!;
    expect(sp.text).toContain(community.name);
    const cp = await office.get(`/rounds/${published}/results/communities/${community.id}`);
    expect(cp.text).toContain(formatRate(community.rate));
    const site = r.sites
      .filter((s) => s.communityId === community.id)
      .sort((a, b) => b.problems - a.problems)[0]!;
    expect(cp.text).toContain(site.name);
    const page = await office.get(`/rounds/${published}/results/sites/${site.id}`);
    expect(page.status).toBe(200);
    for (const s of site.standards) expect(page.text).toContain(s.code);
    if (site.problems > 0) expect(page.text).toMatch(/\/photos\/\d+\/thumb/);
    expect(page.text).toContain('测评员现场填写');
  });

  it('shows weak spots as charts', async () => {
    const page = await office.get(`/rounds/${published}/results/weak`);
    expect(page.status).toBe(200);
    expect((page.text.match(/<svg/g) ?? []).length).toBe(3);
    expect(page.text).toContain('失分最多的测评项目');
    const top = fresh(published).weakItems[0]!;
    expect(page.text).toContain(top.name);
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
    const r = fresh(published);
    const mine = r.communities.find((c) => c.name === '幸福社区')!;
    const other = r.communities.find((c) => c.name === '和平社区')!;
    expect((await unit.get(`/rounds/${published}/results/communities/${mine.id}`)).status).toBe(200);
    expect((await unit.get(`/rounds/${published}/results/communities/${other.id}`)).status).toBe(403);
    const otherSite = r.sites.find((s) => s.communityId === other.id)!;
    expect((await unit.get(`/rounds/${published}/results/sites/${otherSite.id}`)).status).toBe(403);
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
    const r = fresh(published);
    const first = r.communities[0]!;
    const rateCell = ws.getCell('D4');
    expect(typeof rateCell.value).toBe('number');
    expect(rateCell.value).toBeCloseTo(first.rate!, 10);
    expect(rateCell.numFmt).toBe('0.00%');
    expect(ws.getCell('C4').value).toBe(first.name);
    expect(ws.getCell('A4').value).toBe(first.rank);
    expect(ws.actualRowCount - 3).toBe(r.communities.length);
    expect(wb.getWorksheet('点位得分明细')!.actualRowCount - 3).toBe(r.sites.length);
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
    const community = fresh(published).communities[0]!;
    await office.get(`/rounds/${published}/results`);
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
