// 包联 leaders as accounts: the office creates, edits and imports them (a leader belongs to a 包联 unit;
// anything else is refused in Chinese and nothing is stored); a leader logs in like anyone, and their
// home page (phone first) lists the 社区 their unit 包联s with the published round's score and rank and
// their problems, hand-counted; they open what is theirs and get 403 with the rule's reason elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { Client, loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { communityIdOf, roundWithStatus, streetIdOf, unitIdOf, userIdOf } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { atomically } from '../../src/db/connection.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createUnit, linkLiaison } from '../../src/services/units.ts';
import { createCommunity } from '../../src/services/places.ts';
import { computeDeadline } from '../../src/services/deadlines.ts';
import { raiseOutsideProblem, type OutsideProblemInput } from '../../src/services/outside-problems.ts';
import { resultsFor } from '../../src/services/results.ts';
import { formatRate } from '../../src/scoring/standard.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
/** The problems a part of a page links to, in order. */
const problemIds = (html: string) => [...html.matchAll(/href="\/problems\/(\d+)"/g)].map((m) => Number(m[1]));
const unchanged = () => {
  const before = snapshot(db(), join(app.dir, 'uploads'));
  return () => expect(snapshot(db(), join(app.dir, 'uploads'))).toEqual(before);
};

/** A 包联 unit of its own with one new 社区 (no sites, so no round's problems): counts are ours to make. */
let unitId = 0;
let communityId = 0;
let otherCommunityId = 0;

describe('the office keeps 包联领导 accounts', () => {
  beforeAll(() => {
    unitId = createUnit(db(), SYSTEM, { code: 'L-TYB', name: '区统战部', kind: 'other' });
    communityId = createCommunity(db(), SYSTEM, streetIdOf(db(), '东湖街道'), '翠湖社区', null);
    linkLiaison(db(), SYSTEM, communityId, unitId);
    otherCommunityId = communityIdOf(db(), '和平社区');
  });

  it('offers the role and the 包联 units on the users page', async () => {
    const page = await (await as('office')).get('/users');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<option value="leader" >包联领导</option>');
    expect(page.text).toMatch(
      /<optgroup label="包联单位（包联领导选这里）">[^]*区统战部（L-TYB）[^]*<\/optgroup>/,
    );
    // leader-xcb, from the demo, is listed with the role and the unit they lead selected
    const id = userIdOf(db(), 'leader-xcb');
    const row = page.text.slice(page.text.indexOf(`<tr id="user-${id}"`)).split('</tr>')[0]!;
    expect(row).toContain('<option value="leader" selected>包联领导</option>');
    expect(row).toContain(`<option value="${unitIdOf(db(), 'L-XCB')}" selected>区委宣传部（L-XCB）</option>`);
  });

  it('refuses a leader without a unit, or with a unit that 包联s nothing, storing nothing', async () => {
    const office = await as('office');
    const same = unchanged();
    const noUnit = await office.post('/users', {
      username: 'leader-tyb',
      password: 'tyb-pass-2026',
      role: 'leader',
      displayName: '冯部长',
      unitId: '',
    });
    expect(noUnit.status).toBe(400);
    expect(noUnit.text).toContain('包联领导账号必须指定所领导的包联单位');
    expect(noUnit.text).toContain('value="leader-tyb"'); // what was typed is shown again
    const notLiaison = await office.post('/users', {
      username: 'leader-tyb',
      password: 'tyb-pass-2026',
      role: 'leader',
      unitId: String(unitIdOf(db(), 'C-DH-1')),
    });
    expect(notLiaison.status).toBe(400);
    expect(notLiaison.text).toContain('“幸福社区居委会”不是包联单位：包联领导只能属于包联社区的部门或单位');
    same();
  });

  it('creates a leader who then logs in like anyone, and edits them (refusing a non-包联 unit)', async () => {
    const office = await as('office');
    const made = await office.post('/users', {
      username: 'leader-tyb',
      password: 'tyb-pass-2026',
      role: 'leader',
      displayName: '冯部长',
      unitId: String(unitId),
    });
    expect(made.status).toBe(303);
    expect(one("SELECT role || ':' || unit_id FROM users WHERE username = 'leader-tyb'")).toBe(
      `leader:${unitId}`,
    );
    const wrong = new Client(app.url);
    expect((await wrong.login('leader-tyb', 'not-the-password')).status).toBe(400);
    const leader = new Client(app.url);
    expect((await leader.login('leader-tyb', 'tyb-pass-2026')).status).toBe(303);
    expect((await leader.get('/')).text).toContain('<h1>区统战部 <small class="muted">包联社区</small></h1>');

    const id = userIdOf(db(), 'leader-tyb');
    const same = unchanged();
    const toStreet = await office.post(`/users/${id}`, {
      displayName: '冯部长',
      role: 'leader',
      unitId: String(unitIdOf(db(), 'S-DH')),
      homeStreetId: '',
      active: '1',
    });
    expect(toStreet.status).toBe(400);
    expect(toStreet.text).toContain('“东湖街道办事处”不是包联单位');
    same();
    const renamed = await office.post(`/users/${id}`, {
      displayName: '冯副部长',
      role: 'leader',
      unitId: String(unitId),
      homeStreetId: '',
      active: '1',
    });
    expect(renamed.status).toBe(303);
    expect(one('SELECT display_name FROM users WHERE id = ?', id)).toBe('冯副部长');
  });

  it('imports leaders all or nothing: a missing or non-包联 unit names its row', async () => {
    const office = await as('office');
    await office.get('/imports');
    const upload = async (rows: unknown[][]) => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('用户');
      ws.addRow(['用户名', '姓名', '角色', '所属单位', '所在镇街', '初始密码']);
      for (const r of rows) ws.addRow(r);
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(await wb.xlsx.writeBuffer())]), 'users.xlsx');
      return office.postMultipart('/imports/users', form, { csrf: 'field' });
    };
    const same = unchanged();
    const bad = await upload([
      ['leader-fgw', '许主任', '包联领导', 'L-FGW', '', 'fgw-pass-2026'],
      ['leader-none', '甲', '包联领导', '', '', 'none-pass-2026'],
      ['leader-cgj2', '乙', '包联领导', '东湖街道办事处', '', 'cgj-pass-2026'],
    ]);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('第3行「所属单位」包联领导账号必须指定所领导的包联单位');
    expect(bad.text).toContain('第4行「所属单位」“东湖街道办事处”不是包联单位');
    same();
    const good = await upload([['leader-fgw', '许主任', '包联领导', 'L-FGW', '', 'fgw-pass-2026']]);
    expect(good.text).toContain('已导入用户 1 条');
    expect(one("SELECT role || ':' || unit_id FROM users WHERE username = 'leader-fgw'")).toBe(
      `leader:${unitIdOf(db(), 'L-FGW')}`,
    );
    expect((await new Client(app.url).login('leader-fgw', 'fgw-pass-2026')).status).toBe(303);
  });
});

