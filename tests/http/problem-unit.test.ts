// The office gives a problem from outside rounds its responsible unit (交办), or another one with a
// reason (改派): a problem recorded 待分派 is found on the board (责任单位：待分派), handed to a unit that
// then sees it on its board and home and fixes it; every refusal (not the office, a round's problem, an
// unknown or retired unit, 改派 without a reason, a pending request) changes nothing. And the board's
// 只看逾期 (and the office home's 逾期未整改 that opens it) counts a deadline in hours to the minute, as
// the problem page does: due 2026-10-01 10:00 (2026-09-30 10:00 + 24 小时), late from 10:01, not at 10:00.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loggedIn, startApp, scalar, type Client, type TestApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { unitIdOfUser, userIdOf } from '../helpers/ids.ts';
import { dbFingerprint, refusalMessage } from '../helpers/routes.ts';
import { unzipText } from '../helpers/xlsx.ts';
import { atomically } from '../../src/db/connection.ts';
import { raiseOutsideProblem, type OutsideProblemInput } from '../../src/services/outside-problems.ts';
import { computeDeadline } from '../../src/services/deadlines.ts';
import { setClock } from '../../src/util/clock.ts';

const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
let app: TestApp;
let office: Client;
const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const as = loggedIn(() => app.url);
const unitOf = (id: number) => one('SELECT unit_id FROM problems WHERE id = ?', id);

/** Raises a problem from outside rounds, recorded by the office, its deadline counted from `from`. */
function raise(
  input: Pick<OutsideProblemInput, 'source' | 'description' | 'unitId' | 'address'>,
  rule: { unit: 'workdays' | 'hours'; amount: number },
  from: string,
): number {
  const officeId = userIdOf(db(), 'office');
  return atomically(db(), () =>
    raiseOutsideProblem(
      db(),
      { ...input, recordedBy: officeId, deadline: computeDeadline(db(), rule, new Date(from)) },
      officeId,
    ),
  );
}

