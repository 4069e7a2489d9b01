// Problems from outside rounds (督查, 随手拍, 12345, 媒体) on the board, their page, the notice and the
// board's workbook, and their loop: the unit fixes one without a site, the office gives its 复查 to an
// inspector (or keeps it), the leader who recorded one re-inspects it, a 延期 keeps the working-day rule.
// Deadlines are worked by hand: 2026-12-01 (Tue) + 5 个工作日 = 2026-12-08; 2026-09-30 + 3 个工作日 =
// 2026-10-10 (国庆 1–8 Oct, 10 Oct a make-up Saturday); 2026-09-30 10:00 + 24 小时 = 2026-10-01 10:00.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { loggedIn, startApp, scalar, type Client, type TestApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { unitIdOfUser, userIdOf } from '../helpers/ids.ts';
import { dbFingerprint, refusalMessage } from '../helpers/routes.ts';
import { unzipText } from '../helpers/xlsx.ts';
import { atomically } from '../../src/db/connection.ts';
import { findProblem } from '../../src/db/repos/problems.ts';
import { findUserByUsername, insertUser, type UserRow } from '../../src/db/repos/users.ts';
import { raiseOutsideProblem, type OutsideProblemInput } from '../../src/services/outside-problems.ts';
import { computeDeadline } from '../../src/services/deadlines.ts';
import { insertPhotos, withPhotos } from '../../src/services/problems.ts';
import { setClock } from '../../src/util/clock.ts';

const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
let app: TestApp;
let office: Client;
const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const as = loggedIn(() => app.url);

/** The problems this file raises, by what they are. */
const ids = { inspection: 0, report: 0, hotline: 0, media: 0, round: 0 };
let leader: UserRow;
let siteName = '';
let communityName = '';

/** Raises a problem from outside rounds with its deadline counted from `from`. */
function raise(
  input: Omit<OutsideProblemInput, 'deadline'>,
  rule: { unit: 'workdays' | 'hours'; amount: number },
  from: string,
) {
  return atomically(db(), () =>
    raiseOutsideProblem(
      db(),
      { ...input, deadline: computeDeadline(db(), rule, new Date(from)) },
      input.recordedBy,
    ),
  );
}

