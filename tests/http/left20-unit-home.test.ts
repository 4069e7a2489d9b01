// A unit's home counts 其中逾期 as the board does: a deadline in hours passes to the minute. At 10:00 in
// Shanghai a problem given 1 hour at 08:00 (due 09:00 today) is overdue — 已逾期 in the list — and one
// given 4 hours at 10:00 (due 14:00 today) is not (今天到期) until 14:01. Before, the tile counted whole
// days and called both 今天到期.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startApp, type Client, type TestApp } from '../helpers/app.ts';
import { unitIdOfUser } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { atomically } from '../../src/db/connection.ts';
import { shanghaiDate } from '../../src/util/time.ts';
import { computeDeadline } from '../../src/services/deadlines.ts';
import { raiseOutsideProblem } from '../../src/services/outside-problems.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
const today = shanghaiDate(new Date());
const at = (hhmm: string) => `${today}T${hhmm}:00+08:00`;

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  setClock(at('10:00'));
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const db = () => app.booted.db;
/** A 督查 problem for 区市场监管局 given `hours` from `from` (HH:MM today). */
const raise = (description: string, hours: number, from: string) =>
  atomically(db(), () =>
    raiseOutsideProblem(
      db(),
      {
        source: 'inspection',
        description,
        unitId: unitIdOfUser(db(), 'shichang'),
        deadline: computeDeadline(db(), { unit: 'hours', amount: hours }, new Date(at(from))),
        recordedBy: null,
      },
      null,
    ),
  );

/** The unit home's tiles: label → count. */
const tiles = (html: string) =>
  new Map(
    [...html.matchAll(/<span class="value">(\d+)<\/span><span class="label">([^<]+)<\/span>/g)].map((m) => [
      m[2]!,
      Number(m[1]),
    ]),
  );
/** A problem's line in the unit home's list: its class, its deadline in words and its time. */
const line = (html: string, id: number) => {
  const m = new RegExp(
    `<li class="(overdue)?"><a href="/problems/${id}">\\s*<span class="deadline"><span class="[a-z]+">([^<]+)</span> <small class="muted">时限 ([^<]+)</small>`,
  ).exec(html);
  return m ? { overdue: m[1] === 'overdue', text: m[2], deadline: m[3] } : null;
};

describe('the unit home’s 其中逾期', () => {
  it('counts a deadline in hours passed earlier today, and not one due later today, to the minute', async () => {
    const unit = await as('shichang');
    const before = tiles((await unit.get('/')).text);
    const past = raise('占道经营（1 小时内清理）', 1, '08:00');
    const later = raise('店外乱堆放（4 小时内清理）', 4, '10:00');

    const home = (await unit.get('/')).text;
    const now = tiles(home);
    expect(now.get('待整改')).toBe(before.get('待整改')! + 2);
    expect(now.get('其中逾期')).toBe(before.get('其中逾期')! + 1);
    expect(line(home, past)).toEqual({ overdue: true, text: '已逾期', deadline: `${today} 09:00` });
    expect(line(home, later)).toEqual({ overdue: false, text: '今天到期', deadline: `${today} 14:00` });

    setClock(at('14:00')); // the minute itself is not late yet
    expect(tiles((await unit.get('/')).text).get('其中逾期')).toBe(before.get('其中逾期')! + 1);
    setClock(at('14:01'));
    const after = (await unit.get('/')).text;
    expect(tiles(after).get('其中逾期')).toBe(before.get('其中逾期')! + 2);
    expect(line(after, later)).toEqual({ overdue: true, text: '已逾期', deadline: `${today} 14:00` });
    // the tile opens the board's 只看逾期, which counts the same way
    const board = (await unit.get('/problems?overdue=1')).text;
    expect(board).toContain(`href="/problems/${past}"`);
    expect(board).toContain(`href="/problems/${later}"`);
  });
});