/** The problem ids a board page lists. */
const listed = (html: string) =>
  [...html.matchAll(/<td><a href="\/problems\/(\d+)">#/g)].map((m) => Number(m[1]));
const pageText = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
/** A home page tile's number, by its label. */
const tile = (html: string, label: string) =>
  Number(new RegExp(`<span class="value">(\\d+)</span><span class="label">${label}</span>`).exec(html)?.[1]);

/** Posts the page's 交办 / 改派 form as the client would after opening the problem. */
async function hand(c: Client, id: number, fields: Record<string, string>) {
  await c.get(`/problems/${id}`);
  return c.post(`/problems/${id}/unit`, fields);
}

let waiting = 0;
let assigned = 0;
let roundProblem = 0;
let chengguan = 0;
let shichang = 0;

beforeAll(async () => {
  app = await startApp();
  office = await as('office');
  chengguan = unitIdOfUser(db(), 'chengguan');
  shichang = unitIdOfUser(db(), 'shichang');
  waiting = raise(
    { source: 'inspection', description: '督查：井盖缺失无人认领', unitId: null, address: '解放路8号' },
    { unit: 'workdays', amount: 5 },
    '2026-12-01T02:00:00Z',
  );
  assigned = raise(
    { source: 'media', description: '媒体：公交站牌倾斜', unitId: chengguan, address: '人民路公交站' },
    { unit: 'workdays', amount: 5 },
    '2026-12-01T02:00:00Z',
  );
  roundProblem = one(
    "SELECT id FROM problems WHERE source = 'round' AND status = 'open' AND request IS NULL ORDER BY id LIMIT 1",
  ) as number;
});
afterEach(() => setClock(null));
afterAll(async () => {
  await app.destroy();
});

describe('交办: a problem recorded without a unit', () => {
  it('is found on the board under 责任单位：待分派, and its page offers the office 交办', async () => {
    const board = await office.get('/problems?unit=none');
    expect(board.status).toBe(200);
    expect(listed(board.text)).toContain(waiting);
    expect(listed(board.text)).not.toContain(assigned);
    expect(pageText(board.text)).toContain('待分派的问题');
    // every problem it lists has no unit
    for (const id of listed(board.text)) expect(unitOf(id)).toBeNull();
    // and so is the board's workbook, downloaded with the same filter
    const book = await office.bytes('/problems.xlsx?unit=none');
    expect(book.status).toBe(200);
    const sheets = [...unzipText(book.body).values()].join('');
    expect(sheets).toContain('井盖缺失无人认领');
    expect(sheets).not.toContain('公交站牌倾斜');
    const page = await office.get(`/problems/${waiting}`);
    expect(pageText(page.text)).toContain('交办责任单位');
    expect(page.text).toContain(`action="/problems/${waiting}/unit"`);
    expect(page.text).not.toContain('改派理由');
  });

  it('refuses anyone but the office, a round’s problem, no, an unknown or a retired unit — changing nothing', async () => {
    const retired = Number(
      db()
        .prepare(
          "INSERT INTO units (code, name, kind, retired_at, created_at) VALUES ('T-OLD', '已撤并的测试单位', 'department', '2026-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
        )
        .run().lastInsertRowid,
    );
    await app.booted.versions.settled(); // no photo version still being made in the background
    const before = dbFingerprint(db());
    const to = { unitId: String(chengguan) };
    for (const who of ['chengguan', 'inspector1', 'leader-xcb']) {
      const refused = await hand(await as(who), waiting, to);
      expect(refused.status, who).toBe(403);
      expect(refusalMessage(refused.text), who).toBe('只有创城办可以安排复查');
    }
    const round = await hand(office, roundProblem, { unitId: String(shichang), note: '试试' });
    expect(round.status).toBe(403);
    expect(refusalMessage(round.text)).toBe('测评问题由该点位的测评员复查');

    const none = await hand(office, waiting, { unitId: '' });
    expect(none.status).toBe(400);
    expect(refusalMessage(none.text)).toBe('请选择责任单位');
    for (const unitId of ['999999', String(retired)]) {
      const unknown = await hand(office, waiting, { unitId, note: '交办说明照填' });
      expect(unknown.status).toBe(400);
      expect(refusalMessage(unknown.text)).toBe('找不到该单位或已停用，请重新选择');
      expect(unknown.text).toContain('交办说明照填'); // what was typed is kept
    }
    // the retired unit is not among the choices either
    expect((await office.get(`/problems/${waiting}`)).text).not.toContain('已撤并的测试单位');
    expect(dbFingerprint(db())).toEqual(before);
    expect(unitOf(waiting)).toBeNull();
  });

  it('hands it to a unit, which sees it at once on its board and home and fixes it', async () => {
    const unit = await as('chengguan');
    const openBefore = tile((await unit.get('/')).text, '待整改');
    expect(listed((await unit.get('/problems')).text)).not.toContain(waiting);
    expect((await unit.get(`/problems/${waiting}`)).status).toBe(403);

    const done = await hand(office, waiting, { unitId: String(chengguan), note: '请尽快补齐井盖' });
    expect(done.status).toBe(303);
    expect(unitOf(waiting)).toBe(chengguan);
    const unitName = one('SELECT name FROM units WHERE id = ?', chengguan) as string;
    const page = pageText((await office.get(`/problems/${waiting}`)).text);
    expect(page).toContain(`已交由 ${unitName} 整改。`);
    expect(page).toContain(`待分派 → ${unitName}`);
    expect(page).toContain('请尽快补齐井盖');
    expect(page).toContain('改派责任单位'); // now it has a unit, the form changes it
    expect(
      one("SELECT count(*) FROM problem_events WHERE problem_id = ? AND action = 'assign_unit'", waiting),
    ).toBe(1);
    const audit = db()
      .prepare("SELECT user_id, detail FROM audit_log WHERE action = 'problem.unit' AND entity_id = ?")
      .all(waiting) as { user_id: number; detail: string }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]!.user_id).toBe(userIdOf(db(), 'office'));
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ responsibleUnitId: { old: null, new: chengguan } });
    expect(pageText((await office.get('/audit')).text)).toContain('交办 / 改派责任单位');
    expect(listed((await office.get('/problems?unit=none')).text)).not.toContain(waiting);

    expect(listed((await unit.get('/problems')).text)).toContain(waiting);
    const home = (await unit.get('/')).text;
    expect(tile(home, '待整改')).toBe(openBefore + 1);
    await unit.get(`/problems/${waiting}`);
    const f = new FormData();
    f.set('note', '已安装新井盖');
    f.append('photos', new Blob([new Uint8Array(PHOTO)]), 'after.jpg');
    expect((await unit.postMultipart(`/problems/${waiting}/fix`, f, { csrf: 'field' })).status).toBe(303);
    expect(one('SELECT status FROM problems WHERE id = ?', waiting)).toBe('fixed');
    // fixed: no more 交办 or 改派
    expect((await office.get(`/problems/${waiting}`)).text).not.toContain(
      `action="/problems/${waiting}/unit"`,
    );
    const late = await office.post(`/problems/${waiting}/unit`, { unitId: String(shichang), note: '改派' });
    expect(late.status).toBe(409);
    expect(refusalMessage(late.text)).toBe('该问题现为“已整改待复查”，不能再交办或改派责任单位');
  });
});

