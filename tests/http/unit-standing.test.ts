// Who is keeping up (/units/standing): a 社区's unit of our own with hand-made problems and document
// tasks — 2 closed, 1 open past a deadline in hours, 1 void (整改率 2/3 = 66.7%), fixes in 2 and 3 working
// days across 国庆 (2.5 个工作日), tasks 1 of 2 on time — ranked among the demo's units, on the page and in
// the workbook; a 包联 unit over that 社区; a 包联 leader sees only theirs, a unit user gets 403, and a bad
// period or 来源 gets a Chinese 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { loggedIn, startApp, type Client, type TestApp } from '../helpers/app.ts';
import { roundWithStatus, streetIdOf, unitIdOf } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createUnit, linkLiaison } from '../../src/services/units.ts';
import { createCommunity } from '../../src/services/places.ts';
import { insertProblem } from '../../src/db/repos/problems.ts';
import { liaisonCommunityIds } from '../../src/db/repos/units.ts';
import { resultsFor } from '../../src/services/results.ts';
import { siteStandards } from '../../src/scoring/round.ts';
import { percent } from '../../src/web/presenters/rules.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
const db = () => app.booted.db;
let communityId = 0;
let streetId = 0;
let unitId = 0;

/** A problem of our 社区's unit, raised at `created` (ISO) with its deadline, then moved to `status`. */
function problem(p: {
  created: string;
  status: 'open' | 'fixed' | 'closed' | 'void';
  fixed?: string;
  rule: 'calendar' | 'workdays' | 'hours';
  deadline: string;
  time?: string;
  source?: 'inspection' | 'hotline';
  repeat?: number;
}): void {
  const id = insertProblem(db(), {
    roundId: null,
    siteId: null,
    source: p.source ?? 'inspection',
    sheetId: null,
    standardCode: null,
    description: '测试问题',
    pointsLost: 0,
    unitId,
    deadline: p.deadline,
    deadlineRule: p.rule,
    deadlineAmount: 3,
    deadlineTime: p.time ?? null,
    repeatCount: p.repeat ?? 0,
    previousProblemId: null,
    streetId,
    communityId,
  });
  db()
    .prepare('UPDATE problems SET created_at = ?, status = ?, fixed_at = ? WHERE id = ?')
    .run(p.created, p.status, p.fixed ?? null, id);
}

/** A document task of our 社区, due on `due`, submitted at `submitted` (ISO) or not. */
function task(code: string, due: string, submitted: string | null): void {
  db()
    .prepare(
      `INSERT INTO document_tasks (round_id, standard_code, level, community_id, street_id, place_key, due_on,
         status, submitted_at, created_at) VALUES (?, ?, 'community', ?, ?, ?, ?, ?, ?, '2026-09-01T00:00:00.000Z')`,
    )
    .run(
      roundWithStatus(db(), 'published'),
      code,
      communityId,
      streetId,
      `community:${communityId}`,
      due,
      submitted ? 'submitted' : 'pending',
      submitted,
    );
}

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  streetId = streetIdOf(db(), '东湖街道');
  unitId = createUnit(db(), SYSTEM, { code: 'T-CZ', name: '翠竹社区居委会', kind: 'community' });
  communityId = createCommunity(db(), SYSTEM, streetId, '翠竹社区', unitId);
  const liaison = createUnit(db(), SYSTEM, { code: 'L-CS', name: '区测试部', kind: 'other' });
  linkLiaison(db(), SYSTEM, communityId, liaison);
  linkLiaison(db(), SYSTEM, communityId, unitIdOf(db(), 'L-XCB'));
  // 2026-11-02 (Mon) 09:00 → fixed Thu 11-05: 3 working days
  problem({
    created: '2026-11-02T01:00:00.000Z',
    status: 'closed',
    fixed: '2026-11-05T02:00:00.000Z',
    rule: 'workdays',
    deadline: '2026-11-05',
  });
  // 2026-09-30 10:00 → fixed 10-09: 国庆 1–7 (and 中秋), so 10-08 and 10-09 only: 2 working days
  problem({
    created: '2026-09-30T02:00:00.000Z',
    status: 'closed',
    fixed: '2026-10-09T02:00:00.000Z',
    rule: 'workdays',
    deadline: '2026-10-10',
  });
  // a 12345 order due 2026-11-10 14:00, still open, found again
  problem({
    created: '2026-11-10T00:00:00.000Z',
    status: 'open',
    rule: 'hours',
    deadline: '2026-11-10',
    time: '14:00',
    source: 'hotline',
    repeat: 1,
  });
  problem({ created: '2026-11-03T02:00:00.000Z', status: 'void', rule: 'calendar', deadline: '2026-11-06' });
  // before the period: never counted
  problem({ created: '2026-08-20T02:00:00.000Z', status: 'open', rule: 'calendar', deadline: '2026-08-25' });
  task('T-1', '2026-11-05', '2026-11-05T09:00:00.000Z'); // 17:00 on the last day: on time
  task('T-2', '2026-11-06', null); // past and not submitted
  task('T-3', '2026-11-20', null); // not due yet on 11-10
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const PERIOD = '/units/standing?period=range&from=2026-09-01&to=2026-11-30';

