// The app reads the time of its work from one clock (src/util/clock.ts) that tests can move: a unit's
// document task turns 逾期未交 the day after its deadline when the clock passes it — on the task page, the
// task list and the home tile — and the upload is refused with the date; back on real time it is 未提交.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startApp, type TestApp } from '../helpers/app.ts';
import { setClock, now } from '../../src/util/clock.ts';
import { addDays, nowIso, shanghaiDate } from '../../src/util/time.ts';

let app: TestApp;
beforeAll(async () => (app = await startApp()));
afterAll(async () => {
  setClock(null);
  await app.destroy();
});
const as = loggedIn(() => app.url);

const tile = (html: string, label: string): number => {
  const m = new RegExp(`<span class="value">(\\d+)</span><span class="label">${label}</span>`).exec(html);
  return m ? Number(m[1]) : 0;
};

describe('one clock', () => {
  it('moves nowIso and the Shanghai date, and keeps running from where it was set', () => {
    setClock('2027-02-10T15:59:00.000Z'); // 23:59 in Shanghai
    expect(shanghaiDate()).toBe('2027-02-10');
    expect(nowIso().slice(0, 16)).toBe('2027-02-10T15:59');
    setClock('2027-02-10T16:00:00.000Z'); // midnight in Shanghai: the next day
    expect(shanghaiDate()).toBe('2027-02-11');
    expect(now().getTime()).toBeGreaterThanOrEqual(Date.parse('2027-02-10T16:00:00.000Z'));
    setClock(null);
    expect(Math.abs(now().getTime() - Date.now())).toBeLessThan(1000);
  });

  it('turns a pending task 逾期未交 once the clock passes its deadline, and back', async () => {
    const c = await as('xingfu');
    const db = app.booted.db;
    const task = db
      .prepare(
        `SELECT t.id, coalesce(t.extended_to, t.due_on) AS due FROM document_tasks t
         JOIN document_task_units tu ON tu.task_id = t.id JOIN users u ON u.unit_id = tu.unit_id
         WHERE u.username = 'xingfu' AND t.status = 'pending' AND coalesce(t.extended_to, t.due_on) >= ?
         ORDER BY t.id LIMIT 1`,
      )
      .get(shanghaiDate()) as { id: number; due: string };
    const before = await c.get(`/tasks/${task.id}`);
    expect(before.text).toContain('未提交');
    expect(before.text).not.toContain('逾期未交');
    const tileBefore = tile((await c.get('/')).text, '材料逾期未交');

    // the last day is still on time, even at 23:00 in Shanghai
    setClock(`${task.due}T15:00:00.000Z`);
    expect((await c.get(`/tasks/${task.id}`)).text).not.toContain('逾期未交');
    // the next morning it is overdue
    setClock(`${addDays(task.due, 1)}T01:00:00.000Z`);
    const after = await c.get(`/tasks/${task.id}`);
    expect(after.text).toContain('逾期未交');
    expect(tile((await c.get('/')).text, '材料逾期未交')).toBe(tileBefore + 1);
    const r = await c.post(`/tasks/${task.id}/submit`);
    expect(r.status).toBe(409);
    expect(r.text).toContain(
      `已超过提交期限（${Number(task.due.slice(5, 7))}月${Number(task.due.slice(8, 10))}日）`,
    );

    setClock(null);
    expect((await c.get(`/tasks/${task.id}`)).text).not.toContain('逾期未交');
  });
});
