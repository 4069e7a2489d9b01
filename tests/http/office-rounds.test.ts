// As the creation office: create a round (with a repeatable random sample), assign inspectors with
// 回避, review and approve or correct sheets, close, publish and withdraw — and the refusals, over HTTP
// and, for the access rules, by calling the round services directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { firstIdIn, roundIdOf, roundWithStatus, userIdOf, versionIdOf } from '../helpers/ids.ts';
import type { UserRow } from '../../src/db/repos/users.ts';
import { Forbidden } from '../../src/errors.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { setAvoidancePolicy, assignInspector } from '../../src/services/assignments.ts';
import { closeRound, excludeSite, withdrawPublication } from '../../src/services/round-lifecycle.ts';
import { assignmentsPage, reviewPage, roundPage, roundsPage } from '../../src/services/round-pages.ts';
import { createRound as createRoundAs, openRound } from '../../src/services/rounds.ts';

let app: TestApp;
let office: Client;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const versionId = () => versionIdOf(db(), 'district-2026');

async function createRound(fields: Record<string, string>) {
  await office.get('/rounds/new');
  return office.post('/rounds', {
    name: '测试轮次',
    startsOn: '2026-12-01',
    endsOn: '2026-12-07',
    criteriaVersionId: String(versionId()),
    mode: 'all',
    ...fields,
  });
}

const roundSites = (id: number) =>
  db().prepare('SELECT site_id FROM round_sites WHERE round_id = ? ORDER BY site_id').pluck().all(id);

describe('creating rounds', () => {
  it('draws a random sample per site type that the recorded seed repeats', async () => {
    const a = await createRound({ name: '抽样A', mode: 'sample', perType: '2', seed: '12345' });
    const b = await createRound({ name: '抽样B', mode: 'sample', perType: '2', seed: '12345' });
    const c = await createRound({ name: '抽样C', mode: 'sample', perType: '2', seed: '999' });
    const [ia, ib, ic] = [a, b, c].map((r) => Number(r.location!.split('/').pop()));
    expect(roundSites(ia!)).toEqual(roundSites(ib!));
    expect(roundSites(ia!)).not.toEqual(roundSites(ic!));
    const types = one(
      'SELECT count(DISTINCT s.site_type) FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ?',
      ia,
    ) as number;
    expect(roundSites(ia!).length).toBeLessThanOrEqual(types * 2);
    const page = await office.get(`/rounds/${ia}`);
    expect(page.text).toContain('随机抽样：每类 2 个（随机种子 12345）');
    expect(page.text).toContain('草稿');
  });

  it('creates a round of chosen site types only', async () => {
    const r = await createRound({ name: '市场专项', mode: 'types', types: 'market' });
    const id = Number(r.location!.split('/').pop());
    const kinds = db()
      .prepare(
        'SELECT DISTINCT s.site_type FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ?',
      )
      .pluck()
      .all(id);
    expect(kinds).toEqual(['market']);
  });

  it.each([
    [{ name: '' }, '轮次名称不能为空'],
    [{ name: '轮'.repeat(101) }, '轮次名称不能超过100个字符'],
    [{ endsOn: '2026-11-01' }, '结束日期不能早于开始日期'],
    [{ startsOn: '12/01/2026' }, '开始日期格式应为 YYYY-MM-DD'],
    [{ criteriaVersionId: '9999' }, '测评体系版本不存在'],
    [{ mode: 'types' }, '至少选择一个点位类型'],
    [{ mode: 'sample', perType: '0', seed: '1' }, '每类抽取数至少为1'],
  ])('refuses %o with its message and creates nothing', async (fields, message) => {
    const before = one('SELECT count(*) FROM rounds');
    const r = await createRound(fields);
    expect(r.status).toBe(400);
    expect(r.text).toContain(message);
    expect(one('SELECT count(*) FROM rounds')).toBe(before);
  });
});