/** A row of one of the page's tables, by its unit's name: its cells' text. */
function row(html: string, section: 'units' | 'liaisons', name: string): string[] | null {
  const part = html.slice(html.indexOf(`id="${section}-title"`)).split('</section>')[0]!;
  const tr = [...part.matchAll(/<tr[^>]*>([^]*?)<\/tr>/g)].find((m) => m[1]!.includes(`>${name} <`));
  if (!tr) return null;
  return [...tr[1]!.matchAll(/<t[hd][^>]*>([^]*?)<\/t[hd]>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

describe('the office ranks the units', () => {
  it('counts a unit’s problems, fixes and tasks by hand-worked figures', async () => {
    setClock('2026-11-10T06:01:00.000Z'); // 14:01 in Shanghai: the 14:00 deadline has passed
    const page = await (await as('office')).get(PERIOD);
    expect(page.status).toBe(200);
    expect(page.text).toContain('2026-09-01 至 2026-11-30 登记的（全部来源）');
    // 名次, unit, 整改率, 逾期 1, 问题数 3 (void left out), 已销号 2, 反复出现 1, 2.5 个工作日, tasks 1 of 2
    const figures = ['66.7%', '1', '3', '2', '1', '2.5 个工作日', '50% (1/2)'];
    // and no standard of the published round is this new unit's: no 得分率
    expect(row(page.text, 'units', '翠竹社区居委会')?.slice(1)).toEqual([
      '翠竹社区居委会 社区',
      ...figures,
      '—',
    ]);
    // the 包联 unit over that 社区: the same figures
    expect(row(page.text, 'liaisons', '区测试部')?.slice(2, 9)).toEqual(figures);
    expect(page.text).toContain('翠竹社区</small>');
  });

  it('counts a deadline in hours overdue only once its minute has passed', async () => {
    setClock('2026-11-10T05:59:00.000Z'); // 13:59
    const page = await (await as('office')).get(PERIOD);
    expect(row(page.text, 'units', '翠竹社区居委会')?.[3]).toBe('0');
  });

  it('ranks on 整改率, then fewer overdue, then the name', async () => {
    setClock('2026-11-10T06:01:00.000Z');
    const page = await (await as('office')).get(PERIOD);
    const part = page.text.slice(page.text.indexOf('id="units-title"')).split('</section>')[0]!;
    const rates = [...part.matchAll(/<td class="num"><b>([^<]+)<\/b><\/td>\s*<td class="num">(\d+)/g)].map(
      (m) => [m[1] === '—' ? -1 : parseFloat(m[1]!), Number(m[2])] as const,
    );
    expect(rates.length).toBeGreaterThan(3);
    for (let i = 1; i < rates.length; i++) {
      const [a, b] = [rates[i - 1]!, rates[i]!];
      expect(a[0] > b[0] || (a[0] === b[0] && a[1] <= b[1])).toBe(true);
    }
  });

  it('filters by 来源: the 12345 order alone', async () => {
    setClock('2026-11-10T06:01:00.000Z');
    const page = await (await as('office')).get(`${PERIOD}&source=hotline`);
    expect(page.text).toContain('（12345）');
    expect(row(page.text, 'units', '翠竹社区居委会')?.slice(2, 8)).toEqual(['0%', '1', '1', '0', '1', '—']);
  });

  it('counts this month from its first day', async () => {
    setClock('2026-11-10T06:01:00.000Z');
    const page = await (await as('office')).get('/units/standing?period=month');
    expect(page.text).toContain('2026-11-01 至 2026-11-10 登记的');
    // the 09-30 problem is out: one closed of two
    expect(row(page.text, 'units', '翠竹社区居委会')?.slice(2, 8)).toEqual([
      '50%',
      '1',
      '2',
      '1',
      '1',
      '3 个工作日',
    ]);
  });

  it('writes the same rows into the workbook', async () => {
    setClock('2026-11-10T06:01:00.000Z');
    const office = await as('office');
    const file = await office.bytes(`/units/standing.xlsx?period=range&from=2026-09-01&to=2026-11-30`);
    expect(file.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.body as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('责任单位')!;
    expect(sheet.getRow(3).values).toContain('整改率');
    const values = (ws: ExcelJS.Worksheet, name: string) => {
      for (let r = 4; r <= ws.rowCount; r++) {
        const v = ws.getRow(r).values as unknown[];
        if (v[2] === name) return v.slice(2);
      }
      return null;
    };
    const mine = values(sheet, '翠竹社区居委会')!;
    expect(mine.slice(0, 6)).toEqual(['翠竹社区居委会', '社区', 3, 2, 2 / 3, 1]);
    // 反复出现 1; average in 天 / 工作日 / 小时: working days only; tasks 2 due, 1 on time, 50%
    expect(mine.slice(6, 13)).toEqual([1, undefined, 2.5, undefined, 2, 1, 0.5]);
    const liaisons = wb.getWorksheet('包联单位')!;
    const l = values(liaisons, '区测试部')!;
    expect(l.slice(2, 6)).toEqual([3, 2, 2 / 3, 1]);
    expect(l[14]).toBe('翠竹社区');
    // the page's order
    const page = await office.get(PERIOD);
    const first = row(page.text, 'units', String(sheet.getRow(4).getCell(2).value));
    expect(first?.[0]).toBe('1');
  });
});

describe('the 得分率 column', () => {
  it('sums a 包联 unit’s 社区 from the published round’s own standard scores', async () => {
    const roundId = roundWithStatus(db(), 'published');
    const { results } = resultsFor({ db: db(), criteria: app.booted.criteria }, SYSTEM, roundId);
    const mine = new Set(liaisonCommunityIds(db(), [unitIdOf(db(), 'L-XCB')]));
    let earned = 0;
    let possible = 0;
    for (const site of results.sites)
      for (const s of siteStandards(results, site.id))
        if (s.applicable && site.communityId !== null && mine.has(site.communityId)) {
          earned += s.earned;
          possible += s.possible;
        }
    for (const t of results.combined?.tasks ?? [])
      if (
        (t.kind === 'scored' || t.kind === 'overdue') &&
        t.level === 'community' &&
        mine.has(t.communityId!)
      ) {
        earned += t.earned;
        possible += t.possible;
      }
    expect(possible).toBeGreaterThan(0);
    const page = await (await as('office')).get(PERIOD);
    expect(row(page.text, 'liaisons', '区委宣传部')?.[9]).toBe(percent(earned / possible));
  });
});

describe('who may see it', () => {
  it('shows a 包联 leader their own 包联 unit and the units of its 社区 only', async () => {
    setClock('2026-11-10T06:01:00.000Z');
    const page = await (await as('leader-xcb')).get(PERIOD);
    expect(page.status).toBe(200);
    expect(row(page.text, 'units', '翠竹社区居委会')?.[2]).toBe('66.7%');
    expect(row(page.text, 'units', '区城管局')).toBeNull();
    expect(row(page.text, 'liaisons', '区委宣传部')).not.toBeNull();
    expect(row(page.text, 'liaisons', '区测试部')).toBeNull();
    const home = await (await as('leader-xcb')).get('/');
    expect(home.text).toContain('href="/units/standing"');
  });

  it('links it from the office home', async () => {
    expect((await (await as('office')).get('/')).text).toContain('href="/units/standing"');
  });

  it('refuses a unit user, page and workbook, even with a bad period', async () => {
    const unit = await as('xuanchuan');
    for (const path of ['/units/standing', '/units/standing.xlsx', '/units/standing?period=nonsense']) {
      const reply = await unit.get(path);
      expect(reply.status).toBe(403);
      expect(reply.text).toContain('只有创城办和包联领导可以查看单位整改排名');
    }
  });

  it('refuses a bad period or 来源 in Chinese', async () => {
    const office = await as('office');
    const cases: [string, string][] = [
      ['?period=year', '统计期间：请选择本月、近30天或自定义日期'],
      ['?period=range&from=2026-13-01&to=2026-11-30', '开始日期：请填写日期'],
      ['?period=range&from=2026-11-01', '结束日期：请填写日期'],
      ['?period=range&from=2026-11-30&to=2026-11-01', '结束日期：不能早于开始日期'],
      ['?source=sms', '来源：请从列表中选择'],
    ];
    for (const [query, message] of cases) {
      const reply = await office.get(`/units/standing${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.text).toContain(message);
      expect((await office.get(`/units/standing.xlsx${query}`)).status).toBe(400);
    }
  });
});
