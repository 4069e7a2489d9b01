// As the creation office passing on 12345 hotline orders: aliases for the platform's spelling of units,
// a workbook imported all or nothing into the rectification loop with deadlines counted from 受理时间 by
// each order's own 时限, the same file again adding nothing, and the outcome exported by 工单号 after a
// unit fixed one order and the office closed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { deflateBomb } from '../helpers/hostile-xlsx.ts';
import { ROOT } from '../helpers/run.ts';
import { unitIdOf } from '../helpers/ids.ts';
import { setClock } from '../../src/util/clock.ts';
import { setSourceDeadlineRule } from '../../src/services/deadlines.ts';
import { SYSTEM } from '../../src/services/access.ts';

const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
const HEAD = ['工单号', '诉求内容', '地址', '受理时间', '承办单位', '时限', '时限单位'];
let app: TestApp;
let office: Client;
beforeAll(async () => {
  // noon on 国庆: the orders were received the day before
  setClock('2026-10-01T12:00:00+08:00');
  app = await startApp();
  setSourceDeadlineRule(app.booted.db, SYSTEM, 'hotline', { unit: 'workdays', amount: 5 });
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  setClock(null);
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const state = () => snapshot(db(), join(app.dir, 'uploads'));
const problemOf = (orderNo: string) =>
  db()
    .prepare(
      `SELECT p.id, p.source, p.description, p.address, p.status, p.deadline, p.deadline_time, p.deadline_rule,
         p.deadline_amount, u.code AS unit FROM problems p JOIN units u ON u.id = p.unit_id
       WHERE p.source = 'hotline' AND p.external_ref = ?`,
    )
    .get(orderNo) as Record<string, unknown> | undefined;

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('工单');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function upload(c: Client, buf: Buffer, batch = '', name = '10月1日工单.xlsx') {
  await c.get('/hotline');
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(buf)]), name);
  form.set('batch', batch);
  const r = await c.postMultipart('/hotline/import', form, { csrf: 'field' });
  return r.status === 303 ? { status: 303, text: (await c.get(r.location!)).text } : r;
}