beforeAll(async () => {
  app = await startApp();
  office = await as('office');
  const officeUser = findUserByUsername(db(), 'office')!;
  const site = db()
    .prepare(
      `SELECT s.id, s.name, c.id AS community_id, c.name AS community FROM sites s JOIN communities c ON c.id = s.community_id
       WHERE s.lat IS NOT NULL AND s.retired_at IS NULL ORDER BY s.id LIMIT 1`,
    )
    .get() as { id: number; name: string; community_id: number; community: string };
  siteName = site.name;
  communityName = site.community;
  const leaderUnit = (one('SELECT unit_id FROM community_liaisons ORDER BY unit_id LIMIT 1') ??
    unitIdOfUser(db(), 'chengguan')) as number;
  insertUser(db(), {
    username: 'leader-test',
    displayName: '王包联',
    role: 'leader',
    unitId: leaderUnit,
    homeStreetId: null,
    passwordHash: officeUser.password_hash,
  });
  leader = findUserByUsername(db(), 'leader-test')!;
  const chengguan = unitIdOfUser(db(), 'chengguan');
  ids.inspection = raise(
    {
      source: 'inspection',
      siteId: site.id,
      description: '督查：路面破损未修复',
      unitId: chengguan,
      recordedBy: leader.id,
    },
    { unit: 'workdays', amount: 5 },
    '2026-12-01T02:00:00Z',
  );
  ids.report = raise(
    {
      source: 'report',
      communityId: site.community_id,
      address: '幸福路12号东侧',
      gps: { lat: 45.5, lng: 100.25 },
      description: '随手拍：垃圾堆放在路边',
      unitId: chengguan,
      recordedBy: null,
    },
    { unit: 'workdays', amount: 5 },
    '2026-12-01T02:00:00Z',
  );
  ids.hotline = raise(
    {
      source: 'hotline',
      address: '和平街3号',
      description: '12345：夜间施工噪音扰民',
      unitId: unitIdOfUser(db(), 'shichang'),
      recordedBy: officeUser.id,
      externalRef: 'GD20260930001',
    },
    { unit: 'hours', amount: 24 },
    '2026-09-30T02:00:00Z',
  );
  ids.media = raise(
    {
      source: 'media',
      address: '人民广场',
      description: '媒体：广场护栏缺失',
      unitId: chengguan,
      recordedBy: officeUser.id,
    },
    { unit: 'workdays', amount: 3 },
    '2026-09-30T02:00:00Z',
  );
  db()
    .prepare(
      `INSERT INTO hotline_orders (problem_id, order_no, content, address, received_at, handler, limit_amount, limit_unit, batch, imported_at)
       VALUES (?, 'GD20260930001', '夜间施工噪音扰民，请尽快处理', '和平街3号', '2026-09-30T02:00:00.000Z', '市场监管', 24, 'hours', 'b1', ?)`,
    )
    .run(ids.hotline, new Date().toISOString());
  // the resident's report the 随手拍 problem came from, with a phone number for a reply and a photo
  const link = (one('SELECT id FROM report_links ORDER BY id LIMIT 1') ??
    Number(
      db()
        .prepare("INSERT INTO report_links (token, community_id, created_at) VALUES ('tok-test', NULL, ?)")
        .run(new Date().toISOString()).lastInsertRowid,
    )) as number;
  const reportId = Number(
    db()
      .prepare(
        `INSERT INTO citizen_reports (code, link_id, description, phone, phone_until, status, problem_id, created_at)
         VALUES ('SP-7Q4K', ?, '路边堆了很多垃圾', '13800001111', '2027-03-01T00:00:00Z', 'accepted', ?, '2026-12-01T01:30:00Z')`,
      )
      .run(link, ids.report).lastInsertRowid,
  );
  const ctx = { db: db(), uploadDir: join(app.dir, 'uploads') };
  const report = findProblem(db(), ids.report)!;
  await withPhotos(
    ctx,
    report,
    officeUser,
    '随手拍',
    [{ buffer: PHOTO, originalName: 'r.jpg' }],
    (stored) => insertPhotos(db(), null, null, 'report', stored, reportId), // the resident's photo
  );
  const inspection = findProblem(db(), ids.inspection)!;
  await withPhotos(ctx, inspection, leader, '督查', [{ buffer: PHOTO, originalName: 'd.jpg' }], (stored) =>
    insertPhotos(db(), inspection, leader, 'record', stored),
  );
  ids.round = one(
    "SELECT id FROM problems WHERE source = 'round' AND status = 'open' AND unit_id = ? ORDER BY id LIMIT 1",
    chengguan,
  ) as number;
});
afterEach(() => setClock(null));
afterAll(async () => {
  await app.destroy();
});

/** The ids of every problem of a source (the demo may have its own beside this file's). */
const ofSource = (source: string) =>
  db().prepare('SELECT id FROM problems WHERE source = ? ORDER BY id').pluck().all(source) as number[];
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

