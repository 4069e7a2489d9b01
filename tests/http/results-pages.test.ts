// The words and counts on the results pages, as the office and the units read them: 未排名 said as such,
// the header's ranking rule, 已评点位 counting a site answered 不适用 throughout, each unit's own part of a
// published round (or why it sees nothing), and every criteria version's rules written from its values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../helpers/app.ts';
import { loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { communityIdOf, firstIdIn, roundWithStatus, streetIdOf, versionIdOf } from '../helpers/ids.ts';
import ExcelJS from 'exceljs';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let published: number;
let open: number;
beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  published = roundWithStatus(app.booted.db, 'published');
  open = roundWithStatus(app.booted.db, 'open');
});
afterAll(async () => {
  await app?.destroy();
});

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args) as number;
const h1 = (html: string) => /<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? '';
/** the text between an opening marker and the next closing marker */
const between = (html: string, from: string, to: string) => {
  const start = html.indexOf(from);
  if (start < 0) return '';
  const end = html.indexOf(to, start + from.length);
  return html.slice(start, end < 0 ? undefined : end);
};
/** the table row that links to `href` */
const rowOf = (html: string, href: string) => {
  const at = html.indexOf(`href="${href}"`);
  if (at < 0) return '';
  return html.slice(html.lastIndexOf('<tr', at), html.indexOf('</tr>', at));
};
const listItems = (html: string, heading: string) =>
  [...between(html, `<h2>${heading}</h2>`, '</section>').matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) =>
    m[1]!.replace(/<[^>]+>/g, ''),
  );