describe('a leader’s home page', () => {
  const raise = (input: Partial<OutsideProblemInput> & Pick<OutsideProblemInput, 'deadline'>) =>
    atomically(db(), () =>
      raiseOutsideProblem(
        db(),
        {
          source: 'inspection',
          communityId,
          description: '测试问题',
          unitId: unitIdOf(db(), 'C-DH-1'),
          recordedBy: null,
          ...input,
        },
        null,
      ),
    );
  let ids: Record<string, number> = {};

  beforeAll(() => {
    // 2026-09-30 10:00 in Shanghai: 3 working days end on 2026-10-10 (国庆 1–8 October, 10 October a make-up Saturday)
    setClock('2026-09-30T02:00:00.000Z');
    const leaderId = userIdOf(db(), 'leader-tyb');
    const workdays = computeDeadline(db(), { unit: 'workdays', amount: 3 });
    expect(workdays.deadline).toBe('2026-10-10');
    ids = {
      walk: raise({
        deadline: workdays,
        description: '绿化带垃圾',
        recordedBy: leaderId,
        address: '翠湖路口',
      }),
      late: raise({
        source: 'hotline',
        externalRef: 'GD-0001',
        description: '路灯不亮',
        deadline: computeDeadline(db(), { unit: 'calendar', amount: 2 }, new Date('2026-09-20T02:00:00Z')),
      }),
      soon: raise({ deadline: computeDeadline(db(), { unit: 'hours', amount: 4 }), description: '井盖缺失' }),
      // recorded by the leader in a 社区 that is not theirs: theirs to see all the same
      away: raise({
        communityId: otherCommunityId,
        description: '外地问题',
        recordedBy: leaderId,
        deadline: computeDeadline(db(), { unit: 'calendar', amount: 30 }),
      }),
      fixed: raise({
        description: '已整改的问题',
        recordedBy: leaderId,
        deadline: computeDeadline(db(), { unit: 'calendar', amount: 7 }),
      }),
    };
    db()
      .prepare(
        "UPDATE problems SET status = 'fixed', fixed_by = ?, fixed_at = ?, fix_note = '已清理' WHERE id = ?",
      )
      .run(userIdOf(db(), 'xingfu'), '2026-09-30T02:30:00.000Z', ids.fixed);
  });

  it('lists their 社区, the problems by nearest deadline with the 来源, the fixes to re-inspect and what they recorded', async () => {
    const leader = new Client(app.url);
    await leader.login('leader-tyb', 'tyb-pass-2026');
    const home = (await leader.get('/')).text;
    // 待整改: walk, late, soon, away (4); 逾期: late (deadline 2026-09-22); 待复查: fixed
    expect(home).toContain('<span class="value">4</span><span class="label">待整改</span>');
    expect(home).toContain('<span class="value">1</span><span class="label">其中逾期</span>');
    expect(home).toContain('<span class="value">1</span><span class="label">待复查</span>');
    expect(home).toContain('<b>翠湖社区</b> <small class="muted">东湖街道</small>');
    expect(home).toContain('本轮未参加测评');
    const open = home.slice(home.indexOf('id="open-title"'), home.indexOf('id="fixed-title"'));
    expect(problemIds(open)).toEqual([ids.late, ids.soon, ids.walk, ids.away]);
    expect(open).toContain('逾期 8 天');
    expect(open).toContain('时限 2026-09-30 14:00');
    expect(open).toContain('时限 2026-10-10');
    expect(open).toContain(
      '<span class="badge">12345</span> <b>翠湖社区</b> <small class="muted">东湖街道 / 翠湖社区</small>',
    );
    expect(open).toContain('<span class="badge">督查</span> <b>翠湖路口</b>');
    const fixed = home.slice(home.indexOf('id="fixed-title"'), home.indexOf('id="recorded-title"'));
    expect(fixed).toContain(`href="/problems/${ids.fixed}"`);
    expect(fixed).toContain('由您复查');
    const recorded = home.slice(home.indexOf('id="recorded-title"'));
    expect(recorded).toContain('我记录的问题（3）');
    expect(problemIds(recorded)).toEqual([ids.fixed, ids.away, ids.walk]);
    expect(home).toContain('<a class="button primary record-problem" href="/problems/new">');
    expect(home).toContain('<a class="help-link" href="/help/guide#leader-home"');
  });

  it('an hours deadline passes to the minute', async () => {
    setClock('2026-09-30T06:01:00.000Z'); // 14:01 in Shanghai
    const leader = new Client(app.url);
    await leader.login('leader-tyb', 'tyb-pass-2026');
    const home = (await leader.get('/')).text;
    expect(home).toContain('<span class="value">2</span><span class="label">其中逾期</span>');
    expect(home).toContain('已逾期');
    setClock('2026-09-30T02:00:00.000Z');
  });

  it('gives each 社区 the score and rank the results pages give it', async () => {
    setClock(null);
    const leader = await as('leader-xcb');
    const home = (await leader.get('/')).text;
    const roundId = roundWithStatus(db(), 'published');
    const results = resultsFor(app.booted, SYSTEM, roundId).results;
    for (const name of ['幸福社区', '朝阳社区', '桃园社区', '永安社区']) {
      const c = results.communities.find((x) => x.name === name)!;
      expect(home).toContain(`<a href="/rounds/${roundId}/results/communities/${c.id}">`);
      expect(home).toContain(`<b>${name}</b>`);
      expect(home).toContain(`得分率 <b>${formatRate(c.rate)}</b> · 第 ${c.rank} 名`);
    }
    expect(home).not.toContain('<b>和平社区</b>');
  });
});

