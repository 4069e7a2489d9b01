// 问题设置 (/problem-settings), the office's rules for problems from outside rounds: the page shows the
// rules in force (the defaults at first) and says that a change applies only to problems raised from now
// on; a save changes what differs and audits each change under its Chinese name; a refused form (an
// unknown unit, an amount over its unit's limit, a distance or a number of days out of range) is shown
// again with what was typed and a message by each field, and nothing is stored; nobody else may open it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startApp, type TestApp } from '../helpers/app.ts';
import { dbFingerprint } from '../helpers/routes.ts';
import { sourceDeadlineRule } from '../../src/services/deadlines.ts';
import { outsideDistrictMeters, reportPhoneDays } from '../../src/services/outside-problems.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.destroy());
const as = loggedIn(() => app.url);
const db = () => app.booted.db;

/** The form as the page fills it, with some fields changed. */
const form = (over: Record<string, string> = {}) => ({
  'unit.inspection': 'workdays',
  'amount.inspection': '5',
  'unit.report': 'workdays',
  'amount.report': '5',
  'unit.hotline': 'workdays',
  'amount.hotline': '5',
  'unit.media': 'workdays',
  'amount.media': '3',
  metres: '3000',
  phoneDays: '90',
  ...over,
});

const auditRows = () =>
  db()
    .prepare(
      "SELECT action, detail FROM audit_log WHERE action IN ('deadline_rule.set', 'settings.outside_district', 'settings.report_phone_days') ORDER BY id",
    )
    .all() as { action: string; detail: string }[];

describe('问题设置', () => {
  it('shows the rules in force, each source’s unit chosen, and that open deadlines never move', async () => {
    const page = await (await as('office')).get('/problem-settings');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>问题设置</h1>');
    expect(page.text).toContain('修改只对今后登记的问题生效');
    expect(page.text).toContain('不会因修改规则或日历而改变');
    for (const name of ['督查', '随手拍', '12345', '媒体'])
      expect(page.text).toContain(`<th scope="row">${name}</th>`);
    expect(page.text).toContain(
      'name="amount.media" class="short" inputmode="numeric" aria-label="媒体的时限" value="3"',
    );
    expect(page.text).toContain('现行：3 个工作日');
    expect(page.text).toContain('工单自带时限时按工单');
    expect(page.text).toContain('name="metres" class="short" inputmode="numeric" value="3000"');
    expect(page.text).toContain('name="phoneDays" class="short" inputmode="numeric" value="90"');
  });

  it('is linked from the 工作日日历', async () => {
    const page = await (await as('office')).get('/calendar');
    expect(page.text).toContain('<a href="/problem-settings">问题设置</a>');
  });

  it('refuses a form with bad fields whole: the message by each field, what was typed kept, nothing stored', async () => {
    const c = await as('office');
    await c.get('/problem-settings');
    const before = dbFingerprint(db());
    const cases: [Record<string, string>, string, string][] = [
      [{ 'unit.report': 'weeks' }, '随手拍的整改时限：请选择按自然日、工作日或小时计算', ''],
      [
        { 'unit.inspection': 'hours', 'amount.inspection': '721' },
        '督查的整改时限：请填写 1 到 720 之间的整数（小时）',
        'value="721"',
      ],
      [
        { 'unit.media': 'workdays', 'amount.media': '251' },
        '媒体的整改时限：请填写 1 到 250 之间的整数（工作日）',
        'value="251"',
      ],
      [{ 'amount.hotline': '0' }, '12345的整改时限：请填写 1 到 250 之间的整数（工作日）', 'value="0"'],
      [{ 'amount.hotline': '2.5' }, '12345的整改时限：请填写 1 到 250 之间的整数（工作日）', 'value="2.5"'],
      [{ metres: '99' }, '辖区外判定距离（米）应为 100 到 50000 之间的整数', 'value="99"'],
      [{ metres: '50001' }, '辖区外判定距离（米）应为 100 到 50000 之间的整数', 'value="50001"'],
      [{ phoneDays: '366' }, '电话号码保留天数应为 1 到 365 之间的整数', 'value="366"'],
      [{ phoneDays: '' }, '电话号码保留天数应为 1 到 365 之间的整数', ''],
    ];
    for (const [over, message, typed] of cases) {
      // a good change beside the bad field is not stored either
      const r = await c.post('/problem-settings', form({ 'amount.report': '9', ...over }));
      expect(r.status, message).toBe(400);
      expect(r.text).toContain('设置有误，未保存');
      expect(r.text).toContain(`<span class="field-error">${message}</span>`);
      expect(r.text).toContain(typed);
      if (!('amount.report' in over)) expect(r.text).toContain('aria-label="随手拍的时限" value="9"');
    }
    expect(dbFingerprint(db())).toEqual(before);
    expect(sourceDeadlineRule(db(), 'report')).toEqual({ unit: 'workdays', amount: 5 });
  });

  it('saves what changed and audits each change; an unchanged save changes nothing', async () => {
    const c = await as('office');
    await c.get('/problem-settings');
    const changes = form({
      'unit.inspection': 'hours',
      'amount.inspection': '48',
      'unit.media': 'calendar',
      metres: '5000',
      phoneDays: '30',
    });
    const r = await c.post('/problem-settings', changes);
    expect(r.status).toBe(303);
    expect(sourceDeadlineRule(db(), 'inspection')).toEqual({ unit: 'hours', amount: 48 });
    expect(sourceDeadlineRule(db(), 'media')).toEqual({ unit: 'calendar', amount: 3 });
    expect(sourceDeadlineRule(db(), 'report')).toEqual({ unit: 'workdays', amount: 5 });
    expect(outsideDistrictMeters(db())).toBe(5000);
    expect(reportPhoneDays(db())).toBe(30);
    expect(auditRows().map((a) => [a.action, JSON.parse(a.detail)])).toEqual([
      ['deadline_rule.set', { source: '督查', rule: { old: '5 个工作日', new: '48 小时' } }],
      ['deadline_rule.set', { source: '媒体', rule: { old: '3 个工作日', new: '3 天' } }],
      ['settings.outside_district', { metres: { old: 3000, new: 5000 } }],
      ['settings.report_phone_days', { phoneDays: { old: 90, new: 30 } }],
    ]);
    const page = await c.get('/problem-settings');
    expect(page.text).toContain('已保存。新规则只用于今后登记的问题。');
    expect(page.text).toContain('<option value="hours" selected>小时</option>');
    expect(page.text).toContain('现行：48 小时');
    expect(page.text).toContain('现行：3 天');

    const again = await c.post('/problem-settings', changes);
    expect(again.status).toBe(303);
    expect((await c.get('/problem-settings')).text).toContain('设置没有变化。');
    expect(auditRows()).toHaveLength(4);

    // the audit log reads the changes in Chinese
    const log = await c.get('/audit');
    expect(log.text).toContain('设置整改时限规则');
    expect(log.text).toContain('整改时限规则：5 个工作日 → 48 小时');
    expect(log.text).toContain('辖区外判定距离（米）：3000 → 5000');
    expect(log.text).toContain('电话号码保留天数：90 → 30');
  });

  it('is the office’s: 403 for a unit and an inspector, nothing stored', async () => {
    const before = dbFingerprint(db());
    for (const who of ['xingfu', 'inspector1']) {
      const c = await as(who);
      expect((await c.get('/problem-settings')).status).toBe(403);
      const r = await c.post('/problem-settings', form({ metres: '200' }));
      expect(r.status).toBe(403);
    }
    expect(dbFingerprint(db())).toEqual(before);
  });
});
