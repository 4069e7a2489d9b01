// The rectification loop walked by its three roles: problems sent to units when sheets are approved,
// fixes reported with after-photos, re-inspection by someone else, disputes, transfers and extensions,
// every step in the history, and every refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { roundWithStatus, unitIdOf, userIdOf } from '../helpers/ids.ts';
import { dbFingerprint, listFiles } from '../helpers/routes.ts';
import { findUserById, findUserByUsername } from '../../src/db/repos/users.ts';
import { reinspect } from '../../src/services/problems.ts';
import { Forbidden, NotFound } from '../../src/errors.ts';

const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
let app: TestApp;
let office: Client;
let published: number;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  published = roundWithStatus(app.booted.db, 'published');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const status = (id: number) => one('SELECT status FROM problems WHERE id = ?', id);

async function as(username: string) {
  const c = new Client(app.url);
  await c.login(username);
  return c;
}

function form(fields: Record<string, string>, photos = 0): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  for (let i = 0; i < photos; i++) f.append('photos', new Blob([new Uint8Array(PHOTO)]), `after-${i}.jpg`);
  return f;
}

async function act(c: Client, id: number, action: string, fields: Record<string, string>, photos = 0) {
  await c.get(`/problems/${id}`);
  const r = await c.postMultipart(`/problems/${id}/${action}`, form(fields, photos), { csrf: 'field' });
  // done: back to the problem page with a message; refused: a 4xx page with the reason
  const page = r.status === 303 ? (await c.get(`/problems/${id}`)).text : r.text;
  return { status: r.status, page };
}

/** An open problem of the unit with this code in the published round that nobody has acted on yet. */
function problemOf(unitCode: string, skip = 0): number {
  return one(
    `SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id WHERE u.code = ? AND p.round_id = ? AND p.status = 'open'
       AND NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.action <> 'raise')
     ORDER BY p.id LIMIT 1 OFFSET ?`,
    unitCode,
    published,
    skip,
  ) as number;
}

describe('problems are sent out when sheets are approved', () => {
  it('raised one problem per deduction in the demo’s published round, each with a unit and a deadline', () => {
    // every 不符合 loses points except one fixed on the spot (当场整改, factor 0.5 in the 2026 edition)
    // on a graded standard whose effective cases stay under grade B's threshold: 1 case, 1 fixed →
    // 0.5 case → grade A, nothing lost, no problem
    const version = JSON.parse(readFileSync(join(ROOT, 'criteria', 'district-2026.json'), 'utf8')) as {
      items: {
        contents: { standards: { code: string; scoring: { mode: string; thresholds?: { B: number } } }[] }[];
      }[];
    };
    const gradeB = new Map(
      version.items
        .flatMap((i) => i.contents.flatMap((c) => c.standards))
        .filter((st) => st.scoring.mode === 'grade')
        .map((st) => [st.code, st.scoring.thresholds!.B]),
    );
    const fails = db()
      .prepare(
        `SELECT a.standard_code AS code, a.cases, a.fixed_cases AS fixed FROM answers a
         JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND a.result = 'fail'`,
      )
      .all(published) as { code: string; cases: number; fixed: number }[];
    const free = fails.filter(
      (a) => gradeB.has(a.code) && a.cases - a.fixed + a.fixed * 0.5 < gradeB.get(a.code)!,
    );
    expect(free.length).toBeGreaterThan(0); // the demo exercises the rule
    const lost = fails.length - free.length;
    expect(one("SELECT count(*) FROM problems WHERE round_id = ? AND status <> 'void'", published)).toBe(
      lost,
    );
    expect(one('SELECT count(*) FROM problems WHERE round_id = ? AND unit_id IS NULL', published)).toBe(0);
    expect(
      one(
        "SELECT count(*) FROM problems WHERE round_id = ? AND deadline NOT GLOB '2[0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'",
        published,
      ),
    ).toBe(0);
    expect(one("SELECT count(*) FROM problem_events WHERE action = 'raise'")).toBeGreaterThanOrEqual(lost);
  });

  it('marks a problem found again in the next round as 反复出现, linked to the earlier one', async () => {
    const open = roundWithStatus(db(), 'open');
    const earlier = db()
      .prepare(
        `SELECT p.id, p.site_id, p.standard_code FROM problems p
         WHERE p.round_id = ? AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.round_id = ? AND i.site_id = p.site_id)
         ORDER BY p.id LIMIT 1`,
      )
      .get(published, open) as { id: number; site_id: number; standard_code: string };
    const inspector = one(
      'SELECT u.username FROM assignments a JOIN users u ON u.id = a.inspector_id WHERE a.round_id = ? AND a.site_id = ?',
      open,
      earlier.site_id,
    ) as string;
    const c = await as(inspector);
    const siteType = one('SELECT site_type FROM sites WHERE id = ?', earlier.site_id) as string;
    const standards = app.booted.criteria.getByCode('district-2026').criteria.forSiteType(siteType);
    await c.get(`/rounds/${open}/sites/${earlier.site_id}`);
    const changes = standards.map((s) =>
      s.code === earlier.standard_code
        ? { standard: s.code, result: 'fail', cases: 1, note: '又发现' }
        : { standard: s.code, result: 'ok', cases: 0 },
    );
    expect(
      (
        await c.postJson(`/api/rounds/${open}/sites/${earlier.site_id}/changes`, {
          batchId: randomUUID(),
          baseRevision: 0,
          changes,
        })
      ).status,
    ).toBe(200);
    const std = standards.find((s) => s.code === earlier.standard_code)!;
    if (std.photoRequired) {
      const f = new FormData();
      f.set('clientId', randomUUID());
      f.set('standard', std.code);
      f.set('photo', new Blob([new Uint8Array(PHOTO)]), 'p.jpg');
      expect((await c.postMultipart(`/api/rounds/${open}/sites/${earlier.site_id}/photos`, f)).status).toBe(
        201,
      );
    }
    expect((await c.post(`/rounds/${open}/sites/${earlier.site_id}/submit`, { confirmed: '1' })).status).toBe(
      303,
    );
    await office.get(`/rounds/${open}/sites/${earlier.site_id}`);
    await office.post(`/rounds/${open}/sites/${earlier.site_id}/approve`);
    const again = db()
      .prepare(
        'SELECT repeat_count, previous_problem_id FROM problems WHERE round_id = ? AND site_id = ? AND standard_code = ?',
      )
      .get(open, earlier.site_id, earlier.standard_code);
    expect(again).toEqual({ repeat_count: 1, previous_problem_id: earlier.id });
  });
});