describe('what a leader may open', () => {
  it('opens rounds, a published round’s results (their 社区 only), their board and problem', async () => {
    const leader = await as('leader-xcb');
    expect((await leader.get('/rounds')).status).toBe(200);
    const roundId = roundWithStatus(db(), 'published');
    const results = await leader.get(`/rounds/${roundId}/results`);
    expect(results.status).toBe(200);
    expect(results.text).toContain('幸福社区');
    expect(results.text).not.toContain('和平社区');
    const board = await leader.get('/problems');
    expect(board.status).toBe(200);
    const mine = one(
      "SELECT p.id FROM problems p JOIN sites s ON s.id = p.site_id WHERE s.community_id = ? AND p.status = 'open' LIMIT 1",
      communityIdOf(db(), '幸福社区'),
    ) as number;
    expect(board.text).toContain(`/problems/${mine}"`);
    expect((await leader.get(`/problems/${mine}`)).status).toBe(200);
  });

  it('gets 403 with the rule’s reason elsewhere', async () => {
    const leader = await as('leader-xcb');
    const places = await leader.get('/places');
    expect(places.status).toBe(403);
    expect(places.text).toContain('没有权限访问此页面');
    const theirs = one(
      'SELECT p.id FROM problems p JOIN sites s ON s.id = p.site_id WHERE s.community_id = ? LIMIT 1',
      communityIdOf(db(), '和平社区'),
    ) as number;
    const other = await leader.get(`/problems/${theirs}`);
    expect(other.status).toBe(403);
    expect(other.text).toContain('您无权查看该问题');
    const open = await leader.get(`/rounds/${roundWithStatus(db(), 'open')}`);
    expect(open.status).toBe(403);
    expect(open.text).toContain('您无权查看该测评轮次');
    expect((await leader.get('/users')).status).toBe(403);
  });
});