describe('改派: a problem that has a unit', () => {
  it('needs a reason and another unit, and waits for a pending request to be decided', async () => {
    await app.booted.versions.settled(); // no photo version still being made in the background
    const before = dbFingerprint(db());
    const noReason = await hand(office, assigned, { unitId: String(shichang), note: ' ' });
    expect(noReason.status).toBe(400);
    expect(refusalMessage(noReason.text)).toBe('请填写改派理由');
    const same = await hand(office, assigned, { unitId: String(chengguan), note: '还是它' });
    expect(same.status).toBe(400);
    expect(refusalMessage(same.text)).toBe('该问题现在就由这个单位负责，请选择另一个单位');
    expect(dbFingerprint(db())).toEqual(before);

    const unit = await as('chengguan');
    await unit.get(`/problems/${assigned}`);
    const f = new FormData();
    f.set('kind', 'extension');
    f.set('deadline', '2026-12-31');
    f.set('note', '站牌需厂家更换');
    expect((await unit.postMultipart(`/problems/${assigned}/request`, f, { csrf: 'field' })).status).toBe(
      303,
    );
    const page = await office.get(`/problems/${assigned}`);
    expect(pageText(page.text)).toContain('请先在上方处理申请，再改派');
    expect(page.text).not.toContain(`action="/problems/${assigned}/unit"`);
    await app.booted.versions.settled();
    const pending = dbFingerprint(db());
    const refused = await office.post(`/problems/${assigned}/unit`, {
      unitId: String(shichang),
      note: '属市场监管',
    });
    expect(refused.status).toBe(409);
    expect(refusalMessage(refused.text)).toBe('该问题有待处理的延期申请，请先处理申请，再交办或改派');
    expect(dbFingerprint(db())).toEqual(pending);
  });

  it('moves it to the other unit once the request is decided: the new unit sees it, the old one no longer', async () => {
    await office.get(`/problems/${assigned}`);
    expect(
      (await office.post(`/problems/${assigned}/decide`, { approve: '0', note: '时限内可完成' })).status,
    ).toBe(303);
    const done = await hand(office, assigned, { unitId: String(shichang), note: '站牌属市场监管局管理' });
    expect(done.status).toBe(303);
    expect(unitOf(assigned)).toBe(shichang);
    expect(one('SELECT deadline FROM problems WHERE id = ?', assigned)).toBe('2026-12-08'); // unchanged
    const page = pageText((await office.get(`/problems/${assigned}`)).text);
    const name = (unitId: number) => one('SELECT name FROM units WHERE id = ?', unitId) as string;
    expect(page).toContain(`改派 站牌属市场监管局管理 ${name(chengguan)} → ${name(shichang)}`);
    const detail = one(
      "SELECT detail FROM audit_log WHERE action = 'problem.unit' AND entity_id = ?",
      assigned,
    );
    expect(JSON.parse(detail as string)).toMatchObject({
      responsibleUnitId: { old: chengguan, new: shichang },
      reason: '站牌属市场监管局管理',
    });
    expect(listed((await (await as('shichang')).get('/problems')).text)).toContain(assigned);
    expect(listed((await (await as('chengguan')).get('/problems?status=all')).text)).not.toContain(assigned);
  });
});

describe('the board’s 只看逾期, to the minute', () => {
  it('lists a problem due today at 10:00 from 10:01, like its page', async () => {
    const id = raise(
      { source: 'hotline', description: '12345：路灯不亮', unitId: chengguan, address: '和平街' },
      { unit: 'hours', amount: 24 },
      '2026-09-30T02:00:00Z',
    );
    expect(one("SELECT deadline || ' ' || deadline_time FROM problems WHERE id = ?", id)).toBe(
      '2026-10-01 10:00',
    );
    setClock('2026-10-01T02:00:00Z'); // 10:00 in Shanghai: due now, not yet late
    expect(listed((await office.get('/problems?overdue=1')).text)).not.toContain(id);
    expect(pageText((await office.get(`/problems/${id}`)).text)).not.toContain('逾期');
    const onTime = tile((await office.get('/')).text, '逾期未整改');
    setClock('2026-10-01T02:01:00Z'); // 10:01: one minute late
    const board = await office.get('/problems?overdue=1&source=hotline');
    expect(listed(board.text)).toContain(id);
    expect(pageText((await office.get(`/problems/${id}`)).text)).toContain('逾期');
    // the office home's tile, which opens this list, counts it too
    expect(tile((await office.get('/')).text, '逾期未整改')).toBe(onTime + 1);
  });
});
