// The office's 工作日日历 page: the years built in, a warning for this year or next when nobody knows them,
// entering a year through the form (its days then listed, and the warning gone), a refused entry shown
// again with what was typed and nothing stored, and no one else may open it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startApp, type TestApp } from '../helpers/app.ts';
import { setClock } from '../../src/util/clock.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
  setClock('2026-12-02T02:00:00.000Z'); // the package knows 2026, not 2027
  // the demo enters 2027 (marked 演示): this file is about a district that has entered no year yet
  app.booted.db.prepare('DELETE FROM calendar_days').run();
  app.booted.db.prepare('DELETE FROM calendar_years').run();
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});
const as = loggedIn(() => app.url);
const days = () => app.booted.db.prepare('SELECT count(*) FROM calendar_days').pluck().get() as number;

describe('工作日日历', () => {
  it('says which years are built in and warns that 2027 is not entered yet', async () => {
    const page = await (await as('office')).get('/calendar');
    expect(page.status).toBe(200);
    expect(page.text).toContain('系统已内置 2004—2026 年的国务院节假日安排');
    expect(page.text).toContain('2027 年的节假日安排尚未录入');
    expect(page.text).not.toContain('2026 年的节假日安排尚未录入');
    expect(page.text).toContain('value="2027"'); // the year offered is next year's
  });

  it('shows a refused entry again with what was typed, by field, and stores nothing', async () => {
    const c = await as('office');
    const typed = '2027-10-01 休 国庆节\n2027-13-01 休 不存在';
    const r = await c.post('/calendar', { year: '2027', days: typed });
    expect(r.status).toBe(400);
    expect(r.text).toContain('日历有误，未保存');
    expect(r.text).toContain('第 2 行：日期“2027-13-01”无效，应为 YYYY-MM-DD');
    expect(r.text).toContain('2027-13-01 休 不存在</textarea>');
    expect(days()).toBe(0);
  });

  it('enters 2027: its days listed, the warning gone', async () => {
    const c = await as('office');
    const lines = ['2027-10-01 休 国庆节', '2027-10-02 休 国庆节', '2027-10-09 班 国庆节调休'].join('\n');
    const r = await c.post('/calendar', { year: '2027', days: lines });
    expect(r.status).toBe(303);
    const page = await c.get('/calendar');
    expect(page.text).toContain('已保存 2027 年的节假日安排（3 天）');
    expect(page.text).toContain('<b>2027 年</b>：放假 2 天，调休上班 1 天');
    expect(page.text).toContain('<td>2027-10-09</td><td>班</td><td>国庆节调休</td>');
    expect(page.text).not.toContain('尚未录入');
    expect(days()).toBe(3);
  });

  it('is the office’s: 403 for a unit and an inspector', async () => {
    for (const who of ['xingfu', 'inspector1']) {
      const c = await as(who);
      expect((await c.get('/calendar')).status).toBe(403);
      expect((await c.post('/calendar', { year: '2028', days: '2028-01-01 休 元旦' })).status).toBe(403);
    }
    expect(days()).toBe(3);
  });
});