describe('未排名', () => {
  it('is said as 未排名 on the 镇街, 社区 and site pages of a round with nothing counted yet', async () => {
    const office = await as('office');
    await office.get('/rounds/new');
    const created = await office.post('/rounds', {
      name: '十二月暗访',
      startsOn: '2026-12-20',
      endsOn: '2026-12-25',
      criteriaVersionId: String(versionIdOf(app.booted.db, 'district-2026')),
      mode: 'all',
    });
    const id = Number(created.location!.split('/').pop());
    await office.get(`/rounds/${id}`);
    await office.post(`/rounds/${id}/open`, { confirmed: '1' });
    expect(one('SELECT count(*) FROM rounds WHERE id = ? AND status = ?', id, 'open')).toBe(1);

    const street = one('SELECT min(street_id) FROM sites');
    const community = one('SELECT min(community_id) FROM sites WHERE street_id = ?', street);
    const site = one('SELECT min(id) FROM sites WHERE community_id = ?', community);
    const streetPage = await office.get(`/rounds/${id}/results/streets/${street}`);
    expect(streetPage.status).toBe(200);
    expect(h1(streetPage.text)).toContain('未排名（尚无得分率）');
    const communityPage = await office.get(`/rounds/${id}/results/communities/${community}`);
    expect(h1(communityPage.text)).toContain('未排名（尚无得分率）');
    const sitePage = await office.get(`/rounds/${id}/results/sites/${site}`);
    expect(sitePage.status).toBe(200);
    for (const page of [streetPage, communityPage, sitePage]) {
      expect(page.text).not.toContain('第 未排名');
      expect(page.text).not.toMatch(/未排名\s*名/);
    }
    // the ranking table's 名次 column says 未排名 too, never a number or "第…名"
    const index = await office.get(`/rounds/${id}/results`);
    expect(rowOf(index.text, `/rounds/${id}/results/streets/${street}`)).toContain(
      '<td class="num nowrap">未排名</td>',
    );
  });

  it('says 第 n 名 for a ranked 镇街', async () => {
    const office = await as('office');
    const page = await office.get(`/rounds/${published}/results`);
    const streetId = Number(/results\/streets\/(\d+)"/.exec(page.text)![1]);
    const row = rowOf(page.text, `/rounds/${published}/results/streets/${streetId}`);
    const rank = /<td class="num nowrap">(\d+)<\/td>/.exec(row)![1];
    const streetPage = await office.get(`/rounds/${published}/results/streets/${streetId}`);
    expect(h1(streetPage.text)).toContain(`第 ${rank} 名`);
  });
});

describe('the results header', () => {
  it('says the minimum possible points apply to 镇街 as well as 社区 (district-2026 sets 20)', async () => {
    const page = await (await as('office')).get(`/rounds/${published}/results`);
    expect(page.text).toContain('应得分合计不足 20 分的社区和镇街不参与排名，列为未排名');
    const version = one('SELECT criteria_version_id FROM rounds WHERE id = ?', published);
    expect(page.text).toContain(`href="/help/scoring#version-${version}"`);
  });

  it("says the ranking counts 实地考察 only, and what district-2026's other methods weigh", async () => {
    // district-2026's non-field standards, by hand: 材料审核 A01-4 (2 分), C02-4 (2 分); 网上申报 B02-4 (3),
    // F01-6 (2); 问卷调查 D02-5 (3), E02-5 (3)
    const line =
      '计入方法：实地考察。测评体系中的材料审核 2 条（4 分）、网上申报 2 条（5 分）、问卷调查 2 条（6 分）本轮未计入，排名只反映实地考察';
    const office = await as('office');
    for (const path of [
      `/rounds/${published}/results`,
      `/rounds/${published}/results/weak`,
      `/rounds/${published}/results/streets/${firstIdIn(app.booted.db, 'streets')}`,
    ]) {
      const page = await office.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).toContain(line);
    }
    const res = await fetch(`${app.url}/rounds/${published}/rankings.xlsx`, {
      headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    for (const ws of wb.worksheets) expect(String(ws.getCell('A2').value), ws.name).toContain(line);
  });
});

describe('已评点位', () => {
  it('counts a site whose approved sheet the office corrected to 不适用 throughout', async () => {
    const office = await as('office');
    // a submitted sheet of the open round (the demo's are at sites held directly by a 镇街), approved
    const target = app.booted.db
      .prepare(
        `SELECT i.id AS inspection, i.site_id AS site, s.street_id AS street
         FROM inspections i JOIN sites s ON s.id = i.site_id
         WHERE i.round_id = ? AND i.status = 'submitted' ORDER BY i.id LIMIT 1`,
      )
      .get(open) as { inspection: number; site: number; street: number };
    await office.get(`/rounds/${open}/review`);
    expect((await office.post(`/rounds/${open}/sites/${target.site}/approve`)).status).toBe(303);
    expect(one('SELECT status FROM inspections WHERE id = ?', target.inspection)).toBe('approved');
    const codes = app.booted.db
      .prepare('SELECT standard_code FROM answers WHERE inspection_id = ? ORDER BY standard_code')
      .pluck()
      .all(target.inspection) as string[];
    expect(codes.length).toBeGreaterThan(3);
    await office.get(`/rounds/${open}/sites/${target.site}`);
    for (const standard of codes) {
      const r = await office.post(`/rounds/${open}/sites/${target.site}/correct`, {
        standard,
        result: 'na',
        cases: '0',
        fixedCases: '0',
        note: '',
        reason: '该点位设施已拆除，全部不适用',
      });
      expect(r.status, standard).toBe(303);
    }
    expect(
      one("SELECT count(*) FROM answers WHERE inspection_id = ? AND result <> 'na'", target.inspection),
    ).toBe(0);

    // the 镇街's sites in the round, and those with a sheet that counts while the round is open
    const inRound = one(
      `SELECT count(*) FROM round_sites r JOIN sites s ON s.id = r.site_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL AND s.street_id = ?`,
      open,
      target.street,
    );
    const evaluated = one(
      `SELECT count(*) FROM round_sites r JOIN sites s ON s.id = r.site_id
       JOIN inspections i ON i.round_id = r.round_id AND i.site_id = s.id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL AND s.street_id = ?
         AND i.status IN ('submitted', 'approved')`,
      open,
      target.street,
    );
    const page = await office.get(`/rounds/${open}/results`);
    const row = rowOf(page.text, `/rounds/${open}/results/streets/${target.street}`);
    expect(row).toContain(`<td class="num">${evaluated}/${inRound}</td>`);
    // the site itself: no 得分率 (nothing applies), every standard 不计分
    const sitePage = await office.get(`/rounds/${open}/results/sites/${target.site}`);
    expect(h1(sitePage.text)).toContain('得分率 —');
    expect((sitePage.text.match(/>不计分</g) ?? []).length).toBe(codes.length);
  });
});

describe("a unit's results page", () => {
  it('shows a 社区 its 社区 among all those ranked, and says why it sees no 镇街 ranking', async () => {
    const office = await (await as('office')).get(`/rounds/${published}/results`);
    const rankedTable = between(office.text, '<h2>社区排名', '<div class="two-col">').split('<h3>')[0]!;
    const rankedCount = (rankedTable.match(/results\/communities\/\d+"/g) ?? []).length;
    expect(rankedCount).toBeGreaterThan(5);

    const page = await (await as('xingfu')).get(`/rounds/${published}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('幸福社区');
    expect(page.text).toContain(`共 ${rankedCount} 个社区参与排名`);
    expect(page.text).toContain('镇街排名只向创城办和各镇街显示；本单位不是镇街。');
    expect(page.text).not.toContain('暂无');
    // its row carries the same 名次 and 得分率 as the office's ranking
    const id = communityIdOf(app.booted.db, '幸福社区');
    const cells = (html: string) =>
      [...rowOf(html, `/rounds/${published}/results/communities/${id}`).matchAll(/<td[^>]*>(.*?)<\/td>/g)]
        .map((m) => m[1]!.replace(/<[^>]+>/g, ''))
        .slice(0, 4);
    expect(cells(page.text)).toEqual(cells(office.text));
  });

  it('shows a 镇街 its 镇街 and 社区 with the 红黑榜 entries among them, as the office sees them', async () => {
    const office = await (await as('office')).get(`/rounds/${published}/results`);
    const page = await (await as('donghu')).get(`/rounds/${published}/results`);
    expect(page.status).toBe(200);
    const street = streetIdOf(app.booted.db, '东湖街道');
    const row = rowOf(page.text, `/rounds/${published}/results/streets/${street}`);
    expect(row).toMatch(/<td class="num nowrap">\d+<\/td>/);
    expect(page.text).toMatch(/共 4 个镇街参与排名/);
    expect(page.text).not.toContain('暂无');
    const mine = (items: string[]) => items.filter((t) => t.includes('东湖街道'));
    for (const list of ['红榜', '黑榜']) {
      const shown = listItems(page.text, list);
      expect(shown).toEqual(mine(listItems(office.text, list)));
      if (!shown.length) expect(page.text).toContain(`本单位可查看的镇街、社区均未上${list}。`);
    }
    // the 社区 rows marked 红榜 are the ones the 红榜 lists
    const redRows = (page.text.match(/red-badge">红榜/g) ?? []).length;
    expect(listItems(page.text, '红榜').length).toBe(redRows);
  });

  it('tells a department without 社区 why it sees no 社区 ranking, and lists its sites', async () => {
    const page = await (await as('chengguan')).get(`/rounds/${published}/results`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('本单位没有负责或包联的社区，社区排名不向本单位显示。');
    expect(page.text).toContain('镇街排名只向创城办和各镇街显示；本单位不是镇街。');
    expect(page.text).toContain('本单位负责的点位');
    expect(page.text).not.toContain('暂无');
    const sites = one(
      `SELECT count(*) FROM round_sites r JOIN sites s ON s.id = r.site_id JOIN units u ON u.id = s.responsible_unit_id
       WHERE r.round_id = ? AND r.excluded_reason IS NULL AND u.code = 'D-CGJ'`,
      published,
    );
    expect(sites).toBeGreaterThan(0);
    const table = between(page.text, '<h2>本单位负责的点位</h2>', '</table>');
    expect((table.match(/results\/sites\/\d+"/g) ?? []).length).toBe(sites);
  });

  it("leads a unit back only to pages it may open (a 社区 is not shown its 镇街's page)", async () => {
    for (const username of ['xingfu', 'chengguan', 'donghu']) {
      const unit = await as(username);
      const index = await unit.get(`/rounds/${published}/results`);
      const links = [
        ...new Set(
          [...index.text.matchAll(/href="(\/rounds\/\d+\/results\/(?:communities|sites)\/\d+)"/g)].map(
            (m) => m[1]!,
          ),
        ),
      ].slice(0, 4);
      expect(links.length, username).toBeGreaterThan(0);
      for (const link of links) {
        const page = await unit.get(link);
        expect(page.status, link).toBe(200);
        const back = /<p>\s*<a href="([^"]+)">←/.exec(page.text)?.[1];
        expect(back, link).toBeTruthy();
        expect((await unit.get(back!)).status, `${username}: ${link} → ${back}`).toBe(200);
      }
    }
  });

  it('says the results are not published yet for a round still open', async () => {
    const page = await (await as('xingfu')).get(`/rounds/${open}/results`);
    expect(page.status).toBe(403);
    expect(page.text).toContain('本轮结果尚未发布');
    expect(page.text).toContain('创城办发布本轮结果后，可以在这里查看本单位的排名和红黑榜。');
  });
});

describe('each version’s rules in words', () => {
  const rules = (html: string) =>
    Object.fromEntries([...html.matchAll(/<dt>([^<]+)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => [m[1]!, m[2]!]));
  // written by hand from criteria/district-2025.json and district-2026.json
  const expected = {
    'district-2025': {
      不适用:
        '不适用的标准按本轮其他社区该标准的平均得分率计分（一个镇街的直属点位算作一组，与社区同样对待）；其他社区没有该标准的有效答案时，不计入得分和应得分',
      等级得分: 'A 100% · B 66% · C 33% · C# 0%',
      当场整改: '不减免：当场整改的问题与其他问题同样扣分',
      反复出现: '上一轮（同一体系系列的上一个已结束轮次）同一点位同一标准也被扣分的，本轮失分另加 1 分',
      汇总方式: '平均计算：社区、镇街得分率 = 其下有得分率的各点位得分率的平均值',
      点位类型权重: '各类点位权重相同',
      参与排名: '应得分合计不足 10 分的社区和镇街不参与排名，列为未排名',
      红榜: '名次在前 3 名',
      黑榜: '处于最后 2 名（含并列）；同时符合红榜条件的，只列入红榜',
    },
    'district-2026': {
      不适用: '不适用的标准不计入得分，也不计入应得分',
      等级得分: 'A 100% · B 66% · C 33% · C# 0%',
      当场整改: '当场整改的问题每处按 0.5 处计（合格制标准不合格但当场整改的，失分 × 0.5）',
      反复出现: '上一轮（同一体系系列的上一个已结束轮次）同一点位同一标准也被扣分的，本轮失分 × 2',
      汇总方式: '汇总计算：社区、镇街得分率 = Σ(权重 × 得分) ÷ Σ(权重 × 应得分)，对其下所有点位',
      点位类型权重: '居民小区 1.5、农贸市场 1.2、背街小巷 1.2、社区办公场所/党群服务中心 1；其他点位类型为 1',
      参与排名: '应得分合计不足 20 分的社区和镇街不参与排名，列为未排名',
      红榜: '名次在前 3 名，且得分率不低于 90%',
      黑榜: '得分率低于 85%，或处于最后 3 名（含并列）；同时符合红榜条件的，只列入红榜',
    },
  };

  it('on the criteria version page', async () => {
    const office = await as('office');
    for (const [code, lines] of Object.entries(expected)) {
      const id = versionIdOf(app.booted.db, code);
      const page = await office.get(`/criteria/${id}`);
      expect(page.status).toBe(200);
      expect(rules(page.text)).toMatchObject(lines);
      expect(page.text).not.toMatch(/黑榜\s*或|或后/);
    }
  });

  it('on 计分规则说明, one section per version, open to every role', async () => {
    const page = await (await as('inspector1')).get('/help/scoring');
    expect(page.status).toBe(200);
    for (const [code, lines] of Object.entries(expected)) {
      const id = versionIdOf(app.booted.db, code);
      const section = between(page.text, `<section id="version-${id}">`, '</section>');
      expect(rules(section)).toEqual(lines);
    }
    expect(page.text).not.toMatch(/黑榜\s*或|或后/);
  });
});