/** The problem ids a board page lists, in order. */
const listed = (html: string) =>
  [...html.matchAll(/<td><a href="\/problems\/(\d+)">#/g)].map((m) => Number(m[1]));
/** The board row of a problem, as text without tags. */
function rowText(html: string, id: number): string {
  const m = new RegExp(`<tr[^>]*>\\s*<td><a href="/problems/${id}">[\\s\\S]*?</tr>`).exec(html);
  return (m?.[0] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}
const pageText = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('the board', () => {
  it('filters by each 来源 and shows the source, the place, the 工单号 and 超出辖区', async () => {
    const inspection = await office.get('/problems?source=inspection&status=all');
    expect(inspection.status).toBe(200);
    expect(sorted(listed(inspection.text))).toEqual(ofSource('inspection'));
    expect(listed(inspection.text)).toContain(ids.inspection);
    expect(rowText(inspection.text, ids.inspection)).toContain(`督查 ${siteName}`);
    expect(rowText(inspection.text, ids.inspection)).toContain('2026-12-08');

    const report = await office.get('/problems?source=report');
    expect(listed(report.text)).toContain(ids.report);
    expect(listed(report.text).every((id) => ofSource('report').includes(id))).toBe(true);
    const row = rowText(report.text, ids.report);
    expect(row).toContain('随手拍 幸福路12号东侧 超出辖区');
    expect(row).toContain(communityName);

    const hotline = await office.get('/problems?source=hotline');
    expect(listed(hotline.text)).toContain(ids.hotline);
    expect(listed(hotline.text).every((id) => ofSource('hotline').includes(id))).toBe(true);
    expect(rowText(hotline.text, ids.hotline)).toContain('12345 工单号 GD20260930001 和平街3号');
    expect(rowText(hotline.text, ids.hotline)).toContain('2026-10-01 10:00');

    const media = await office.get('/problems?source=media');
    expect(sorted(listed(media.text))).toEqual(ofSource('media'));

    // the round filter's 全部 keeps every source; 测评 alone has none of these
    const all = listed((await office.get('/problems')).text);
    for (const id of Object.values(ids)) expect(all).toContain(id);
    const rounds = listed((await office.get('/problems?source=round')).text);
    expect(rounds).toContain(ids.round);
    expect(rounds).not.toContain(ids.report);
  });

  it('gives the office the buttons to record, triage, import and set the rules', async () => {
    const page = (await office.get('/problems')).text;
    for (const href of ['/problems/new', '/reports', '/hotline', '/problem-settings', '/problems.xlsx'])
      expect(page).toContain(`href="${href}`);
    expect((await (await as('chengguan')).get('/problems')).text).not.toContain('href="/problems/new"');
  });

  it('refuses a 来源 it does not know', async () => {
    const r = await office.get('/problems?source=weibo');
    expect(r.status).toBe(400);
    expect(r.text).toContain('来源筛选无效');
  });
});

describe('the problem page', () => {
  it('shows a 随手拍 problem: where, the coordinates, the residents’ report and photo, the rule', async () => {
    const html = (await office.get(`/problems/${ids.report}`)).text;
    const page = pageText(html);
    expect(page).toContain('来源 随手拍');
    expect(page).toContain('地址 幸福路12号东侧');
    expect(page).toContain('定位坐标 45.500000, 100.250000 超出辖区');
    expect(page).toContain('整改时限 5 个工作日，至 2026-12-08');
    expect(page).toContain('群众照片');
    expect(page).toContain('SP-7Q4K 2026-12-01 09:30 · 已受理 联系电话 13800001111 路边堆了很多垃圾');
    // no round, no deduction
    expect(html).not.toContain('<dt>轮次</dt>');
    expect(html).not.toContain('<dt>扣分</dt>');
    // the unit reads the report, never the resident's phone nor the tracking code the resident follows
    // the report's progress with (only the office sees it)
    const unit = await as('chengguan');
    const unitPage = pageText((await unit.get(`/problems/${ids.report}`)).text);
    expect(unitPage).toContain('群众反映（随手拍） 2026-12-01 09:30 · 已受理 路边堆了很多垃圾');
    expect(unitPage).not.toContain('SP-7Q4K');
    expect(unitPage).not.toContain('13800001111');
  });

  it('shows a 督查 problem with who recorded it and its 督查现场照片', async () => {
    const page = pageText((await office.get(`/problems/${ids.inspection}`)).text);
    expect(page).toContain('来源 督查');
    expect(page).toContain('记录人 王包联');
    expect(page).toContain(`点位 ${siteName}`);
    expect(page).toContain('督查现场照片');
    expect(page).toContain('复查人 创城办或记录人 王包联');
  });

  it('shows a 12345 problem’s order, and is overdue to the minute', async () => {
    setClock('2026-10-01T02:00:00Z'); // 10:00 in Shanghai: not yet
    const before = pageText((await office.get(`/problems/${ids.hotline}`)).text);
    expect(before).toContain('来源 12345 · 工单号 GD20260930001');
    expect(before).toContain('诉求内容 夜间施工噪音扰民，请尽快处理');
    expect(before).toContain('受理时间 2026-09-30 10:00');
    expect(before).toContain('办理时限 24 小时');
    expect(before).toContain('整改时限 24 小时，至 2026-10-01 10:00');
    expect(before).not.toContain('逾期');
    setClock('2026-10-01T02:01:00Z'); // 10:01: one minute late
    expect(pageText((await office.get(`/problems/${ids.hotline}`)).text)).toContain('逾期');
  });
});

describe('re-inspection of problems from outside rounds', () => {
  const assign = async (c: Client, id: number, inspectorId: string) => {
    await c.get(`/problems/${id}`);
    return c.post(`/problems/${id}/assign`, { inspectorId });
  };
  const fix = async (id: number) => {
    const unit = await as('chengguan');
    await unit.get(`/problems/${id}`);
    const f = new FormData();
    f.set('note', '已清理完毕');
    f.append('photos', new Blob([new Uint8Array(PHOTO)]), 'after.jpg');
    return unit.postMultipart(`/problems/${id}/fix`, f, { csrf: 'field' });
  };
  const reinspect = async (c: Client, id: number) => {
    await c.get(`/problems/${id}`);
    const f = new FormData();
    f.set('outcome', 'pass');
    f.append('photos', new Blob([new Uint8Array(PHOTO)]), 'check.jpg');
    return c.postMultipart(`/problems/${id}/reinspect`, f, { csrf: 'field' });
  };

  it('refuses a round’s problem, an unknown inspector and a unit, changing nothing', async () => {
    await app.booted.versions.settled(); // no photo version still being made in the background
    const before = dbFingerprint(db());
    const round = await assign(office, ids.round, String(userIdOf(db(), 'inspector1')));
    expect(round.status).toBe(403);
    expect(refusalMessage(round.text)).toBe('测评问题由该点位的测评员复查');
    const unknown = await assign(office, ids.report, '999999');
    expect(unknown.status).toBe(400);
    expect(round.text).not.toContain('找不到该测评员');
    expect(refusalMessage(unknown.text)).toBe('找不到该测评员或其账号已停用，请重新选择');
    const notInspector = await assign(office, ids.report, String(userIdOf(db(), 'chengguan')));
    expect(notInspector.status).toBe(400);
    const unit = await assign(await as('chengguan'), ids.report, String(userIdOf(db(), 'inspector1')));
    expect(unit.status).toBe(403);
    expect(refusalMessage(unit.text)).toBe('只有创城办可以安排复查');
    expect(dbFingerprint(db())).toEqual(before);
  });

  it('walks a 随手拍 problem without a site: fix → given to an inspector → 复查 → 销号', async () => {
    const id = ids.report;
    expect(findProblem(db(), id)!.site_id).toBeNull();
    expect((await fix(id)).status).toBe(303);
    expect(one('SELECT status FROM problems WHERE id = ?', id)).toBe('fixed');

    const inspector1 = userIdOf(db(), 'inspector1');
    const given = await assign(office, id, String(inspector1));
    expect(given.status).toBe(303);
    expect(one('SELECT reinspector_id FROM problems WHERE id = ?', id)).toBe(inspector1);
    expect(one("SELECT note FROM problem_events WHERE problem_id = ? AND action = 'assign'", id)).toContain(
      '交由测评员',
    );
    expect(one("SELECT count(*) FROM audit_log WHERE action = 'problem.assign' AND entity_id = ?", id)).toBe(
      1,
    );
    expect(pageText((await office.get(`/problems/${id}`)).text)).toContain('安排复查');

    // on the inspector's board (it opens on the fixes to re-inspect), not on another's
    const insp1 = await as('inspector1');
    expect(listed((await insp1.get('/problems')).text)).toContain(id);
    const insp2 = await as('inspector2');
    expect(listed((await insp2.get('/problems?status=all')).text)).not.toContain(id);
    expect((await insp2.get(`/problems/${id}`)).status).toBe(403);

    // the fixer never, another inspector not, the one given it yes
    const byUnit = await reinspect(await as('chengguan'), id);
    expect(byUnit.status).toBe(403);
    expect((await reinspect(insp2, id)).status).toBe(403);
    expect(one('SELECT status FROM problems WHERE id = ?', id)).toBe('fixed');
    expect((await reinspect(insp1, id)).status).toBe(303);
    expect(one('SELECT status FROM problems WHERE id = ?', id)).toBe('closed');
    expect(pageText((await office.get(`/problems/${id}`)).text)).toContain('复查照片');
  });

  it('lets the leader who recorded a 督查 problem re-inspect it, unless the office gave it away', async () => {
    const id = ids.inspection;
    expect((await fix(id)).status).toBe(303);
    const lead = await as('leader-test');
    expect(listed((await lead.get('/problems')).text)).toContain(id);
    expect((await assign(office, id, String(userIdOf(db(), 'inspector1')))).status).toBe(303);
    const refused = await reinspect(lead, id);
    expect(refused.status).toBe(403);
    expect(refusalMessage(refused.text)).toBe('只有记录该问题的包联领导可以复查（已交给测评员复查的除外）');
    // taken back: 创城办自行复查, and the leader may again
    expect((await assign(office, id, 'office')).status).toBe(303);
    expect(one('SELECT reinspector_id FROM problems WHERE id = ?', id)).toBeNull();
    expect((await reinspect(lead, id)).status).toBe(303);
    expect(one('SELECT status FROM problems WHERE id = ?', id)).toBe('closed');
  });

  it('extends a working-day deadline to the date the office chose, keeping its rule', async () => {
    const id = ids.media;
    expect(findProblem(db(), id)).toMatchObject({ deadline: '2026-10-10', deadline_rule: 'workdays' });
    setClock('2026-10-09T02:00:00Z');
    const unit = await as('chengguan');
    await unit.get(`/problems/${id}`);
    const f = new FormData();
    f.set('kind', 'extension');
    f.set('deadline', '2026-10-20');
    f.set('note', '需采购护栏材料');
    expect((await unit.postMultipart(`/problems/${id}/request`, f, { csrf: 'field' })).status).toBe(303);
    await office.get(`/problems/${id}`);
    const decided = await office.post(`/problems/${id}/decide`, {
      approve: '1',
      deadline: '2026-10-23',
      note: '',
    });
    expect(decided.status).toBe(303);
    expect(findProblem(db(), id)).toMatchObject({
      deadline: '2026-10-23',
      deadline_rule: 'workdays',
      deadline_amount: 3,
    });
    expect(pageText((await office.get(`/problems/${id}`)).text)).toContain(
      '整改时限 3 个工作日，至 2026-10-23',
    );
  });
});

describe('on paper', () => {
  async function workbook(c: Client, path: string) {
    const r = await c.bytes(path);
    expect(r.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.body as never);
    const ws = wb.getWorksheet('整改清单')!;
    const headers = (ws.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (h: string) => headers.indexOf(h) + 1;
    const rows = new Map<string, ExcelJS.Row>();
    ws.eachRow((row, n) => {
      if (n > 1) rows.set(String(row.getCell(col('问题描述')).value), row);
    });
    return { buf: r.body, headers, col, rows };
  }

  it('exports the board as filtered, with 来源, 工单号, 地址 and the residents’ photo embedded', async () => {
    const { buf, headers, col, rows } = await workbook(office, '/problems.xlsx?source=report&status=all');
    expect(headers.slice(-4)).toEqual(['材料所属', '轮次', '工单号', '地址']);
    expect(rows.size).toBe(ofSource('report').length);
    for (const r of rows.values()) expect(r.getCell(col('来源')).value).toBe('随手拍');
    const row = rows.get('随手拍：垃圾堆放在路边')!;
    expect(row.getCell(col('来源')).value).toBe('随手拍');
    expect(row.getCell(col('地址')).value).toBe('幸福路12号东侧');
    expect(row.getCell(col('社区')).value).toBe(communityName);
    expect(row.getCell(col('点位')).value).toBeNull();
    expect(row.getCell(col('整改时限')).value).toEqual(new Date('2026-12-08T00:00:00Z'));
    expect(row.getCell(col('轮次')).value).toBeNull();
    // the residents' photo in the 问题照片 column (zero-based col 9) of its row (zero-based in a drawing)
    const drawing = unzipText(buf).get('xl/drawings/drawing1.xml')!;
    expect(drawing).toMatch(
      new RegExp(`<xdr:col>9</xdr:col><xdr:colOff>\\d+</xdr:colOff><xdr:row>${row.number - 1}</xdr:row>`),
    );
    const formula = (row.getCell(col('问题照片')).value as { formula: string }).formula;
    const photoId = one(
      "SELECT p.id FROM photos p JOIN citizen_reports r ON r.id = p.report_id WHERE r.code = 'SP-7Q4K'",
    );
    expect(formula).toBe(`HYPERLINK("${app.url}/photos/${photoId}/display","查看原图")`);
  });

  it('puts every source in the unfiltered workbook, the 12345 工单号 and a deadline in hours with its time', async () => {
    const { col, rows } = await workbook(office, '/problems.xlsx?status=all');
    const sources = new Set([...rows.values()].map((r) => r.getCell(col('来源')).value));
    for (const s of ['测评', '督查', '随手拍', '12345', '媒体']) expect(sources).toContain(s);
    const hotline = rows.get('12345：夜间施工噪音扰民')!;
    expect(hotline.getCell(col('工单号')).value).toBe('GD20260930001');
    expect(hotline.getCell(col('整改时限')).value).toEqual(new Date('2026-10-01T10:00:00Z'));
    expect(hotline.getCell(col('扣分')).value).toBeNull();
    const inspection = rows.get('督查：路面破损未修复')!;
    expect(inspection.getCell(col('点位')).value).toBe(siteName);
    // a round's problem keeps its round and deduction
    const roundRow = [...rows.values()].find((r) => r.getCell(col('来源')).value === '测评')!;
    expect(roundRow.getCell(col('轮次')).value).toBeTruthy();
    expect(typeof roundRow.getCell(col('扣分')).value).toBe('number');
  });

  it('gives a unit only its own problems, and keeps the round’s 整改清单 as it was', async () => {
    const unit = await as('shichang');
    const { col, rows } = await workbook(unit, '/problems.xlsx?status=all');
    expect(rows.has('12345：夜间施工噪音扰民')).toBe(true);
    expect(rows.has('随手拍：垃圾堆放在路边')).toBe(false);
    const shichang = one('SELECT name FROM units WHERE id = ?', unitIdOfUser(db(), 'shichang'));
    for (const r of rows.values()) expect(r.getCell(col('责任单位')).value).toBe(shichang);
    const round = one('SELECT round_id FROM problems WHERE id = ?', ids.round) as number;
    const roundBook = await workbook(office, `/rounds/${round}/problems.xlsx`);
    expect(roundBook.headers.at(-1)).toBe('材料所属');
    expect(roundBook.headers).not.toContain('工单号');
  });

  it('names each problem’s 来源 on the 整改通知单', async () => {
    const unit = unitIdOfUser(db(), 'shichang');
    const notice = pageText((await office.get(`/problems-notice?unit=${unit}`)).text);
    expect(notice).toContain('来源');
    expect(notice).toContain('12345 工单号 GD20260930001 和平街3号');
    expect(notice).toContain('2026-10-01 10:00');
    expect(notice).toContain('经测评、督查及群众反映等');
    expect(notice).toMatch(/\d+ 测评 /);
  });
});