async function xlsx(c: Client, path: string): Promise<unknown[][]> {
  const { status, body } = await c.bytes(path);
  expect(status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as never);
  const rows: unknown[][] = [];
  wb.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

async function addAlias(unitCode: string, alias: string) {
  await office.get('/hotline/aliases');
  return office.post('/hotline/aliases', { unitId: String(unitIdOf(db(), unitCode)), alias });
}

// an Excel date-time cell holds the wall-clock time in its UTC fields
const cell = (wallClock: string) => new Date(`${wallClock}Z`);
const ORDERS = [
  HEAD,
  ['GD-001', '小区门口垃圾堆放多日无人清理', '幸福路12号', '2026-09-30 10:00', '区城管执法局', 3, '工作日'],
  ['GD-002', '夜间施工噪音扰民', '', cell('2026-09-30T10:00:00'), '区市场监管局', 24, '小时'],
  ['GD-003', '公交站台广告牌破损', '', '2026/9/30 10:00', 'jtj 交通科', 7, '自然日'],
  ['GD-004', '人行道井盖缺失', '', '2026年9月30日 10:00', '区城管局', '', ''],
  // a date-time cell that lost its format: Excel's day number, 10:00 as its fraction; 天 as typed after a number
  ['GD-005', '路灯不亮', '', 46295 + 10 / 24, '区住建局', 2, '天'],
];

describe('units’ aliases', () => {
  it('adds aliases the import matches by, and refuses one that is a unit’s name or another unit’s alias', async () => {
    // the demo added two of its own
    const added = one("SELECT count(*) FROM audit_log WHERE action = 'unit_alias.add'") as number;
    expect((await addAlias('D-CGJ', '区城管执法局')).status).toBe(303);
    expect((await addAlias('D-JTJ', 'JTJ 交通科')).status).toBe(303);
    const page = await office.get('/hotline/aliases');
    expect(page.text).toContain('区城管执法局');
    expect(page.text).toContain('JTJ 交通科');
    expect(one("SELECT count(*) FROM audit_log WHERE action = 'unit_alias.add'")).toBe(added + 2);

    const before = state();
    const name = await addAlias('D-CGJ', '区市场监管局');
    expect(name.status).toBe(409);
    expect(name.text).toContain('“区市场监管局”已是单位「区市场监管局」的名称，无需添加别名');
    const taken = await addAlias('D-SCJG', '区城管执法局');
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('别名“区城管执法局”已属于单位「区城管局」');
    // case aside, it is the same alias
    expect((await addAlias('D-SCJG', 'jtj 交通科')).text).toContain('已属于单位「区交通运输局」');
    const empty = await addAlias('D-SCJG', '  ');
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('请填写别名');
    expect(state()).toEqual(before);
  });

  it('removes an alias, audited', async () => {
    expect((await addAlias('D-WJJ', '卫生健康局')).status).toBe(303);
    await office.get('/hotline/aliases');
    expect((await office.post('/hotline/aliases/remove', { alias: '卫生健康局' })).status).toBe(303);
    expect(one("SELECT count(*) FROM unit_aliases WHERE alias = '卫生健康局'")).toBe(0);
    expect(one("SELECT count(*) FROM audit_log WHERE action = 'unit_alias.remove'")).toBe(1);
    expect((await office.post('/hotline/aliases/remove', { alias: '卫生健康局' })).status).toBe(404);
  });
});

describe('importing 12345 orders', () => {
  it('offers a template with the columns', async () => {
    const rows = await xlsx(office, '/hotline/template.xlsx');
    expect(rows[0]).toEqual(HEAD);
  });

  it('refuses every bad row at once, by row and column, and stores nothing', async () => {
    // a retired unit matches neither by its name nor by its alias
    expect((await addAlias('D-JYJ', '区教育局（热线）')).status).toBe(303);
    await office.get('/units');
    expect((await office.post(`/retire/unit/${unitIdOf(db(), 'D-JYJ')}`, { retired: '1' })).status).toBe(303);
    const before = state();
    const r = await upload(
      office,
      await workbook([
        HEAD,
        ['GD-101', '占道经营', '', '2026-09-30 09:00', '区城管局', 2, '工作日'],
        ['GD-101', '占道经营（重复）', '', '2026-09-30 09:05', '区城管局', 2, '工作日'],
        ['GD-102', '路灯不亮', '', '2026-09-31 09:00', '区城管局', 2, '工作日'],
        ['GD-103', '违规停车', '', '2026-09-30 09:00', '区城管执法大队', 2, '工作日'],
        ['GD-104', '噪音', '', '2026-09-30 09:00', '区城管局', 800, '小时'],
        ['GD-105', '积水', '', '2026-10-02 09:00', '区城管局', 0, '月'],
        ['GD-106', '校门口摊贩', '', '2026-09-30 09:00', '区教育局（热线）', 2, '工作日'],
        ['GD-107', '校门口摊贩', '', '2026-09-30 09:00', '区教育局', 2, '工作日'],
      ]),
    );
    expect(r.status).toBe(400);
    for (const message of [
      '第3行「工单号」与第2行重复（“GD-101”）',
      '第4行「受理时间」应为日期和时间，格式如 2026-09-30 10:00（现为“2026-09-31 09:00”）',
      '第5行「承办单位」“区城管执法大队”未匹配到单位，请在「单位别名」中添加',
      '第6行「时限」应在 1～720 之间（现为 800）',
      '第7行「时限」应在 1～720 之间（现为 0）',
      '第7行「时限单位」只能填写：自然日、工作日、小时（现为“月”）',
      '第8行「承办单位」“区教育局（热线）”对应的单位「区教育局」已停用',
      '第9行「承办单位」“区教育局”对应的单位「区教育局」已停用',
    ])
      expect(r.text).toContain(message);
    expect(r.text).toContain('没有导入任何工单');
    expect(state()).toEqual(before);

    const late = await upload(
      office,
      await workbook([HEAD, ['GD-106', '积水', '', '2026-10-02 09:00', '区城管局', 300, '工作日']]),
    );
    expect(late.status).toBe(400);
    expect(late.text).toContain('第2行「受理时间」晚于现在，请核对');
    expect(late.text).toContain('第2行「时限」按工作日不能超过 250（现为 300）');
    expect(state()).toEqual(before);
  });

  it('refuses a hostile workbook, no file and a batch name too long, storing nothing', async () => {
    const before = state();
    const r = await upload(office, await deflateBomb(200, 4));
    expect(r.status).toBe(400);
    expect(r.text).toContain('文件不是有效的 Excel（.xlsx）文件');
    const none = await upload(office, Buffer.alloc(0));
    expect(none.status).toBe(400);
    expect(none.text).toContain('请选择要导入的 Excel 文件（.xlsx）');
    const long = await upload(office, await workbook(ORDERS), '批'.repeat(61));
    expect(long.status).toBe(400);
    expect(long.text).toContain('批次名称不能超过60个字');
    // what was typed is kept
    expect(long.text).toContain(`value="${'批'.repeat(61)}"`);
    expect(state()).toEqual(before);
  });

  it('turns each order into a problem of the unit it names, its deadline counted from 受理时间', async () => {
    const r = await upload(office, await workbook(ORDERS), '国庆第1批');
    expect(r.status).toBe(303);
    expect(r.text).toContain('已导入 12345 工单 5 条（批次「国庆第1批」）');
    // 09-30 + 3 工作日: 国庆 1–7 off, 10-08, 10-09 and the make-up Saturday 10-10
    expect(problemOf('GD-001')).toMatchObject({
      unit: 'D-CGJ',
      description: '小区门口垃圾堆放多日无人清理',
      address: '幸福路12号',
      status: 'open',
      deadline: '2026-10-10',
      deadline_time: null,
      deadline_rule: 'workdays',
      deadline_amount: 3,
    });
    expect(problemOf('GD-002')).toMatchObject({
      unit: 'D-SCJG',
      deadline: '2026-10-01',
      deadline_time: '10:00',
      deadline_rule: 'hours',
    });
    expect(problemOf('GD-003')).toMatchObject({
      unit: 'D-JTJ',
      deadline: '2026-10-07',
      deadline_rule: 'calendar',
    });
    // no 时限: the office's rule for 12345, 5 工作日 → 10-08, 10-09, 10-10, 10-12, 10-13
    expect(problemOf('GD-004')).toMatchObject({ unit: 'D-CGJ', deadline: '2026-10-13', deadline_amount: 5 });
    expect(problemOf('GD-005')).toMatchObject({
      unit: 'D-ZJJ',
      deadline: '2026-10-02',
      deadline_rule: 'calendar',
    });
    expect(one("SELECT received_at FROM hotline_orders WHERE order_no = 'GD-005'")).toBe(
      '2026-09-30T02:00:00.000Z',
    );
    expect(one("SELECT count(*) FROM hotline_orders WHERE batch = '国庆第1批'")).toBe(5);
    expect(one("SELECT count(*) FROM audit_log WHERE action = 'problem.raise'")).toBeGreaterThanOrEqual(5);

    const page = await office.get('/hotline');
    expect(page.text).toContain('GD-001');
    expect(page.text).toContain('区城管执法局');
    expect(page.text).toContain('→ 区城管局');
    expect(page.text).toContain('3 个工作日');
    expect(page.text).toContain('2026-10-01 10:00');
    expect(page.text).toContain('逾期');
  });

  it('imports the same file again without changing a problem or an order', async () => {
    const tables = () => {
      const s = state();
      return ['problems', 'problem_events', 'hotline_orders', 'unit_aliases'].map((t) => s.hashes[t]);
    };
    const before = tables();
    const r = await upload(office, await workbook(ORDERS), '国庆第1批（重传）');
    expect(r.status).toBe(303);
    expect(r.text).toContain('已导入 12345 工单 0 条');
    expect(r.text).toContain('已导入过 5 条');
    expect(tables()).toEqual(before);
  });

  it('is the office’s only', async () => {
    const unit = new Client(app.url);
    await unit.login('chengguan');
    const before = state();
    expect((await unit.get('/hotline')).status).toBe(403);
    expect((await upload(unit, await workbook(ORDERS.slice(0, 2)))).status).toBe(403);
    expect((await unit.bytes('/hotline/outcomes.xlsx')).status).toBe(403);
    expect((await unit.get('/hotline/aliases')).status).toBe(403);
    expect((await unit.post('/hotline/aliases', { unitId: '1', alias: 'x' })).status).toBe(403);
    expect(state()).toEqual(before);
  });
});

describe('the outcome export', () => {
  it('gives each order’s state, 办结时间 and reply after a unit fixes one and the office closes it', async () => {
    // the clock has run on since beforeAll: back to noon, so 办结 is at a minute this test knows
    setClock('2026-10-01T12:00:00+08:00');
    const id = problemOf('GD-001')!.id as number;
    const unit = new Client(app.url);
    await unit.login('chengguan');
    const act = async (c: Client, action: string, fields: Record<string, string>) => {
      await c.get(`/problems/${id}`);
      const f = new FormData();
      for (const [k, v] of Object.entries(fields)) f.set(k, v);
      f.append('photos', new Blob([new Uint8Array(PHOTO)]), 'after.jpg');
      return c.postMultipart(`/problems/${id}/${action}`, f, { csrf: 'field' });
    };
    expect((await act(unit, 'fix', { note: '垃圾已清运' })).status).toBe(303);
    expect((await act(office, 'reinspect', { outcome: 'pass', note: '现场已清理干净' })).status).toBe(303);

    const rows = await xlsx(office, `/hotline/outcomes.xlsx?batch=${encodeURIComponent('国庆第1批')}`);
    expect(rows[0]).toEqual([
      '工单号',
      '受理时间',
      '承办单位',
      '现责任单位',
      '办理状态',
      '整改期限',
      '办结时间',
      '回复内容',
      '导入批次',
    ]);
    const byOrder = new Map(rows.slice(1).map((r) => [r[0], r]));
    expect(byOrder.size).toBe(5);
    const closed = byOrder.get('GD-001')!;
    expect(closed.slice(2, 6)).toEqual(['区城管执法局', '区城管局', '已办结', '2026-10-10']);
    // 办结 at the clock's noon, Asia/Shanghai (an Excel date-time holds the wall clock)
    expect((closed[6] as Date).toISOString().slice(0, 16)).toBe('2026-10-01T12:00');
    expect(closed[7]).toBe('整改情况：垃圾已清运；复查意见：现场已清理干净');
    expect(byOrder.get('GD-002')!.slice(4, 6)).toEqual(['逾期', '2026-10-01 10:00']);
    expect(byOrder.get('GD-003')![4]).toBe('办理中');
    expect((byOrder.get('GD-003')![1] as Date).toISOString().slice(0, 16)).toBe('2026-09-30T10:00');

    expect((await xlsx(office, '/hotline/outcomes.xlsx?from=2026-09-30&to=2026-09-30')).length).toBe(6);
    // (the demo's own batch was received in the weeks before today)
    expect(await xlsx(office, '/hotline/outcomes.xlsx?from=2026-10-01&to=2026-10-31')).toHaveLength(1);
  });

  it('refuses a filter that names nothing', async () => {
    for (const [query, message] of [
      ['from=2026-13-01', '受理日期（起）应为日期，如 2026-10-01'],
      ['from=2026-10-02&to=2026-10-01', '受理日期的起始日不能晚于截止日'],
      ['batch=nope', '没有这个导入批次'],
    ]) {
      const r = await office.get(`/hotline/outcomes.xlsx?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.text, query).toContain(message);
    }
  });
});