describe('assignments with 回避', () => {
  it('warns when an inspector gets a site in their home 镇街, refuses under the refuse policy', async () => {
    const r = await createRound({ name: '分工测试' });
    const id = Number(r.location!.split('/').pop());
    const inspector1 = userIdOf(db(), 'inspector1');
    const home = one('SELECT home_street_id FROM users WHERE id = ?', inspector1) as number;
    const site = one(
      'SELECT site_id FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ? AND s.street_id = ? LIMIT 1',
      id,
      home,
    ) as number;
    const warned = await office.post(`/rounds/${id}/assignments`, {
      siteId: String(site),
      inspectorId: String(inspector1),
    });
    expect(warned.status).toBe(303);
    const page = await office.get(`/rounds/${id}/assignments`);
    expect(page.text).toContain('应当回避');
    expect(one('SELECT inspector_id FROM assignments WHERE round_id = ? AND site_id = ?', id, site)).toBe(
      inspector1,
    );

    db()
      .prepare(
        "INSERT INTO settings (key, value) VALUES ('avoidance_policy', 'refuse') ON CONFLICT(key) DO UPDATE SET value = 'refuse'",
      )
      .run();
    try {
      const other = one(
        'SELECT site_id FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ? AND s.street_id = ? AND r.site_id <> ? LIMIT 1',
        id,
        home,
        site,
      ) as number;
      const refused = await office.post(`/rounds/${id}/assignments`, {
        siteId: String(other),
        inspectorId: String(inspector1),
      });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('应当回避');
      expect(refused.text).toContain(`href="/rounds/${id}/assignments">返回上一页`);
      expect(one('SELECT count(*) FROM assignments WHERE round_id = ? AND site_id = ?', id, other)).toBe(0);
    } finally {
      await office.post('/settings/avoidance', { policy: 'warn' });
    }
  });

  it('assigns a whole 社区 in bulk and spreads the rest evenly, keeping inspectors out of their home 镇街', async () => {
    const r = await createRound({ name: '批量分工' });
    const id = Number(r.location!.split('/').pop());
    const community = one('SELECT id FROM communities ORDER BY id DESC LIMIT 1') as number;
    const inspector3 = userIdOf(db(), 'inspector3');
    await office.post(`/rounds/${id}/assignments/bulk`, {
      scope: `community:${community}`,
      inspectorId: String(inspector3),
    });
    const inCommunity = one(
      'SELECT count(*) FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ? AND s.community_id = ?',
      id,
      community,
    );
    expect(
      one(
        'SELECT count(*) FROM assignments a JOIN sites s ON s.id = a.site_id WHERE a.round_id = ? AND s.community_id = ? AND a.inspector_id = ?',
        id,
        community,
        inspector3,
      ),
    ).toBe(inCommunity);

    const inspectors = db()
      .prepare("SELECT id FROM users WHERE role = 'inspector' ORDER BY id")
      .pluck()
      .all() as number[];
    const body = new URLSearchParams({ scope: 'unassigned', _csrf: office.csrf! });
    for (const i of inspectors) body.append('inspectorIds', String(i));
    await fetch(`${app.url}/rounds/${id}/assignments/spread`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `cc.sid=${office.cookies.get('cc.sid')}`,
      },
      body,
      redirect: 'manual',
    });
    expect(one('SELECT count(*) FROM round_sites WHERE round_id = ?', id)).toBe(
      one('SELECT count(*) FROM assignments WHERE round_id = ?', id),
    );
    const loads = db()
      .prepare(
        'SELECT count(*) FROM assignments WHERE round_id = ? AND site_id NOT IN (SELECT id FROM sites WHERE community_id = ?) GROUP BY inspector_id',
      )
      .pluck()
      .all(id, community) as number[];
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    const avoided = one(
      `SELECT count(*) FROM assignments a JOIN users u ON u.id = a.inspector_id JOIN sites s ON s.id = a.site_id
       WHERE a.round_id = ? AND u.home_street_id = s.street_id`,
      id,
    );
    expect(avoided).toBe(0);
  });
});

describe('the round page', () => {
  it('counts assignments of sites still in the round: an excluded site’s assignment does not count', async () => {
    const r = await createRound({ name: '分工计数', mode: 'types', types: 'park' });
    const id = Number(r.location!.split('/').pop());
    const sites = roundSites(id) as number[];
    expect(sites.length).toBeGreaterThan(1);
    const inspector = userIdOf(db(), 'inspector2');
    await office.get(`/rounds/${id}/assignments`);
    for (const s of sites)
      await office.post(`/rounds/${id}/assignments`, { siteId: String(s), inspectorId: String(inspector) });
    const n = sites.length;
    expect((await office.get(`/rounds/${id}`)).text).toContain(`<dd>${n} 个，已分工 ${n} 个</dd>`);
    await office.post(`/rounds/${id}/sites/${sites[0]}/exclude`, { reason: '点位已拆除' });
    const page = (await office.get(`/rounds/${id}`)).text;
    expect(page).toContain(`<dd>${n - 1} 个，已分工 ${n - 1} 个</dd>`);
    const list = (await office.get('/rounds')).text;
    expect(list).toMatch(
      new RegExp(`分工计数</a></td>[\\s\\S]*?<td class="num">${n - 1}</td>\\s*<td class="num">${n - 1}</td>`),
    );
  });
});

