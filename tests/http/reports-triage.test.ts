// The office triages residents' 随手拍 reports (/reports): residents send reports through the district's
// and a 社区's links (real photos), then the office accepts one as a problem (its deadline counted in
// working days over 国庆: 2026-09-30 + 3 工作日 = 2026-10-10, the make-up Saturday), marks one a duplicate
// of it and refuses one with a reason; the resident's status page follows each step and shows the
// published reply, never the phone. Units see a report's photos only once it is their problem. Each
// refused step stores nothing; a triaged report cannot be triaged again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Client, loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { reportThrough } from '../helpers/reports.ts';
import { unitIdOfUser } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { CriteriaCache } from '../../src/services/criteria-registry.ts';

const BASE = 'https://cc.example.gov.cn';

let app: TestApp;
let as: (u: string) => Promise<Client>;
let district: string;
let community: string;
let linkIds: { district: number; community: number };
let communityId: number;

const db = () => app.booted.db;
const still = async () => {
  await app.booted.versions.settled();
  return snapshot(db(), join(app.dir, 'uploads'));
};
const reportId = (code: string) =>
  scalar(db(), 'SELECT id FROM citizen_reports WHERE code = ?', code) as number;
const photoOf = (code: string) =>
  scalar(db(), 'SELECT id FROM photos WHERE report_id = ?', reportId(code)) as number;
const resident = new Map<string, Client>();
const statusPage = async (code: string) => {
  const c = resident.get('r') ?? new Client(app.url);
  resident.set('r', c);
  return (await c.get(`/r/status?code=${code}`)).text;
};

beforeAll(async () => {
  app = await startApp({ env: { PUBLIC_BASE_URL: BASE } });
  as = loggedIn(() => app.url);
  const links = await (await as('office')).get('/reports/links');
  const urls = [...links.text.matchAll(/<code>[^<]*\/r\/([A-Za-z0-9_-]+)<\/code>/g)].map((m) => m[1]!);
  district = urls[0]!;
  community = urls[1]!;
  const linkOf = (t: string) => scalar(db(), 'SELECT id FROM report_links WHERE token = ?', t) as number;
  linkIds = { district: linkOf(district), community: linkOf(community) };
  communityId = scalar(db(), 'SELECT community_id FROM report_links WHERE token = ?', community) as number;
});
afterAll(() => {
  setClock(null);
  return app.destroy();
});