describe('the loop', () => {
  it('fix → reinspect (rejected) → fix → reinspect (closed), with refusals on the way', async () => {
    const id = problemOf('D-CGJ');
    const unit = await as('chengguan');
    const page = await unit.get(`/problems/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('整改前（测评照片）');

    // no photo: refused, unchanged
    let r = await act(unit, id, 'fix', { note: '已清理' }, 0);
    expect(r.page).toContain('请至少上传一张整改后照片');
    expect(status(id)).toBe('open');
    // another unit: refused
    const other = await as('shichang');
    expect((await other.get(`/problems/${id}`)).status).toBe(403);
    await other.get('/problems');
    expect(
      (await other.postMultipart(`/problems/${id}/fix`, form({ note: 'x' }, 1), { csrf: 'field' })).status,
    ).toBe(403);
    // a status jump: nothing to re-inspect yet
    r = await act(office, id, 'reinspect', { outcome: 'pass', note: '' }, 1);
    expect(r.page).toContain('不能复查');
    expect(status(id)).toBe('open');

    r = await act(unit, id, 'fix', { note: '已清理小广告并粉刷墙面' }, 2);
    expect(status(id)).toBe('fixed');
    expect(one("SELECT count(*) FROM photos WHERE problem_id = ? AND kind = 'fix'", id)).toBe(2);
    expect(r.page).toContain('已清理小广告并粉刷墙面');

    // the fixer cannot re-inspect; a unit cannot re-inspect at all
    const fixer = userIdOf(db(), 'chengguan');
    expect(one('SELECT fixed_by FROM problems WHERE id = ?', id)).toBe(fixer);
    expect(
      (await unit.postMultipart(`/problems/${id}/reinspect`, form({ outcome: 'pass' }, 1), { csrf: 'field' }))
        .status,
    ).toBe(403);

    r = await act(office, id, 'reinspect', { outcome: 'reject', note: '' }, 1);
    expect(r.page).toContain('请填写退回原因');
    expect(status(id)).toBe('fixed');
    await act(office, id, 'reinspect', { outcome: 'reject', note: '墙面仍有残留' }, 1);
    expect(status(id)).toBe('open');

    await act(unit, id, 'fix', { note: '再次清理' }, 1);
    r = await act(office, id, 'reinspect', { outcome: 'pass', note: '整改到位' }, 0);
    expect(r.page).toContain('复查须上传现场照片');
    r = await act(office, id, 'reinspect', { outcome: 'pass', note: '整改到位' }, 1);
    expect(status(id)).toBe('closed');
    for (const step of ['交办', '报告整改', '复查不通过，退回', '复查通过，销号'])
      expect(r.page).toContain(step);
    expect(r.page).toContain('墙面仍有残留');
    // closed is closed
    r = await act(unit, id, 'fix', { note: '又修了' }, 1);
    expect(r.page).toContain('不能报告整改');
  });

  it('upholds a dispute: the problem is voided and the deduction removed as an audited correction', async () => {
    const id = problemOf('D-CGJ', 1);
    const p = db()
      .prepare('SELECT inspection_id, standard_code, site_id FROM problems WHERE id = ?')
      .get(id) as { inspection_id: number; standard_code: string; site_id: number };
    const unit = await as('chengguan');
    let r = await act(unit, id, 'request', { kind: 'dispute', note: '' }, 0);
    expect(r.page).toContain('请填写申诉理由');
    await act(unit, id, 'request', { kind: 'dispute', note: '该设施已于测评前移交住建局' }, 1);
    expect(one('SELECT request FROM problems WHERE id = ?', id)).toBe('dispute');
    r = await act(unit, id, 'request', { kind: 'extension', note: 'x', deadline: '2099-01-01' }, 0);
    expect(r.page).toContain('已有待处理的申诉申请');

    await office.get(`/problems/${id}`);
    const refuseNoReason = await office.post(`/problems/${id}/decide`, { approve: '0', note: '' });
    expect(refuseNoReason.status).toBe(400);
    expect(one('SELECT request FROM problems WHERE id = ?', id)).toBe('dispute');
    await office.post(`/problems/${id}/decide`, { approve: '1', note: '核实属实' });
    expect(status(id)).toBe('void');
    expect(
      db()
        .prepare('SELECT result, corrected FROM answers WHERE inspection_id = ? AND standard_code = ?')
        .get(p.inspection_id, p.standard_code),
    ).toEqual({ result: 'ok', corrected: 1 });
    const audit = JSON.parse(
      one("SELECT detail FROM audit_log WHERE action = 'answer.correct' ORDER BY id DESC LIMIT 1") as string,
    );
    expect(audit.reason).toContain('申诉成立');
    expect(audit.old.result).toBe('fail');
  });

  it('transfers a problem to another unit, and grants or refuses an extension', async () => {
    const id = problemOf('D-CGJ', 2);
    const unit = await as('chengguan');
    const target = unitIdOf(db(), 'D-SCJG');
    await act(unit, id, 'request', { kind: 'transfer', note: '属于市场监管职责', unitId: String(target) }, 0);
    await office.get(`/problems/${id}`);
    await office.post(`/problems/${id}/decide`, { approve: '1', note: '', unitId: String(target) });
    expect(one('SELECT unit_id FROM problems WHERE id = ?', id)).toBe(target);
    expect((await unit.get(`/problems/${id}`)).status).toBe(403);
    const market = await as('shichang');
    const deadline = one('SELECT deadline FROM problems WHERE id = ?', id) as string;
    let r = await act(
      market,
      id,
      'request',
      { kind: 'extension', note: '需采购设备', deadline: '2000-01-01' },
      0,
    );
    expect(r.page).toContain(`新的整改时限须晚于当前时限 ${deadline}`);
    await act(market, id, 'request', { kind: 'extension', note: '需采购设备', deadline: '2099-12-31' }, 0);
    await office.get(`/problems/${id}`);
    await office.post(`/problems/${id}/decide`, { approve: '0', note: '时限足够' });
    expect(one('SELECT deadline FROM problems WHERE id = ?', id)).toBe(deadline);
    await act(market, id, 'request', { kind: 'extension', note: '设备到货延迟', deadline: '2099-12-31' }, 0);
    await office.get(`/problems/${id}`);
    await office.post(`/problems/${id}/decide`, { approve: '1', note: '' });
    expect(one('SELECT deadline FROM problems WHERE id = ?', id)).toBe('2099-12-31');
    r = { status: 0, page: (await office.get(`/problems/${id}`)).text };
    for (const step of ['申请转办', '转办', '申请延期', '不同意延期', '同意延期'])
      expect(r.page).toContain(step);
  });
});

describe('boards and lists', () => {
  it('shows the office every problem with counts and 整改率 per unit, and filters', async () => {
    const page = await office.get(`/problems?round=${published}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('各责任单位整改率');
    expect(page.text).toContain('区城管局');
    const closed = await office.get(`/problems?round=${published}&status=closed`);
    expect(closed.text).toContain('已销号');
    expect((await office.get('/problems?status=nonsense')).status).toBe(400);
    expect((await office.get('/problems?round=abc')).status).toBe(400);
  });

  it('shows a unit only its own problems and its 整改通知单', async () => {
    const unit = await as('shichang');
    const page = await unit.get('/problems');
    const ids = [...page.text.matchAll(/href="\/problems\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(0);
    const mine = unitIdOf(db(), 'D-SCJG');
    for (const id of ids) expect(one('SELECT unit_id FROM problems WHERE id = ?', id)).toBe(mine);
    const notice = await unit.get('/problems-notice');
    expect(notice.status).toBe(200);
    expect(notice.text).toContain('整改通知单');
    expect(notice.text).toContain('区市场监管局');
  });

  it('serves a problem’s before photo to its unit, and not to another unit', async () => {
    const id = problemOf('D-SCJG');
    const photo = one(
      `SELECT ph.id FROM photos ph JOIN problems p ON p.inspection_id = ph.inspection_id AND p.standard_code = ph.standard_code WHERE p.id = ?`,
      id,
    ) as number | undefined;
    if (!photo) return;
    expect((await (await as('shichang')).get(`/photos/${photo}/thumb`)).status).toBe(200);
    expect((await (await as('xingfu')).get(`/photos/${photo}/thumb`)).status).toBe(403);
  });
});

describe('the 整改清单 workbook', () => {
  it('has one row per problem with the Chinese columns, embedded before/after thumbnails and links, frozen, filtered, A4 landscape', async () => {
    const res = await fetch(`${app.url}/rounds/${published}/problems.xlsx`, {
      headers: { cookie: `cc.sid=${office.cookies.get('cc.sid')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const buf = Buffer.from(await res.arrayBuffer());
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as never);
    const ws = wb.getWorksheet('整改清单')!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual([
      '序号',
      '镇街',
      '社区',
      '点位',
      '点位类型',
      '测评项目',
      '测评标准',
      '问题描述',
      '扣分',
      '问题照片',
      '责任单位',
      '整改时限',
      '状态',
      '整改情况',
      '整改后照片',
      '整改时间',
      '复查结果',
      '是否反复出现',
      '来源',
      '材料所属',
    ]);
    const problems = one('SELECT count(*) FROM problems WHERE round_id = ?', published) as number;
    expect(ws.actualRowCount - 1).toBe(problems);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.pageSetup.orientation).toBe('landscape');
    expect(ws.pageSetup.paperSize).toBe(9);
    const images = ws.getImages();
    const before = one(
      `SELECT count(*) FROM problems p WHERE p.round_id = ? AND EXISTS (SELECT 1 FROM photos ph WHERE ph.inspection_id = p.inspection_id AND ph.standard_code = p.standard_code AND ph.kind = 'evidence')`,
      published,
    ) as number;
    const after = one(
      `SELECT count(*) FROM problems p WHERE p.round_id = ? AND EXISTS (SELECT 1 FROM photos ph WHERE ph.problem_id = p.id AND ph.kind = 'fix')`,
      published,
    ) as number;
    expect(after).toBeGreaterThan(0);
    expect(images.length).toBe(before + after);
    expect(images.every((im) => im.range.tl.nativeCol === 9 || im.range.tl.nativeCol === 14)).toBe(true);
    const withPhoto = images.find((im) => im.range.tl.nativeCol === 9)!;
    const row = ws.getRow(withPhoto.range.tl.nativeRow + 1);
    expect(row.height).toBeGreaterThan(40);
    const link = row.getCell(10).value as { formula: string };
    // the link points where the workbook was downloaded from (no BASE_URL in tests)
    expect(link.formula).toMatch(new RegExp(`^HYPERLINK\\("${app.url}/photos/\\d+/display","查看原图"\\)$`));
    expect(row.getCell(12).value).toBeInstanceOf(Date); // 整改时限: a real date
    expect(row.getCell(12).numFmt).toBe('yyyy-mm-dd');
    // a row without pictures is tall enough for its wrapped standard text
    const photoRows = new Set(images.map((im) => im.range.tl.nativeRow + 1));
    let textRows = 0;
    ws.eachRow((r, n) => {
      if (n === 1 || photoRows.has(n)) return;
      const text = String(r.getCell(7).value);
      if ([...text].length > 30) {
        textRows++;
        expect(r.height, `row ${n}: ${text}`).toBeGreaterThanOrEqual(28);
      }
    });
    expect(textRows).toBeGreaterThan(0);
  });

  it('gives a unit only its own problems, and refuses inspectors and bad filters', async () => {
    const unit = await as('shichang');
    const res = await fetch(`${app.url}/rounds/${published}/problems.xlsx`, {
      headers: { cookie: `cc.sid=${unit.cookies.get('cc.sid')}` },
    });
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const units = new Set(wb.getWorksheet('整改清单')!.getColumn(11).values.slice(2).map(String));
    expect([...units]).toEqual(['区市场监管局']);
    const insp = await as('inspector1');
    expect((await insp.get(`/rounds/${published}/problems.xlsx`)).status).toBe(403);
    expect((await office.get(`/rounds/${published}/problems.xlsx?status=bogus`)).status).toBe(400);
  });
});

describe('corrections and deadlines', () => {
  it('voids the problem of an answer corrected to 符合 and raises one for an answer corrected to 不符合, deleting none', async () => {
    const open = roundWithStatus(db(), 'open');
    const sheet = db()
      .prepare(
        `SELECT i.id, i.site_id FROM inspections i WHERE i.round_id = ? AND i.status = 'submitted' LIMIT 1`,
      )
      .get(open) as { id: number; site_id: number };
    await office.get(`/rounds/${open}/sites/${sheet.site_id}`);
    await office.post(`/rounds/${open}/sites/${sheet.site_id}/approve`);
    const before = one('SELECT count(*) FROM problems WHERE inspection_id = ?', sheet.id) as number;
    const failing = one(
      "SELECT standard_code FROM answers WHERE inspection_id = ? AND result = 'fail' LIMIT 1",
      sheet.id,
    ) as string;
    const passing = one(
      "SELECT standard_code FROM answers WHERE inspection_id = ? AND result = 'ok' LIMIT 1",
      sheet.id,
    ) as string;
    await office.post(`/rounds/${open}/sites/${sheet.site_id}/correct`, {
      standard: failing,
      result: 'ok',
      cases: '0',
      reason: '复核无此问题',
    });
    await office.post(`/rounds/${open}/sites/${sheet.site_id}/correct`, {
      standard: passing,
      result: 'fail',
      cases: '1',
      note: '复核发现',
      reason: '复核照片显示存在问题',
    });
    expect(
      one(
        'SELECT status FROM problems WHERE inspection_id = ? AND standard_code = ? ORDER BY id DESC LIMIT 1',
        sheet.id,
        failing,
      ),
    ).toBe('void');
    expect(
      one('SELECT status FROM problems WHERE inspection_id = ? AND standard_code = ?', sheet.id, passing),
    ).toBe('open');
    expect(one('SELECT count(*) FROM problems WHERE inspection_id = ?', sheet.id)).toBe(before + 1);
  });

  it('marks an open problem past its deadline as overdue on the board', async () => {
    const id = problemOf('D-SCJG', 1);
    db().prepare("UPDATE problems SET deadline = '2020-01-01' WHERE id = ?").run(id);
    const board = await office.get(`/problems?round=${published}&overdue=1`);
    expect(board.text).toContain(`href="/problems/${id}"`);
    expect(board.text).toContain('逾期');
    const all = await office.get(`/problems?round=${published}`);
    expect((all.text.match(/badge red-badge">逾期/g) ?? []).length).toBeGreaterThan(0);
  });
});

describe('the office prints a unit’s 整改通知单', () => {
  it('links each unit on the board to its notice, and refuses a notice with no unit', async () => {
    const board = await office.get(`/problems?round=${published}`);
    const link = /href="(\/problems-notice\?unit=\d+&amp;round=\d+)"/
      .exec(board.text)?.[1]
      ?.replace('&amp;', '&');
    expect(link).toBeTruthy();
    const notice = await office.get(link!);
    expect(notice.status).toBe(200);
    expect(notice.text).toContain('整改通知单');
    expect((await office.get('/problems-notice')).status).toBe(400);
  });
});

describe('the services ask the rules themselves, whoever calls them', () => {
  it('refuses reinspect called directly by an inspector not assigned to the site, changing nothing', async () => {
    const p = db()
      .prepare(
        `SELECT p.id, a.inspector_id FROM problems p
         JOIN assignments a ON a.round_id = p.round_id AND a.site_id = p.site_id
         WHERE p.status = 'fixed' ORDER BY p.id LIMIT 1`,
      )
      .get() as { id: number; inspector_id: number };
    const stranger = findUserById(
      db(),
      one(
        "SELECT id FROM users WHERE role = 'inspector' AND id <> ? ORDER BY id LIMIT 1",
        p.inspector_id,
      ) as number,
    )!;
    const ctx = { db: db(), uploadDir: join(app.dir, 'uploads') };
    const photos = [{ buffer: PHOTO, originalName: 'check.jpg' }];
    const before = { db: dbFingerprint(db()), files: listFiles(ctx.uploadDir) };
    const refused = reinspect(ctx, stranger, p.id, 'pass', '', photos);
    await expect(refused).rejects.toBeInstanceOf(Forbidden);
    await expect(refused).rejects.toMatchObject({ status: 403, message: '您无权复查该问题' });
    expect({ db: dbFingerprint(db()), files: listFiles(ctx.uploadDir) }).toEqual(before);
    expect(status(p.id)).toBe('fixed');
    // a problem that does not exist is 404, for anyone
    const office = findUserByUsername(db(), 'office')!;
    await expect(reinspect(ctx, office, 99999999, 'pass', '', photos)).rejects.toBeInstanceOf(NotFound);
  });

  it('answers a workbook of a round that does not exist with 404', async () => {
    const res = await office.get('/rounds/99999999/problems.xlsx');
    expect(res.status).toBe(404);
    expect(res.text).toContain('找不到该测评轮次');
  });
});

describe("an inspector's 复查 list", () => {
  it('holds the problems of the sites they inspected in that round, each of which they can open', async () => {
    const open = roundWithStatus(db(), 'open');
    // a fixed problem of the published round whose site another inspector has in the open round
    const p = db()
      .prepare(
        `SELECT p.id, p.site_id, a.inspector_id FROM problems p
         JOIN assignments a ON a.round_id = p.round_id AND a.site_id = p.site_id
         WHERE p.round_id = ? AND p.status = 'fixed' AND p.site_id IN (SELECT site_id FROM round_sites WHERE round_id = ?)
         LIMIT 1`,
      )
      .get(published, open) as { id: number; site_id: number; inspector_id: number };
    const other = db()
      .prepare("SELECT id, username FROM users WHERE role = 'inspector' AND id <> ? ORDER BY id LIMIT 1")
      .get(p.inspector_id) as { id: number; username: string };
    db()
      .prepare(
        `INSERT INTO assignments (round_id, site_id, inspector_id, assigned_at) VALUES (?, ?, ?, '2026-11-28')
         ON CONFLICT(round_id, site_id) DO UPDATE SET inspector_id = excluded.inspector_id`,
      )
      .run(open, p.site_id, other.id);
    const c = await as(other.username);
    const page = await c.get('/problems');
    const ids = [...new Set([...page.text.matchAll(/href="\/problems\/(\d+)"/g)].map((m) => Number(m[1])))];
    expect(ids).not.toContain(p.id);
    for (const id of ids) expect((await c.get(`/problems/${id}`)).status, `problem ${id}`).toBe(200);
    // the inspector of that round has it, and can open it
    const assignee = one('SELECT username FROM users WHERE id = ?', p.inspector_id) as string;
    const theirs = await (await as(assignee)).get('/problems');
    expect(theirs.text).toContain(`href="/problems/${p.id}"`);
  });
});