describe('review, close, publish', () => {
  it('lists the first 20 sheets in the way of closing, and says how many more there are', async () => {
    const id = roundWithStatus(db(), 'open');
    const pending = one(
      `SELECT count(*) FROM round_sites rs
       LEFT JOIN inspections i ON i.round_id = rs.round_id AND i.site_id = rs.site_id
       WHERE rs.round_id = ? AND rs.excluded_reason IS NULL AND coalesce(i.status, '') <> 'approved'`,
      id,
    ) as number;
    expect(pending).toBeGreaterThan(20); // the demo's open round: 71 sites, none approved yet
    await office.get(`/rounds/${id}`);
    const r = await office.post(`/rounds/${id}/close`);
    expect(r.status).toBe(409);
    expect(r.text).toContain(`还有 ${pending} 个点位未审核通过或排除`);
    const items = [...r.text.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]!);
    const listed = items.filter((t) => /（[^）]+）$/.test(t));
    expect(listed).toHaveLength(20);
    expect(items).toContain(`……另有 ${pending - 20} 个点位未列出，见本轮的“审核测评表”页`);
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('open');
  });

  it('walks a round from open to published and back, with every refusal on the way', async () => {
    const r = await createRound({ name: '完整流程', mode: 'types', types: 'park' });
    const id = Number(r.location!.split('/').pop());
    await office.post(`/rounds/${id}/open`);
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('open');
    const sites = roundSites(id) as number[];
    const inspector = new Client(app.url);
    await inspector.login('inspector3');
    const inspector3 = userIdOf(db(), 'inspector3');
    for (const s of sites)
      await office.post(`/rounds/${id}/assignments`, { siteId: String(s), inspectorId: String(inspector3) });

    // the inspector fills and submits the first site; the second stays empty
    const { criteria } = app.booted.criteria.getByCode('district-2026');
    const standards = criteria.forSiteType('park');
    const changes = standards.map((s, i) => ({
      standard: s.code,
      result: i === 0 && !s.photoRequired ? 'fail' : 'ok',
      cases: i === 0 && !s.photoRequired ? 1 : 0,
    }));
    await inspector.get(`/rounds/${id}/sites/${sites[0]}`);
    expect(
      (
        await inspector.postJson(`/api/rounds/${id}/sites/${sites[0]}/changes`, {
          batchId: randomUUID(),
          baseRevision: 0,
          changes,
        })
      ).status,
    ).toBe(200);
    expect((await inspector.post(`/rounds/${id}/sites/${sites[0]}/submit`, { confirmed: '1' })).status).toBe(
      303,
    );

    const waiting = await office.get(`/rounds/${id}/review?status=submitted`);
    expect(waiting.text).toContain(`/rounds/${id}/sites/${sites[0]}`);
    expect((await office.get(`/rounds/${id}/review?status=nonsense`)).status).toBe(400);

    // a correction needs a reason, and is marked and audited
    const code = standards[1]!.code;
    await office.get(`/rounds/${id}/sites/${sites[0]}`);
    const noReason = await office.post(`/rounds/${id}/sites/${sites[0]}/correct`, {
      standard: code,
      result: 'na',
      cases: '0',
      reason: '',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('更正必须填写原因');
    // the sheet again, not an error page: that answer's correction open with what was typed (不适用 chosen)
    // and the message by the reason field
    expect(noReason.text).not.toContain('返回上一页');
    const fix = noReason.text.slice(noReason.text.indexOf(`form="fix-${code}"`) - 400);
    expect(noReason.text).toMatch(new RegExp(`<details class="correct" open>[\\s\\S]*?form="fix-${code}"`));
    expect(fix).toMatch(/<option value="na" selected>/);
    expect(noReason.text).toMatch(/<span class="field-error">更正必须填写原因<\/span>/);
    expect(
      one(
        'SELECT result FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND a.standard_code = ?',
        id,
        code,
      ),
    ).toBe('ok');
    // corrected from the filtered review, it comes back to the corrected answer under the same filter
    const back = await office.post(`/rounds/${id}/sites/${sites[0]}/correct`, {
      standard: code,
      result: 'na',
      cases: '0',
      reason: '该公园无此设施',
      show: 'corrected',
    });
    expect(back.location).toBe(`/rounds/${id}/sites/${sites[0]}?show=corrected#std-${code}`);
    const corrected = await office.get(`/rounds/${id}/sites/${sites[0]}`);
    expect(corrected.text).toContain('已更正');

    // the review filter: only 不符合 / 已更正 / 照片存疑 answers (the others are in the page, hidden)
    const visible = (html: string) =>
      [...html.matchAll(/<section class="std" id="std-([^"]+)"[^>]*data-result="[^"]*">/g)].map((m) => m[1]);
    const failed = changes.filter((c) => c.result === 'fail').map((c) => c.standard);
    expect(visible(corrected.text)).toHaveLength(standards.length);
    const onlyFail = (await office.get(`/rounds/${id}/sites/${sites[0]}?show=fail`)).text;
    expect(visible(onlyFail)).toEqual(failed);
    expect(onlyFail).toContain(`aria-current="page">不符合 ${failed.length}</a>`);
    const onlyCorrected = (await office.get(`/rounds/${id}/sites/${sites[0]}?show=corrected`)).text;
    expect(visible(onlyCorrected)).toEqual([code]);
    expect(onlyCorrected).toContain('<input type="hidden" name="show" value="corrected">');
    expect(visible((await office.get(`/rounds/${id}/sites/${sites[0]}?show=flagged`)).text)).toEqual([]);
    const badFilter = await office.get(`/rounds/${id}/sites/${sites[0]}?show=everything`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.text).toContain('筛选条件无效');
    const audit = JSON.parse(
      one("SELECT detail FROM audit_log WHERE action = 'answer.correct' ORDER BY id DESC LIMIT 1") as string,
    );
    expect(audit).toMatchObject({
      standard: code,
      reason: '该公园无此设施',
      old: { result: 'ok' },
      new: { result: 'na' },
    });

    // closing is refused until every site is approved or excluded
    const notReady = await office.post(`/rounds/${id}/close`);
    expect(notReady.status).toBe(409);
    expect(notReady.text).toMatch(/还有 \d+ 个点位未审核通过或排除/);
    // the sheets still in the way are listed, with their state
    expect(notReady.text).toMatch(/<ul class="error-details"><li>[^<]+（[^<]+）<\/li>/);
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('open');
    await office.post(`/rounds/${id}/sites/${sites[0]}/approve`);
    expect(one('SELECT status FROM inspections WHERE round_id = ? AND site_id = ?', id, sites[0])).toBe(
      'approved',
    );
    for (const s of sites.slice(1)) {
      await office.post(`/rounds/${id}/sites/${s}/exclude`, { reason: '' });
      expect(
        one('SELECT excluded_reason FROM round_sites WHERE round_id = ? AND site_id = ?', id, s),
      ).toBeNull();
      await office.post(`/rounds/${id}/sites/${s}/exclude`, { reason: '施工封闭，无法测评' });
    }
    // closing asks first, saying what it means; nothing changes until the confirmation is posted
    const ask = await office.post(`/rounds/${id}/close`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('结束本轮测评？');
    expect(ask.text).toContain('本轮结果即为最终结果');
    expect(ask.text).toContain('测评员不能再填写或修改本轮的测评表');
    expect(ask.text).toMatch(
      new RegExp(
        `<form method="post" action="/rounds/${id}/close" class="confirm-actions">[\\s\\S]*name="confirmed" value="1"[\\s\\S]*确认结束`,
      ),
    );
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('open');
    const closed = await office.post(`/rounds/${id}/close`, { confirmed: '1' });
    expect([closed.status, closed.location]).toEqual([303, `/rounds/${id}`]);
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('closed');
    expect((await office.get(`/rounds/${id}`)).text).toContain('轮次已结束，结果为最终结果');

    // units see it only once published
    const unit = new Client(app.url);
    await unit.login('chengguan');
    expect((await unit.get(`/rounds/${id}`)).status).toBe(403);
    const askPublish = await office.post(`/rounds/${id}/publish`);
    expect(askPublish.status).toBe(200);
    expect(askPublish.text).toContain('发布本轮结果？');
    expect(askPublish.text).toContain('各责任单位可以查看“完整流程”的结果与排名');
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('closed');
    expect((await unit.get(`/rounds/${id}`)).status).toBe(403);
    await office.post(`/rounds/${id}/publish`, { confirmed: '1' });
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('published');
    expect((await office.get(`/rounds/${id}`)).text).toContain('结果已发布，责任单位现在可以查看');
    expect((await unit.get(`/rounds/${id}`)).status).toBe(200);

    // frozen: no correction; withdrawing needs a reason and is audited
    await office.post(`/rounds/${id}/sites/${sites[0]}/correct`, {
      standard: code,
      result: 'ok',
      cases: '0',
      reason: '改回',
    });
    expect(
      one(
        'SELECT result FROM answers a JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND a.standard_code = ?',
        id,
        code,
      ),
    ).toBe('na');
    // a withdrawal without its reason is refused before asking: the round page again, the message by the field
    const withdrawNoReason = await office.post(`/rounds/${id}/withdraw`, { reason: '  ' });
    expect(withdrawNoReason.status).toBe(400);
    expect(withdrawNoReason.text).toContain('<h1>完整流程');
    expect(withdrawNoReason.text).toMatch(
      /<input name="reason"[^>]*aria-invalid="true"[\s\S]*<span class="field-error" id="reason-error">请填写撤回原因<\/span>/,
    );
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('published');
    // with a reason it asks first, carrying the reason to the confirmation
    const askWithdraw = await office.post(`/rounds/${id}/withdraw`, {
      reason: '公园点位数据有误，复核后重新发布',
    });
    expect(askWithdraw.status).toBe(200);
    expect(askWithdraw.text).toContain('撤回后，各责任单位将看不到“完整流程”的结果');
    expect(askWithdraw.text).toContain('撤回原因：公园点位数据有误，复核后重新发布');
    expect(askWithdraw.text).toContain(
      '<input type="hidden" name="reason" value="公园点位数据有误，复核后重新发布">',
    );
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('published');
    await office.post(`/rounds/${id}/withdraw`, {
      reason: '公园点位数据有误，复核后重新发布',
      confirmed: '1',
    });
    expect(one('SELECT status FROM rounds WHERE id = ?', id)).toBe('closed');
    expect(
      JSON.parse(
        one("SELECT detail FROM audit_log WHERE action = 'round.withdraw' AND round_id = ?", id) as string,
      ),
    ).toEqual({
      reason: '公园点位数据有误，复核后重新发布',
    });
    const page = await office.get(`/rounds/${id}`);
    expect(page.text).toContain('已撤回发布');
  });
});

describe('the audit log page', () => {
  it('lists what happened, filtered by round and user, and refuses a nonsense filter', async () => {
    const round = roundIdOf(db(), '完整流程');
    const page = await office.get(`/audit?round=${round}`);
    expect(page.status).toBe(200);
    for (const action of ['新建轮次', '开启轮次', '审核通过', '更正答案', '结束轮次', '发布结果', '撤回发布'])
      expect(page.text).toContain(action);
    expect(page.text).toContain('公园点位数据有误，复核后重新发布');
    expect(page.text).not.toContain('2026年11月实地测评</td>');
    const inspector3 = userIdOf(db(), 'inspector3');
    const byUser = await office.get(`/audit?user=${inspector3}&round=${round}`);
    expect(byUser.text).toContain('提交测评表');
    expect(byUser.text).not.toContain('发布结果');
    expect((await office.get('/audit?round=abc')).status).toBe(400);
  });
});

describe('a round that does not exist', () => {
  it('is 404 on every round page and action, before anything typed is looked at', async () => {
    const missing = 99999999;
    const site = String(firstIdIn(db(), 'sites'));
    const inspector = String(userIdOf(db(), 'inspector1'));
    await office.get('/rounds');
    const replies = [
      await office.get(`/rounds/${missing}`),
      await office.get(`/rounds/${missing}/review?status=nonsense`),
      await office.get(`/rounds/${missing}/assignments`),
      await office.post(`/rounds/${missing}/open`),
      await office.post(`/rounds/${missing}/close`),
      await office.post(`/rounds/${missing}/publish`),
      await office.post(`/rounds/${missing}/withdraw`, { reason: '' }),
      await office.post(`/rounds/${missing}/sites/${site}/exclude`, { reason: '' }),
      await office.post(`/rounds/${missing}/sites/${site}/include`),
      await office.post(`/rounds/${missing}/assignments`, { siteId: site, inspectorId: inspector }),
      await office.post(`/rounds/${missing}/assignments/bulk`, { scope: 'nonsense', inspectorId: inspector }),
      await office.post(`/rounds/${missing}/assignments/spread`, { inspectorIds: 'everyone' }),
    ];
    for (const r of replies) {
      expect(r.status).toBe(404);
      expect(r.text).toContain('找不到该测评轮次');
    }
  });
});

describe('the round services ask access themselves', () => {
  const userRow = (name: string) =>
    db().prepare('SELECT * FROM users WHERE id = ?').get(userIdOf(db(), name)) as UserRow;

  it('refuse an inspector and a unit user who call them directly, and change nothing', () => {
    const ctx = { db: db(), criteria: app.booted.criteria };
    const open = roundWithStatus(db(), 'open');
    const published = roundWithStatus(db(), 'published');
    const site = one('SELECT site_id FROM round_sites WHERE round_id = ? LIMIT 1', open) as number;
    const before = one('SELECT count(*) FROM audit_log');
    for (const actor of [userRow('inspector1'), userRow('chengguan')]) {
      const calls: (() => unknown)[] = [
        () =>
          createRoundAs(ctx, actor, {
            name: '越权',
            criteriaVersionId: versionId(),
            startsOn: '2026-12-01',
            endsOn: '2026-12-02',
            selection: { mode: 'all' },
          }),
        () => openRound(db(), actor, open),
        () => closeRound(db(), actor, open),
        () => withdrawPublication(db(), actor, published, '越权'),
        () => excludeSite(db(), actor, open, site, '越权'),
        () => assignInspector(db(), actor, open, site, userIdOf(db(), 'inspector2')),
        () => setAvoidancePolicy(db(), actor, 'refuse'),
        () => assignmentsPage(ctx, actor, open),
        () => reviewPage(ctx, actor, open, ''),
      ];
      for (const call of calls) expect(call).toThrow(Forbidden);
    }
    expect(one('SELECT count(*) FROM audit_log')).toBe(before);
    // the command line and the demo act as the system, with the office's rights
    expect(reviewPage(ctx, SYSTEM, open, 'submitted').round.id).toBe(open);
  });

  it('show the office facts of a round page to the office only', () => {
    const ctx = { db: db(), criteria: app.booted.criteria };
    const published = roundWithStatus(db(), 'published');
    expect(roundPage(ctx, userRow('office'), published).office).not.toBeNull();
    expect(roundPage(ctx, userRow('chengguan'), published).office).toBeNull();
    expect(roundsPage(ctx, userRow('chengguan')).canCreate).toBe(false);
    expect(() => roundPage(ctx, userRow('chengguan'), roundWithStatus(db(), 'open'))).toThrow(Forbidden);
  });
});

describe('only the office reaches any of this', () => {
  it.each([
    '/rounds/new',
    '/places',
    '/places/sites',
    '/units',
    '/users',
    '/rounds/1/assignments',
    '/rounds/1/review',
  ])('refuses an inspector and a unit at %s', async (path) => {
    for (const name of ['inspector1', 'chengguan']) {
      const c = new Client(app.url);
      await c.login(name);
      expect((await c.get(path)).status).toBe(403);
    }
  });

  it('refuses their POSTs too and changes nothing', async () => {
    const c = new Client(app.url);
    await c.login('inspector1');
    const before = one('SELECT count(*) FROM rounds');
    expect(
      (
        await c.post('/rounds', {
          name: 'x',
          startsOn: '2026-12-01',
          endsOn: '2026-12-02',
          criteriaVersionId: '1',
          mode: 'all',
        })
      ).status,
    ).toBe(403);
    expect((await c.post('/places/streets', { name: '黑客街道' })).status).toBe(403);
    expect((await c.post('/rounds/1/close')).status).toBe(403);
    expect(one('SELECT count(*) FROM rounds')).toBe(before);
    expect(one("SELECT count(*) FROM streets WHERE name = '黑客街道'")).toBe(0);
  });
});