describe('the office triages 随手拍 reports', () => {
  let accepted: string;
  let problemId: number;

  it('lists the links with the public address and prints a poster with a QR code per link', async () => {
    const office = await as('office');
    const links = await office.get('/reports/links');
    expect(links.text).toContain(`${BASE}/r/${district}`);
    expect(links.text).toContain('全区');
    const one = await office.get(`/reports/links/posters?link=${linkIds.community}`);
    expect(one.status).toBe(200);
    expect(one.text.match(/<svg/g)).toHaveLength(1);
    expect(one.text).toContain(`${BASE}/r/${community}`);
    const all = await office.get('/reports/links/posters');
    expect(all.text.match(/<svg/g)!.length).toBe(urlsCount(links.text));
    expect((await office.get('/reports/links/posters?link=999999')).status).toBe(404);
  });

  it('lists reports newest first with the count waiting and filters; only the office sees them', async () => {
    const waiting = () => scalar(db(), "SELECT count(*) FROM citizen_reports WHERE status = 'new'") as number;
    const n = waiting();
    accepted = await reportThrough(app.url, community, {
      description: '人行道井盖缺失',
      phone: '13912345678',
      consent: '1',
    });
    const second = await reportThrough(app.url, district, { description: '同一个井盖没有盖' });
    const office = await as('office');
    const list = await office.get('/reports');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`<b class="pile-count">${n + 2}</b> 条待受理`);
    expect(list.text.indexOf('同一个井盖没有盖')).toBeLessThan(list.text.indexOf('人行道井盖缺失'));
    const byLink = await office.get(`/reports?link=${linkIds.community}`);
    expect(byLink.text).toContain('人行道井盖缺失');
    expect(byLink.text).not.toContain('同一个井盖没有盖');
    const byCommunity = await office.get(`/reports?community=${communityId}`);
    expect(byCommunity.text).toContain('人行道井盖缺失');
    expect((await office.get('/reports?status=rejected')).text).not.toContain('人行道井盖缺失');
    // the phone: on the office's page only
    const page = await office.get(`/reports/${reportId(accepted)}`);
    expect(page.text).toContain('13912345678');
    expect(page.text).toContain(`/photos/${photoOf(accepted)}/thumb`);
    for (const who of ['chengguan', 'leader-xcb', 'inspector1']) {
      const c = await as(who);
      expect((await c.get('/reports')).status).toBe(403);
      expect((await c.get(`/reports/${reportId(accepted)}`)).status).toBe(403);
      expect((await c.get('/reports/links')).status).toBe(403);
    }
    expect(second).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
  });

  it('refuses an accept without a unit, with a bad deadline or an unknown standard, storing nothing', async () => {
    const office = await as('office');
    await office.get(`/reports/${reportId(accepted)}`);
    const before = await still();
    const unit = String(unitIdOfUser(db(), 'chengguan'));
    const base = {
      unit,
      deadlineUnit: 'workdays',
      deadlineAmount: '3',
      version: '',
      standard: '',
      description: '井盖缺失',
    };
    const noUnit = await office.post(`/reports/${reportId(accepted)}/accept`, { ...base, unit: '' });
    expect(noUnit.status).toBe(400);
    expect(noUnit.text).toContain('请选择责任单位');
    const badAmount = await office.post(`/reports/${reportId(accepted)}/accept`, {
      ...base,
      deadlineAmount: '0',
    });
    expect(badAmount.status).toBe(400);
    expect(badAmount.text).toContain('请填写 1 到 250 之间的整数');
    const badUnit = await office.post(`/reports/${reportId(accepted)}/accept`, {
      ...base,
      deadlineUnit: 'weeks',
    });
    expect(badUnit.status).toBe(400);
    const version = String(scalar(db(), 'SELECT id FROM criteria_versions ORDER BY id DESC LIMIT 1'));
    const badStandard = await office.post(`/reports/${reportId(accepted)}/accept`, {
      ...base,
      version,
      standard: 'NO-SUCH-CODE',
    });
    expect(badStandard.status).toBe(400);
    expect(badStandard.text).toContain('测评标准 NO-SUCH-CODE 不在所选的测评体系中');
    expect(badStandard.text).toContain('value="NO-SUCH-CODE"');
    expect(await still()).toEqual(before);
  });

  it('accepts a report as a problem with its deadline in working days, its photos then shown to the unit', async () => {
    const unitUser = await as('chengguan');
    const photo = photoOf(accepted);
    expect((await unitUser.get(`/photos/${photo}/thumb`)).status).toBe(403);
    const office = await as('office');
    setClock('2026-09-30T02:00:00Z');
    const done = await office.post(`/reports/${reportId(accepted)}/accept`, {
      unit: String(unitIdOfUser(db(), 'chengguan')),
      deadlineUnit: 'workdays',
      deadlineAmount: '3',
      version: '',
      standard: '',
      description: '人行道井盖缺失，请尽快补装',
    });
    setClock(null);
    expect(done.status).toBe(303);
    problemId = scalar(db(), 'SELECT problem_id FROM citizen_reports WHERE code = ?', accepted) as number;
    const p = db()
      .prepare(
        'SELECT source, deadline, deadline_rule, community_id, description, round_id FROM problems WHERE id = ?',
      )
      .get(problemId);
    expect(p).toEqual({
      source: 'report',
      deadline: '2026-10-10',
      deadline_rule: 'workdays',
      community_id: communityId,
      description: '人行道井盖缺失，请尽快补装',
      round_id: null,
    });
    const page = await office.get(`/reports/${reportId(accepted)}`);
    expect(page.text).toContain(`已受理，转为整改问题 #${problemId}`);
    expect(page.text).not.toContain('action="/reports/' + reportId(accepted) + '/accept"');
    // the unit sees the problem with the resident's photo, never the phone
    const problem = await unitUser.get(`/problems/${problemId}`);
    expect(problem.status).toBe(200);
    expect(problem.text).toContain(`/photos/${photo}/`);
    expect(problem.text).not.toContain('13912345678');
    expect((await unitUser.get(`/photos/${photo}/thumb`)).status).toBe(200);
    expect(await statusPage(accepted)).toContain('已受理·整改中');
    const again = await office.post(`/reports/${reportId(accepted)}/reject`, { reason: '重复' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('该反映已处理（已受理），不能再次处理');
    const audit = scalar(
      db(),
      "SELECT count(*) FROM audit_log WHERE action = 'report.accept' AND entity_id = ?",
      reportId(accepted),
    );
    expect(audit).toBe(1);
  });

  it('accepts with a standard of the chosen criteria version, kept with the problem', async () => {
    const office = await as('office');
    const code = await reportThrough(app.url, community, { description: '公益广告牌破损' });
    const version = scalar(db(), 'SELECT id FROM criteria_versions ORDER BY id DESC LIMIT 1') as number;
    const standard = new CriteriaCache(db()).get(version).standards[0]!.code;
    const done = await office.post(`/reports/${reportId(code)}/accept`, {
      unit: String(unitIdOfUser(db(), 'chengguan')),
      deadlineUnit: 'calendar',
      deadlineAmount: '7',
      version: String(version),
      standard,
      description: '公益广告牌破损',
    });
    expect(done.status).toBe(303);
    const p = db()
      .prepare(
        'SELECT standard_code, criteria_version_id, deadline_rule, deadline_amount FROM problems WHERE id = (SELECT problem_id FROM citizen_reports WHERE code = ?)',
      )
      .get(code);
    expect(p).toEqual({
      standard_code: standard,
      criteria_version_id: version,
      deadline_rule: 'calendar',
      deadline_amount: 7,
    });
  });

  it('marks a duplicate of an existing problem (not an unknown or void one) and shows its progress', async () => {
    const office = await as('office');
    const dup = await reportThrough(app.url, district, { description: '井盖又被人反映' });
    const id = reportId(dup);
    await office.get(`/reports/${id}`);
    const before = await still();
    const unknown = await office.post(`/reports/${id}/duplicate`, { problem: '999999' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('找不到问题 #999999');
    const voidId = scalar(db(), "SELECT id FROM problems WHERE status = 'void' LIMIT 1") as
      number | undefined;
    // the demo has a problem voided on appeal
    expect(voidId).toBeTypeOf('number');
    const v = await office.post(`/reports/${id}/duplicate`, { problem: String(voidId) });
    expect(v.status).toBe(400);
    expect(v.text).toContain(`问题 #${voidId} 已作废，不能作为原问题`);
    expect(await still()).toEqual(before);
    const ok = await office.post(`/reports/${id}/duplicate`, { problem: `#${problemId}` });
    expect(ok.status).toBe(303);
    const status = await statusPage(dup);
    expect(status).toContain('重复问题');
    expect(status).toContain('进度：已受理·整改中');
  });

  it('refuses a report with the reason the resident reads, and publishes a reply without the phone', async () => {
    const office = await as('office');
    const code = await reportThrough(app.url, district, {
      description: '外地的问题',
      phone: '021-12345678',
      consent: '1',
    });
    const id = reportId(code);
    await office.get(`/reports/${id}`);
    const before = await still();
    const empty = await office.post(`/reports/${id}/reject`, { reason: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('请填写不予受理的原因');
    expect(await still()).toEqual(before);
    expect(
      (await office.post(`/reports/${id}/reject`, { reason: '不在本区范围内，已转相关区' })).status,
    ).toBe(303);
    expect((await office.post(`/reports/${id}/reply`, { reply: '感谢反映！<b>已转交</b>' })).status).toBe(
      303,
    );
    const status = await statusPage(code);
    expect(status).toContain('不予受理');
    expect(status).toContain('不在本区范围内，已转相关区');
    expect(status).toContain('感谢反映！&lt;b&gt;已转交&lt;/b&gt;');
    expect(status).not.toContain('021-12345678');
    // the unit never sees a photo of a report that is not its problem
    expect((await (await as('chengguan')).get(`/photos/${photoOf(code)}/thumb`)).status).toBe(403);
    const long = await office.post(`/reports/${id}/reply`, { reply: '长'.repeat(501) });
    expect(long.status).toBe(400);
    expect(long.text).toContain('答复不能超过500字');
    const actions = db()
      .prepare("SELECT action FROM audit_log WHERE entity = 'report' AND entity_id = ? ORDER BY id")
      .pluck()
      .all(id);
    expect(actions).toEqual(['report.reject', 'report.reply']);
  });
});

function urlsCount(html: string): number {
  return [...html.matchAll(/<code>[^<]*\/r\/[A-Za-z0-9_-]+<\/code>/g)].length;
}
