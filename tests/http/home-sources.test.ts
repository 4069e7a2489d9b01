// The office home page and problems from outside rounds: a warning when an open problem's working-day
// deadline falls in a year whose holidays nobody has entered (weekends only were counted there), gone once
// the year is entered on /calendar — the stored deadline staying put; the residents' 随手拍 waiting for
// triage; the 12345 problems still open and those overdue (a deadline in hours passes to the minute).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, scalar, startApp, type Client, type TestApp } from '../helpers/app.ts';
import { streetIdOf, unitIdOf } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { atomically } from '../../src/db/connection.ts';
import { computeDeadline } from '../../src/services/deadlines.ts';
import { raiseOutsideProblem, type OutsideProblemInput } from '../../src/services/outside-problems.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  // Sunday 20 December 2026, 10:00 in Shanghai: the package knows 2026, nobody knows 2027
  setClock('2026-12-20T02:00:00.000Z');
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const raise = (input: Partial<OutsideProblemInput> & Pick<OutsideProblemInput, 'deadline'>) =>
  atomically(db(), () =>
    raiseOutsideProblem(
      db(),
      {
        source: 'inspection',
        streetId: streetIdOf(db(), '东湖街道'),
        description: '测试问题',
        unitId: unitIdOf(db(), 'D-CGJ'),
        recordedBy: null,
        ...input,
      },
      null,
    ),
  );
const tile = (label: string, value: number) =>
  `<span class="value">${value}</span><span class="label">${label}</span>`;
const WARNING = '2027 年的节假日尚未录入：这些整改时限暂按周末计算';

describe('the office home page', () => {
  it('warns when a working-day deadline falls in a year nobody entered, until /calendar has it', async () => {
    // the demo enters 2027 (marked 演示): this test is about a year nobody has entered
    db().prepare("DELETE FROM calendar_days WHERE day LIKE '2027-%'").run();
    db().prepare('DELETE FROM calendar_years WHERE year = 2027').run();
    const office = await as('office');
    expect((await office.get('/')).text).not.toContain('尚未录入');
    // 10 working days from Sunday 20 December: 21–25 and 28–31 December are 9, then 1 January 2027 —
    // 元旦, but 2027's holidays are unknown, so only the weekend was skipped
    const deadline = computeDeadline(db(), { unit: 'workdays', amount: 10 });
    expect(deadline.deadline).toBe('2027-01-01');
    expect(deadline.unknownYears).toEqual([2027]);
    const id = raise({ deadline, description: '人行道破损' });
    const home = (await office.get('/')).text;
    expect(home).toContain(`${WARNING}。<a href="/calendar">录入工作日日历 ›</a>`);

    const entered = await office.post('/calendar', { year: '2027', days: '2027-01-01 休 元旦' });
    expect(entered.status).toBe(303);
    expect((await office.get('/')).text).not.toContain('尚未录入');
    // the stored deadline does not move when the calendar changes
    expect(one('SELECT deadline FROM problems WHERE id = ?', id)).toBe('2027-01-01');
  });

  it('a deadline in calendar days or hours never warns', async () => {
    const office = await as('office');
    raise({ deadline: computeDeadline(db(), { unit: 'calendar', amount: 800 }) }); // 2029
    raise({ deadline: computeDeadline(db(), { unit: 'hours', amount: 24 * 400 }) }); // 2028
    expect((await office.get('/')).text).not.toContain('尚未录入');
  });

  it('counts the 随手拍 waiting for triage', async () => {
    const office = await as('office');
    // the demo's reports: one still waiting
    const waiting = one("SELECT count(*) FROM citizen_reports WHERE status = 'new'") as number;
    expect(waiting).toBe(1);
    expect((await office.get('/')).text).toContain(tile('随手拍待受理', waiting));
    const link = one('SELECT id FROM report_links WHERE community_id IS NULL') as number;
    const report = db().prepare(
      `INSERT INTO citizen_reports (code, link_id, description, status, reason, created_at)
       VALUES (?, ?, ?, ?, ?, '2026-12-20T02:00:00.000Z')`,
    );
    report.run('R-0001', link, '垃圾堆放', 'new', '');
    report.run('R-0002', link, '路面积水', 'new', '');
    report.run('R-0003', link, '与城市文明无关', 'rejected', '不属于创城范围');
    const home = (await office.get('/')).text;
    expect(home).toContain(`<a href="/reports">${tile('随手拍待受理', waiting + 2)}</a>`);
  });

  it('counts the 12345 problems open and overdue, an hours deadline to the minute', async () => {
    const office = await as('office');
    const before = (await office.get('/')).text;
    // the demo's batch of five orders, all due before 20 December: open and overdue
    const demo = one("SELECT count(*) FROM problems WHERE source = 'hotline' AND status = 'open'") as number;
    expect(demo).toBe(5);
    expect(before).toContain(tile('12345待整改', demo));
    expect(before).toContain(tile('12345逾期', demo));
    const hotline = (ref: string, deadline: ReturnType<typeof computeDeadline>) =>
      raise({ source: 'hotline', externalRef: ref, deadline });
    hotline('GD-1', computeDeadline(db(), { unit: 'calendar', amount: 3 }, new Date('2026-12-10T02:00:00Z')));
    hotline('GD-2', computeDeadline(db(), { unit: 'hours', amount: 2 })); // today 12:00
    hotline('GD-3', computeDeadline(db(), { unit: 'workdays', amount: 5 }));
    const closed = hotline(
      'GD-4',
      computeDeadline(db(), { unit: 'calendar', amount: 1 }, new Date('2026-12-01T02:00:00Z')),
    );
    db()
      .prepare("UPDATE problems SET status = 'closed', closed_at = ? WHERE id = ?")
      .run('2026-12-05T02:00:00Z', closed);
    const morning = (await office.get('/')).text;
    // GD-1 (2026-12-13) overdue; GD-2 due at 12:00, GD-3 on 2026-12-25; GD-4 closed
    expect(morning).toContain(
      `<a href="/problems?source=hotline&amp;status=open">${tile('12345待整改', demo + 3)}</a>`,
    );
    expect(morning).toContain(
      `<a href="/problems?source=hotline&amp;overdue=1">${tile('12345逾期', demo + 1)}</a>`,
    );
    setClock('2026-12-20T04:01:00.000Z'); // 12:01
    expect((await office.get('/')).text).toContain(tile('12345逾期', demo + 2));
    setClock('2026-12-20T02:00:00.000Z');
  });

  it('is the office’s: a unit’s home shows none of it', async () => {
    const unit = (await (await as('chengguan')).get('/')).text;
    expect(unit).not.toContain('随手拍待受理');
    expect(unit).not.toContain('12345逾期');
    expect(unit).not.toContain('尚未录入');
  });
});
