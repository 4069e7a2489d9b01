// Each role's home page is the day's work: the office's counts each open the list they count, the
// inspector's returned sheets come first, the unit's problems by nearest deadline with its requests and
// the office's answers. The numbers are counted here from the demo district's tables, and moved by
// acting over HTTP (a dispute filed, an extension refused, a site excluded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { roundWithStatus, unitIdOfUser, userIdOf } from '../helpers/ids.ts';

let app: TestApp;
const clients = new Map<string, Client>();
async function as(username: string): Promise<Client> {
  let c = clients.get(username);
  if (!c) {
    c = new Client(app.url);
    expect((await c.login(username)).status).toBe(303);
    clients.set(username, c);
  }
  return c;
}

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const ids = (sql: string, ...args: unknown[]) =>
  db()
    .prepare(sql)
    .pluck()
    .all(...args) as number[];
/** Today and other days in Asia/Shanghai, as the app counts deadlines. */
const day = (offset = 0) =>
  new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);

/** The work tiles of a home page: label → count and the list it opens (the first tile of that label). */
function tiles(html: string): Map<string, { value: number; href: string; note: string }> {
  const out = new Map<string, { value: number; href: string; note: string }>();
  const re =
    /<li class="work-tile[^"]*"><a href="([^"]+)"><span class="value">(\d+)<\/span><span class="label">([^<]+)<\/span>(?:<small class="muted">([^<]*)<\/small>)?/g;
  for (const m of html.matchAll(re))
    if (!out.has(m[3]!))
      out.set(m[3]!, { href: m[1]!.replaceAll('&amp;', '&'), value: Number(m[2]), note: m[4] ?? '' });
  return out;
}
/** The problems a board page lists, by id. */
const boardIds = (html: string) =>
  [...html.matchAll(/href="\/problems\/(\d+)">#\d+/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

describe('the office home page', () => {
  it('links 新建轮次 from the home page and from /rounds, for the office only', async () => {
    const office = await as('office');
    expect((await office.get('/')).text).toMatch(
      /<a class="button primary" href="\/rounds\/new">＋ 新建轮次<\/a>/,
    );
    expect((await office.get('/rounds')).text).toContain('href="/rounds/new"');
    expect((await office.get('/rounds/new')).status).toBe(200);
    const unit = await as('chengguan');
    expect((await unit.get('/rounds')).text).not.toContain('href="/rounds/new"');
  });

  it('counts requests, overdue and fixed problems, each linking to a board of exactly those problems', async () => {
    const office = await as('office');
    const today = day();
    // one more dispute, filed by the unit over HTTP
    const target = one(
      `SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id
       WHERE u.code = 'D-CGJ' AND p.status = 'open' AND p.request IS NULL ORDER BY p.id LIMIT 1`,
    ) as number;
    const disputesBefore = one(
      "SELECT count(*) FROM problems WHERE status = 'open' AND request = 'dispute'",
    ) as number;
    const unit = await as('chengguan');
    await unit.get(`/problems/${target}`);
    const form = new FormData();
    form.set('kind', 'dispute');
    form.set('note', '该处不属于测评范围');
    form.set('_csrf', unit.csrf!);
    const filed = await unit.postMultipart(`/problems/${target}/request`, form, { csrf: 'field' });
    expect(filed.status, filed.text.slice(0, 300)).toBe(303);
    // and one more overdue problem (setup: a deadline moved into the past)
    const late = one(
      "SELECT id FROM problems WHERE status = 'open' AND deadline >= ? AND request IS NULL ORDER BY id LIMIT 1",
      today,
    ) as number;
    const overdueBefore = one(
      "SELECT count(*) FROM problems WHERE status = 'open' AND deadline < ?",
      today,
    ) as number;
    db().prepare('UPDATE problems SET deadline = ? WHERE id = ?').run(day(-2), late);

    const t = tiles((await office.get('/')).text);
    const expected: [string, string, string, number][] = [
      [
        '待处理申诉',
        '/problems?request=dispute',
        "status = 'open' AND request = 'dispute'",
        disputesBefore + 1,
      ],
      ['待处理转办', '/problems?request=transfer', "status = 'open' AND request = 'transfer'", -1],
      ['待处理延期', '/problems?request=extension', "status = 'open' AND request = 'extension'", -1],
      ['逾期未整改', '/problems?overdue=1', `status = 'open' AND deadline < '${today}'`, overdueBefore + 1],
      ['待复查', '/problems?status=fixed', "status = 'fixed'", -1],
    ];
    for (const [label, href, where, count] of expected) {
      const rows = ids(`SELECT id FROM problems WHERE ${where} ORDER BY id`);
      if (count >= 0) expect(rows.length, label).toBe(count);
      expect(t.get(label), label).toEqual({ value: rows.length, href, note: '' });
      expect(boardIds((await office.get(href)).text), `${label}: the board behind the count`).toEqual(rows);
    }
    expect(ids("SELECT id FROM problems WHERE status = 'open' AND request = 'dispute'")).toContain(target);
  });

  it('counts submitted sheets per open round, linking to that round’s review page of exactly those sheets', async () => {
    const office = await as('office');
    const open = roundWithStatus(db(), 'open');
    const name = one('SELECT name FROM rounds WHERE id = ?', open) as string;
    const submitted = ids(
      "SELECT site_id FROM inspections WHERE round_id = ? AND status = 'submitted' ORDER BY site_id",
      open,
    );
    expect(submitted.length).toBeGreaterThan(0);
    const tile = tiles((await office.get('/')).text).get('待审核测评表');
    expect(tile).toEqual({
      value: submitted.length,
      href: `/rounds/${open}/review?status=submitted`,
      note: name,
    });
    const review = await office.get(tile!.href);
    const listed = [...review.text.matchAll(new RegExp(`<td><a href="/rounds/${open}/sites/(\\d+)">`, 'g'))]
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    expect(listed).toEqual(submitted);
  });

  it('lists a round that ends within three days with its unfinished sheets, which an exclusion lowers', async () => {
    const office = await as('office');
    const open = roundWithStatus(db(), 'open');
    const before = (await office.get('/')).text;
    expect(before).toContain('没有三天内结束而仍有点位未提交的轮次');
    db().prepare('UPDATE rounds SET ends_on = ? WHERE id = ?').run(day(2), open); // setup: the end draws near
    // unfinished = included sites − those whose sheet is submitted or approved
    const included = one(
      'SELECT count(*) FROM round_sites WHERE round_id = ? AND excluded_reason IS NULL',
      open,
    ) as number;
    const done = one(
      "SELECT count(*) FROM inspections WHERE round_id = ? AND status IN ('submitted', 'approved')",
      open,
    ) as number;
    let page = (await office.get('/')).text;
    expect(page).toContain(`结束日期 ${day(2)}，还剩 2 天`);
    expect(page).toContain(`未提交 ${included - done} 个点位`);
    expect(page).toContain(`href="/rounds/${open}/assignments"`);
    // excluding a site with no sheet leaves one fewer to wait for
    const empty = one(
      `SELECT rs.site_id FROM round_sites rs WHERE rs.round_id = ? AND rs.excluded_reason IS NULL
         AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.round_id = rs.round_id AND i.site_id = rs.site_id)
       ORDER BY rs.site_id LIMIT 1`,
      open,
    ) as number;
    await office.get(`/rounds/${open}/assignments`);
    expect((await office.post(`/rounds/${open}/sites/${empty}/exclude`, { reason: '道路施工' })).status).toBe(
      303,
    );
    page = (await office.get('/')).text;
    expect(page).toContain(`未提交 ${included - done - 1} 个点位`);
    db().prepare('UPDATE rounds SET ends_on = ? WHERE id = ?').run(day(-1), open);
    expect((await office.get('/')).text).toContain('已过结束日期 1 天');
  });
});

describe('the inspector home page', () => {
  it('puts returned sheets first, then unfinished ones, then the rest, keeping the cards the tablet script reads', async () => {
    const c = await as('inspector1');
    const me = userIdOf(db(), 'inspector1');
    const open = roundWithStatus(db(), 'open');
    const html = (await c.get('/')).text;
    const section = (pile: string) => {
      const m = new RegExp(`<section class="pile pile-${pile}">([\\s\\S]*?)</section>`).exec(html);
      return m
        ? [...m[1]!.matchAll(/data-site-id="(\d+)"/g)].map((x) => Number(x[1])).sort((a, b) => a - b)
        : [];
    };
    const mine = (where: string) =>
      ids(
        `SELECT a.site_id FROM assignments a LEFT JOIN inspections i ON i.round_id = a.round_id AND i.site_id = a.site_id
         WHERE a.round_id = ? AND a.inspector_id = ? AND ${where} ORDER BY a.site_id`,
        open,
        me,
      );
    const returned = mine("i.status = 'returned'");
    expect(returned.length).toBeGreaterThan(0);
    expect(section('returned')).toEqual(returned);
    expect(section('unfinished')).toEqual(mine("(i.id IS NULL OR i.status = 'draft')"));
    expect(section('done')).toEqual(mine("i.status IN ('submitted', 'approved')"));
    const at = (p: string) => html.indexOf(`class="pile pile-${p}"`);
    expect(at('returned')).toBeGreaterThan(-1);
    expect(at('returned')).toBeLessThan(at('unfinished'));
    if (at('done') > -1) expect(at('unfinished')).toBeLessThan(at('done'));
    // the reason it came back is on its card
    const reason = one(
      'SELECT returned_reason FROM inspections WHERE round_id = ? AND site_id = ?',
      open,
      returned[0],
    ) as string;
    expect(html).toContain(`退回原因：${reason}`);
    expect(html).toContain('<div id="offline-notices" data-scope="all"></div>');
    // with the sheet's revision, which the tablet compares with the last one it had accepted
    const revision = one(
      'SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?',
      open,
      returned[0],
    ) as number;
    expect(revision).toBeGreaterThan(0);
    expect(html).toMatch(
      new RegExp(
        `<li class="site-card" data-round-id="${open}" data-site-id="${returned[0]}" data-revision="${revision}"><a href="/rounds/${open}/sites/${returned[0]}">`,
      ),
    );
  });

  it('finds a site by name and counts the fixes waiting for this inspector’s 复查', async () => {
    const c = await as('inspector1');
    const me = userIdOf(db(), 'inspector1');
    const open = roundWithStatus(db(), 'open');
    const site = one(
      'SELECT s.name FROM assignments a JOIN sites s ON s.id = a.site_id WHERE a.round_id = ? AND a.inspector_id = ? ORDER BY s.id LIMIT 1',
      open,
      me,
    ) as string;
    const found = (await c.get(`/?q=${encodeURIComponent(site)}`)).text;
    const names = [...found.matchAll(/<span class="site-name">([^<]+)<\/span>/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n!.includes(site))).toBe(true);

    const waiting = ids(
      // sites of theirs in a round, and problems from outside rounds the office gave them for 复查
      `SELECT p.id FROM problems p WHERE p.status = 'fixed' AND (p.reinspector_id = ? OR EXISTS (SELECT 1 FROM assignments a
         WHERE a.round_id = p.round_id AND a.site_id = p.site_id AND a.inspector_id = ?)) ORDER BY p.id`,
      me,
      me,
    );
    const html = (await c.get('/')).text;
    expect(html).toContain(
      `<a class="button" href="/problems?status=fixed">待复查的整改 <b class="count">${waiting.length}</b></a>`,
    );
    expect(boardIds((await c.get('/problems?status=fixed')).text)).toEqual(waiting);
  });
});

describe('the unit home page', () => {
  it('lists its open problems by nearest deadline, marks overdue ones, and shows no rounds table', async () => {
    const c = await as('chengguan');
    const unitId = unitIdOfUser(db(), 'chengguan');
    const units = ids(
      `WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT u.id FROM units u JOIN t ON u.parent_id = t.id) SELECT id FROM t`,
      unitId,
    );
    const inUnits = `unit_id IN (${units.join(',')})`;
    // setup: one of its problems three days past its deadline
    const late = one(
      `SELECT id FROM problems WHERE ${inUnits} AND status = 'open' ORDER BY id DESC LIMIT 1`,
    ) as number;
    db().prepare('UPDATE problems SET deadline = ?, deadline_time = NULL WHERE id = ?').run(day(-3), late);
    // a deadline in hours by its time, one without a time at the end of its day
    const expected = ids(
      `SELECT id FROM problems WHERE ${inUnits} AND status = 'open'
       ORDER BY deadline, coalesce(deadline_time, '24:00'), id`,
    );
    const html = (await c.get('/')).text;
    const queue = /<ul class="work-list problem-queue">([\s\S]*?)<\/ul>/.exec(html)![1]!;
    const listed = [...queue.matchAll(/<a href="\/problems\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(listed).toEqual(expected.slice(0, 20));
    // first, or after others as overdue as it (the demo's hotline items may fall due the same day)
    expect(listed).toContain(late);
    const ahead = listed.slice(0, listed.indexOf(late));
    for (const id of ahead)
      expect((one('SELECT deadline FROM problems WHERE id = ?', id) as string) <= day(-3)).toBe(true);
    expect(queue).toMatch(
      new RegExp(
        `<a href="/problems/${late}">\\s*<span class="deadline"><span class="flag">逾期 3 天</span> <small class="muted">时限 ${day(-3)}</small>`,
      ),
    );
    const t = tiles(html);
    expect(t.get('待整改')).toEqual({ value: expected.length, href: '/problems?status=open', note: '' });
    // a deadline in hours due today is overdue once its minute has passed
    const hhmm = new Date(Date.now() + 8 * 3600_000).toISOString().slice(11, 16);
    const overdue = ids(
      `SELECT id FROM problems WHERE ${inUnits} AND status = 'open'
         AND (deadline < ? OR (deadline = ? AND deadline_time < ?))`,
      day(),
      day(),
      hhmm,
    );
    expect(t.get('其中逾期')?.value).toBe(overdue.length);
    expect(boardIds((await c.get('/problems?overdue=1')).text)).toEqual(overdue.sort((a, b) => a - b));
    if (expected.length > 20) expect(html).toContain(`查看全部 ${expected.length} 个待整改问题`);
    expect(html).not.toContain('已分工');
    expect(html).not.toContain('<table');
  });

  it('shows a pending request, then the office’s answer to it', async () => {
    const c = await as('chengguan');
    const target = one(
      `SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id
       WHERE u.code = 'D-CGJ' AND p.status = 'open' AND p.request IS NULL ORDER BY p.id DESC LIMIT 1`,
    ) as number;
    const deadline = one('SELECT deadline FROM problems WHERE id = ?', target) as string;
    const later = new Date(Date.parse(`${deadline}T00:00:00Z`) + 5 * 86_400_000).toISOString().slice(0, 10);
    await c.get(`/problems/${target}`);
    const form = new FormData();
    form.set('kind', 'extension');
    form.set('note', '材料采购需要时间');
    form.set('deadline', later);
    form.set('_csrf', c.csrf!);
    expect((await c.postMultipart(`/problems/${target}/request`, form, { csrf: 'field' })).status).toBe(303);
    let html = (await c.get('/')).text;
    const pending = /<h3>待创城办答复（(\d+)）<\/h3>\s*<ul class="work-list">([\s\S]*?)<\/ul>/.exec(html)!;
    expect(pending[2]).toContain(`<a href="/problems/${target}"><span class="badge">延期</span>`);
    expect(pending[2]).toContain(`理由：材料采购需要时间；申请延至 ${later}`);

    const waiting = ids(`SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id
       WHERE u.code = 'D-CGJ' AND p.status = 'open' AND p.request IS NOT NULL ORDER BY p.id`);
    expect(waiting).toContain(target);
    expect(tiles(html).get('待处理的申请')).toEqual({
      value: waiting.length,
      href: '/problems?request=any',
      note: '',
    });
    expect(boardIds((await c.get('/problems?request=any')).text)).toEqual(waiting);

    const office = await as('office');
    await office.get(`/problems/${target}`);
    const decided = await office.post(`/problems/${target}/decide`, { approve: '0', note: '时限内可以完成' });
    expect(decided.status, decided.text.slice(0, 300)).toBe(303);
    html = (await c.get('/')).text;
    expect(/<h3>待创城办答复（(\d+)）/.exec(html)![1]).toBe(String(Number(pending[1]) - 1));
    expect(html).toMatch(
      new RegExp(
        `<a href="/problems/${target}">\\s*<span class="badge">延期</span> <b>不同意延期</b>[\\s\\S]*?意见：时限内可以完成`,
      ),
    );
  });

  it('links the results of every published round', async () => {
    const c = await as('chengguan');
    const published = ids(
      "SELECT id FROM rounds WHERE status = 'published' ORDER BY starts_on DESC, id DESC",
    );
    expect(published.length).toBeGreaterThan(0);
    const html = (await c.get('/')).text;
    const linked = [...html.matchAll(/<a href="\/rounds\/(\d+)\/results">/g)].map((m) => Number(m[1]));
    expect(linked).toEqual(published);
    for (const id of linked) expect((await c.get(`/rounds/${id}/results`)).status).toBe(200);
  });
});
