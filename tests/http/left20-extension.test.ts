// 延期 of a problem whose deadline is in hours. A 12345-style 督查 problem raised on Tuesday 1 December
// 2026 at 10:00 (Shanghai) with 24 小时 is due Wednesday 2 December 10:00. The unit asks for Friday
// 4 December and the office agrees: the deadline is then the whole of 4 December — the page says
// 整改时限 24 小时，至 2026-12-04 (the rule it was counted by, as a working-day one keeps its rule; not
// 至 2026-12-04 10:00, the old time of day carried over), the history
// 整改时限 2026-12-02 10:00 → 2026-12-04; at 15:00 on the 4th it is not overdue, at 00:01 on the 5th it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, scalar, startApp, type Client, type TestApp } from '../helpers/app.ts';
import { unitIdOfUser } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { atomically } from '../../src/db/connection.ts';
import { computeDeadline } from '../../src/services/deadlines.ts';
import { raiseOutsideProblem } from '../../src/services/outside-problems.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
const shanghai = (local: string) => `${local}+08:00`;

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  setClock(shanghai('2026-12-01T10:00:00'));
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const db = () => app.booted.db;
const pageText = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const deadlineOf = (id: number) =>
  db()
    .prepare('SELECT deadline, deadline_time, deadline_rule, deadline_amount FROM problems WHERE id = ?')
    .get(id);

describe('延期 of a deadline in hours', () => {
  it('moves the deadline to the whole day granted, as the page, the history and 逾期 read it', async () => {
    const id = atomically(db(), () =>
      raiseOutsideProblem(
        db(),
        {
          source: 'inspection',
          description: '夜间施工噪音扰民',
          unitId: unitIdOfUser(db(), 'chengguan'),
          deadline: computeDeadline(db(), { unit: 'hours', amount: 24 }),
          recordedBy: null,
        },
        null,
      ),
    );
    const office = await as('office');
    expect(pageText((await office.get(`/problems/${id}`)).text)).toContain(
      '整改时限 24 小时，至 2026-12-02 10:00',
    );

    const unit = await as('chengguan');
    await unit.get(`/problems/${id}`);
    const f = new FormData();
    f.set('kind', 'extension');
    f.set('deadline', '2026-12-04');
    f.set('note', '需协调施工单位调整作业时间');
    expect((await unit.postMultipart(`/problems/${id}/request`, f, { csrf: 'field' })).status).toBe(303);
    await office.get(`/problems/${id}`);
    expect((await office.post(`/problems/${id}/decide`, { approve: '1', note: '同意' })).status).toBe(303);

    expect(deadlineOf(id)).toEqual({
      deadline: '2026-12-04',
      deadline_time: null,
      deadline_rule: 'hours',
      deadline_amount: 24,
    });
    const page = pageText((await office.get(`/problems/${id}`)).text);
    expect(page).toContain('整改时限 24 小时，至 2026-12-04 ');
    expect(page).not.toContain('2026-12-04 10:00');
    expect(page).toContain('整改时限 2026-12-02 10:00 → 2026-12-04');
    expect(
      scalar(db(), "SELECT detail FROM audit_log WHERE action = 'problem.extend' ORDER BY id DESC"),
    ).toContain('"old":"2026-12-02 10:00","new":"2026-12-04"');

    // not overdue during the 4th — before, 10:01 on the 4th already was
    setClock(shanghai('2026-12-04T15:00:00'));
    const during = (await unit.get(`/problems/${id}`)).text;
    expect(during).not.toContain('red-badge">逾期');
    expect((await unit.get('/problems?overdue=1')).text).not.toContain(`href="/problems/${id}"`);
    setClock(shanghai('2026-12-05T00:01:00'));
    expect((await unit.get(`/problems/${id}`)).text).toContain('red-badge">逾期');
    expect((await unit.get('/problems?overdue=1')).text).toContain(`href="/problems/${id}"`);
  });
});
