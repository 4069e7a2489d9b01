// Bad input everywhere a user can type, pick or upload something: forms, the tablet's autosave, photos,
// spreadsheets, criteria files and URLs. Each malformed request, sent by the right logged-in user with a
// valid CSRF token (so it is the input that is refused), answers 4xx with a Chinese message and leaves
// the database and the photo folder exactly as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import yazl from 'yazl';
import { Client, startApp, type Reply, type TestApp, scalar } from '../helpers/app.ts';
import { pngBomb } from '../helpers/images.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { ROOT } from '../helpers/run.ts';
import { firstIdIn, roundWithStatus, unitIdOf, userIdOf, versionIdOf } from '../helpers/ids.ts';
import { isStateChanging, listRoutes } from '../helpers/routes.ts';

const photo = (name: string) => readFileSync(join(ROOT, 'tests', 'fixtures', 'photos', name));
const LONG = '长'.repeat(10_000);

let app: TestApp;
let tmp: string;
const users: Record<string, Client> = {};
/** "METHOD /path" of every request the cases sent (query strings dropped), to compare with the routes */
const sent = new Set<string>();

/** Notes each request a logged-in client sends from now on (the client's own sender, kept private). */
function record(c: Client) {
  const raw = c as unknown as { send(path: string, init: RequestInit): Promise<Reply> };
  const send = raw.send.bind(c);
  raw.send = (path, init) => {
    sent.add(`${(init.method ?? 'GET').toUpperCase()} ${path.split('?')[0]}`);
    return send(path, init);
  };
}
/** ids taken from the demo district once it is up */
const ids = {
  open: 0,
  published: 0,
  version: 0,
  freshSite: 0,
  standard: '',
  deductionStandard: '',
  foreignStandard: '',
  submittedStandard: '',
  submittedSite: 0,
  cgjProblem: 0,
  fixedProblem: 0,
  transferProblem: 0,
  inspectorUser: 0,
  /** xingfu's open 材料任务 with a current file, and that file */
  unitTask: 0,
  unitFile: 0,
  /** a task of the demo's 综合测评 round waiting for the office's review */
  reviewRound: 0,
  reviewTask: 0,
  /** a task of that round not yet submitted (延期 is for those) */
  pendingTask: 0,
  /** #20: the demo's 媒体 problem (open, from outside rounds), a 随手拍 report still waiting, a site */
  outsideProblem: 0,
  reportNew: 0,
  site: 0,
};
let bombPath = '';
let bigRowsPath = '';

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args);

beforeAll(async () => {
  app = await startApp();
  tmp = mkdtempSync(join(tmpdir(), 'cc-bad-input-'));
  for (const name of ['office', 'inspector1', 'chengguan', 'xingfu']) {
    users[name] = new Client(app.url);
    const r = await users[name].login(name);
    expect(r.status).toBe(303);
  }
  for (const c of Object.values(users)) record(c); // the logins themselves are not cases
  ids.open = roundWithStatus(app.booted.db, 'open');
  ids.published = roundWithStatus(app.booted.db, 'published');
  ids.version = versionIdOf(app.booted.db, 'district-2026');
  ids.freshSite = one(
    `SELECT a.site_id FROM assignments a JOIN users u ON u.id = a.inspector_id JOIN sites s ON s.id = a.site_id
     WHERE a.round_id = ? AND u.username = 'inspector1' AND s.site_type = 'residential'
       AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.round_id = a.round_id AND i.site_id = a.site_id)
     ORDER BY a.site_id LIMIT 1`,
    ids.open,
  ) as number;
  const { criteria } = app.booted.criteria.getByCode('district-2026');
  const applicable = criteria.forSiteType('residential');
  ids.standard = applicable[0]!.code;
  ids.deductionStandard = applicable.find((s) => s.scoring.mode === 'deduction')!.code;
  ids.foreignStandard = criteria.standards.find(
    (s) => s.method === 'field' && !applicable.some((a) => a.code === s.code),
  )!.code;
  ids.submittedSite = one(
    "SELECT site_id FROM inspections WHERE round_id = ? AND status = 'submitted' ORDER BY site_id LIMIT 1",
    ids.open,
  ) as number;
  const submittedType = one('SELECT site_type FROM sites WHERE id = ?', ids.submittedSite) as string;
  ids.submittedStandard = criteria.forSiteType(submittedType)[0]!.code;
  ids.cgjProblem = one(
    `SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id
     WHERE u.code = 'D-CGJ' AND p.status = 'open' AND p.request IS NULL ORDER BY p.id LIMIT 1`,
  ) as number;
  ids.fixedProblem = one("SELECT id FROM problems WHERE status = 'fixed' ORDER BY id LIMIT 1") as number;
  ids.transferProblem = one(
    "SELECT id FROM problems WHERE status = 'open' AND request = 'transfer' ORDER BY id LIMIT 1",
  ) as number;
  ids.inspectorUser = userIdOf(app.booted.db, 'inspector2');
  ids.outsideProblem = one(
    "SELECT id FROM problems WHERE source = 'media' AND status = 'open' ORDER BY id LIMIT 1",
  ) as number;
  ids.reportNew = one("SELECT id FROM citizen_reports WHERE status = 'new' ORDER BY id LIMIT 1") as number;
  ids.site = ids.freshSite;
  ids.unitTask = one(
    `SELECT t.id FROM document_tasks t JOIN document_task_units tu ON tu.task_id = t.id
       JOIN users u ON u.unit_id = tu.unit_id
     WHERE u.username = 'xingfu' AND t.status IN ('pending', 'returned')
       AND EXISTS (SELECT 1 FROM document_files f WHERE f.task_id = t.id AND f.removed_at IS NULL)
     ORDER BY t.id LIMIT 1`,
  ) as number;
  ids.unitFile = one(
    'SELECT id FROM document_files WHERE task_id = ? AND removed_at IS NULL ORDER BY id LIMIT 1',
    ids.unitTask,
  ) as number;
  ids.reviewTask = one(
    // 东湖街道's 年度工作总结 (合格/不合格), waiting for the office
    "SELECT id FROM document_tasks WHERE status = 'submitted' AND standard_code = 'B01-D2' ORDER BY id LIMIT 1",
  ) as number;
  ids.reviewRound = one('SELECT round_id FROM document_tasks WHERE id = ?', ids.reviewTask) as number;
  ids.pendingTask = one(
    "SELECT id FROM document_tasks WHERE round_id = ? AND status = 'pending' ORDER BY id LIMIT 1",
    ids.reviewRound,
  ) as number;
  expect(Object.values(ids).every((v) => v !== 0 && v !== '')).toBe(true);

  bombPath = join(tmp, 'bomb.png');
  writeFileSync(bombPath, pngBomb(20_000));
  // a real PNG of that size (so its refusal is for the pixels, not for a broken file)
  const bomb = await sharp(bombPath, { limitInputPixels: false }).metadata();
  expect([bomb.format, bomb.width, bomb.height]).toEqual(['png', 20_000, 20_000]);
  bigRowsPath = join(tmp, 'units-50000.xlsx');
  await writeBigUnits(bigRowsPath, 50_000);
}, 60_000);

afterAll(async () => {
  await app?.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

// ---------- building bad input ----------

async function writeBigUnits(path: string, rows: number) {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false });
  const ws = wb.addWorksheet('责任单位');
  ws.addRow(['单位编码', '单位名称', '类别', '部门名称', '上级单位编码', '对应镇街/社区']).commit();
  for (let i = 0; i < rows; i++) ws.addRow([`U${i}`, `单位${i}`, '其他', '', '', '']).commit();
  ws.commit();
  await wb.commit();
}

async function workbook(sheets: Record<string, unknown[][]>, edit?: (wb: ExcelJS.Workbook) => void) {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const r of rows) ws.addRow(r);
  }
  edit?.(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A real zip archive that holds no workbook. */
function plainZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('这不是 Excel'), 'readme.txt');
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** The shipped 2026 version exported, edited, under a new code (so only the edit can be at fault). */
let exported: Buffer | null = null;
async function criteriaWorkbook(edit: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  if (!exported) {
    const res = await fetch(`${app.url}/criteria/${ids.version}/export.xlsx`, {
      headers: { cookie: `cc.sid=${users.office!.cookies.get('cc.sid')}` },
    });
    expect(res.status).toBe(200);
    exported = Buffer.from(await res.arrayBuffer());
  }
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(exported as never);
  wb.getWorksheet('版本信息')!.eachRow((row) => {
    if (row.getCell(1).value === '版本编码') row.getCell(2).value = 'district-2099';
  });
  edit(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Sets `value` in the column headed `header` of data row `n` (1 = first row under the header). */
function setCell(ws: ExcelJS.Worksheet, header: string, n: number, value: ExcelJS.CellValue) {
  const col = (ws.getRow(1).values as unknown[]).indexOf(header);
  expect(col).toBeGreaterThan(0);
  ws.getRow(n + 1).getCell(col).value = value;
}

function file(form: FormData, field: string, bytes: Buffer, name: string) {
  form.append(field, new Blob([new Uint8Array(bytes)]), name);
  return form;
}

function fields(values: Record<string, string>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(values)) form.append(k, v);
  return form;
}

const photoForm = (bytes: Buffer, name = 'photo.jpg') =>
  file(fields({ clientId: randomUUID(), standard: ids.standard }), 'photo', bytes, name);

const batch = (changes: unknown, extra: Record<string, unknown> = {}) => ({
  batchId: randomUUID(),
  baseRevision: 0,
  changes,
  ...extra,
});

/** A request the Client cannot shape (a body that is not JSON, a raw path): cookies and token by hand. */
async function raw(c: Client, path: string, init: RequestInit = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  headers.set('cookie', [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
  if (c.csrf) headers.set('x-csrf-token', c.csrf);
  const res = await fetch(app.url + path, { ...init, headers, redirect: 'manual' });
  return {
    status: res.status,
    headers: res.headers,
    text: await res.text(),
    location: res.headers.get('location'),
  };
}

/** A GET whose path goes out byte for byte (fetch would resolve `..` before sending). */
function rawPath(c: Client, path: string): Promise<Reply> {
  const { hostname, port } = new URL(app.url);
  const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: new Headers(),
          text: Buffer.concat(chunks).toString('utf8'),
          location: res.headers.location ?? null,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------- the table ----------

type Role = 'office' | 'inspector1' | 'chengguan' | 'xingfu';
interface Case {
  name: string;
  as: Role;
  send: (c: Client) => Promise<Reply>;
  status: number;
  message: string | RegExp;
}

const sheetApi = () => `/api/rounds/${ids.open}/sites/${ids.freshSite}`;
const importTo = (path: string, bytes: () => Promise<Buffer> | Buffer, name = 'data.xlsx') => {
  return async (c: Client) =>
    c.postMultipart(path, file(new FormData(), 'file', await bytes(), name), { csrf: 'field' });
};

const FORMS: Case[] = [
  // new round
  ...(
    [
      ['an empty round name', { name: '' }, '轮次名称不能为空'],
      ['a 10,000-character round name', { name: LONG }, '轮次名称不能超过100个字符'],
      ['reversed dates', { startsOn: '2026-12-10', endsOn: '2026-12-01' }, '结束日期不能早于开始日期'],
      ['a date that is not a date', { startsOn: '下周一' }, '开始日期格式应为 YYYY-MM-DD'],
      ['an impossible date', { endsOn: '2026-02-30' }, '结束日期格式应为 YYYY-MM-DD'],
      ['an unknown criteria version', { criteriaVersionId: '99999999' }, '测评体系版本不存在'],
      ['a criteria version that is not a number', { criteriaVersionId: 'abc' }, '测评体系版本不存在'],
      ['a negative sample size', { mode: 'sample', perType: '-1', seed: '7' }, '每类抽取数至少为1'],
      ['a huge sample size', { mode: 'sample', perType: '1000000000', seed: '7' }, '每类抽取数不能超过1000'],
      ['an unknown site type', { mode: 'types', types: 'spaceport' }, '没有可测评的点位'],
    ] as const
  ).map(([name, change, message]): Case => ({
    name: `new round: ${name}`,
    as: 'office',
    send: (c) =>
      c.post('/rounds', {
        name: '坏轮次',
        startsOn: '2026-12-01',
        endsOn: '2026-12-05',
        criteriaVersionId: String(ids.version),
        mode: 'all',
        ...change,
      }),
    status: 400,
    message,
  })),
  {
    name: 'new round: 3,000 site types',
    as: 'office',
    send: (c) =>
      raw(c, '/rounds', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `name=x&mode=types&${'types=t&'.repeat(3000)}_csrf=${c.csrf}`,
      }),
    status: 413,
    message: '表单字段太多',
  },
  {
    name: 'new round: a 300 kB form',
    as: 'office',
    send: (c) =>
      c.post('/rounds', { name: '名'.repeat(100_000), startsOn: '2026-12-01', endsOn: '2026-12-05' }),
    status: 413,
    message: '提交的内容太大',
  },
  {
    name: 'new round: a form in an unsupported charset',
    as: 'office',
    send: (c) =>
      raw(c, '/rounds', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=koi8-r' },
        body: `name=x&_csrf=${c.csrf}`,
      }),
    status: 415,
    message: '不支持的内容编码',
  },
  // places
  {
    name: 'new 镇街: empty name',
    as: 'office',
    send: (c) => c.post('/places/streets', { name: '  ', unitId: '' }),
    status: 400,
    message: '名称不能为空',
  },
  {
    name: 'new 镇街: 10,000 characters',
    as: 'office',
    send: (c) => c.post('/places/streets', { name: LONG, unitId: '' }),
    status: 400,
    message: '名称不能超过100个字符',
  },
  {
    name: 'new 镇街: unknown unit in the hidden field',
    as: 'office',
    send: (c) => c.post('/places/streets', { name: '新镇街', unitId: '99999999' }),
    status: 400,
    message: '所选单位不存在',
  },
  {
    name: 'edit 镇街: empty name',
    as: 'office',
    send: (c) =>
      c.post(`/places/streets/${String(firstIdIn(app.booted.db, 'streets'))}`, {
        name: '  ',
        unitId: '',
      }),
    status: 400,
    message: '名称不能为空',
  },
  {
    name: '包联 communities: an unknown 社区',
    as: 'office',
    send: (c) => c.post(`/units/${unitIdOf(app.booted.db, 'L-XCB')}/liaisons`, { communities: '99999999' }),
    status: 400,
    message: '所选社区不存在',
  },
  {
    name: 'new 社区: unknown 镇街',
    as: 'office',
    send: (c) => c.post('/places/communities', { streetId: '99999999', name: '新社区', unitId: '' }),
    status: 400,
    message: '所属镇街不存在',
  },
  {
    name: 'new 社区: 镇街 id that is not a number',
    as: 'office',
    send: (c) => c.post('/places/communities', { streetId: 'abc', name: '新社区', unitId: '' }),
    status: 400,
    message: '所属镇街不存在',
  },
  {
    name: 'new 点位: latitude out of range',
    as: 'office',
    send: (c) =>
      c.post('/places/sites', {
        name: '坏纬度',
        siteType: 'residential',
        streetId: String(one('SELECT min(id) FROM streets')),
        lat: '95',
        lng: '120',
      }),
    status: 400,
    message: '纬度应在 -90 到 90 之间',
  },
  {
    name: 'new 点位: unknown site type',
    as: 'office',
    send: (c) =>
      c.post('/places/sites', {
        name: '太空港',
        siteType: 'spaceport',
        streetId: String(one('SELECT min(id) FROM streets')),
      }),
    status: 400,
    message: '点位类型无效',
  },
  {
    name: 'edit 点位: unknown responsible unit',
    as: 'office',
    send: (c) =>
      c.post(`/places/sites/${ids.freshSite}`, {
        name: '改名',
        siteType: 'residential',
        streetId: String(one('SELECT street_id FROM sites WHERE id = ?', ids.freshSite)),
        responsibleUnitId: '99999999',
      }),
    status: 400,
    message: '所选单位不存在',
  },
  // units and users
  {
    name: 'new unit: empty code',
    as: 'office',
    send: (c) => c.post('/units', { code: '', name: '某局', kind: 'other' }),
    status: 400,
    message: '单位编码不能为空',
  },
  {
    name: 'new unit: unknown kind',
    as: 'office',
    send: (c) => c.post('/units', { code: 'X-1', name: '某局', kind: 'planet' }),
    status: 400,
    message: '单位类别无效',
  },
  {
    name: 'edit unit: unknown parent in the hidden field',
    as: 'office',
    send: (c) => {
      const unit = unitIdOf(app.booted.db, 'D-CGJ');
      return c.post(`/units/${unit}`, {
        code: 'D-CGJ',
        name: '城管局',
        kind: 'department',
        department: '城管局',
        parentId: '99999999',
      });
    },
    status: 400,
    message: '所选单位不存在',
  },
  {
    name: 'new user: unknown role',
    as: 'office',
    send: (c) =>
      c.post('/users', { username: 'boss', password: 'long-enough-1', role: 'admin', displayName: '老板' }),
    status: 400,
    message: '角色只能是',
  },
  {
    name: 'new user: 10,000-character user name',
    as: 'office',
    send: (c) =>
      c.post('/users', {
        username: 'a'.repeat(10_000),
        password: 'long-enough-1',
        role: 'inspector',
        displayName: '甲',
      }),
    status: 400,
    message: '用户名不能超过40个字符',
  },
  {
    name: 'new user: unknown unit',
    as: 'office',
    send: (c) =>
      c.post('/users', {
        username: 'unit9',
        password: 'long-enough-1',
        role: 'unit',
        displayName: '乙',
        unitId: '99999999',
      }),
    status: 400,
    message: '找不到单位',
  },
  {
    name: 'edit user: unknown unit in the hidden field',
    as: 'office',
    send: (c) =>
      c.post(`/users/${userIdOf(app.booted.db, 'xingfu')}`, {
        displayName: '幸福社区',
        role: 'unit',
        unitId: '99999999',
        active: '1',
      }),
    status: 400,
    message: '所选单位不存在',
  },
  {
    name: 'edit user: home 镇街 that is not a number',
    as: 'office',
    send: (c) =>
      c.post(`/users/${ids.inspectorUser}`, {
        displayName: '测评员二',
        role: 'inspector',
        homeStreetId: 'x',
        active: '1',
      }),
    status: 400,
    message: '所在镇街不存在',
  },
  {
    name: 'edit 社区: unknown 包联 unit',
    as: 'office',
    send: (c) => {
      const row = app.booted.db
        .prepare('SELECT id, street_id, name FROM communities ORDER BY id LIMIT 1')
        .get() as {
        id: number;
        street_id: number;
        name: string;
      };
      return c.post(`/places/communities/${row.id}`, {
        streetId: String(row.street_id),
        name: row.name,
        unitId: '',
        liaisons: '99999999',
      });
    },
    status: 400,
    message: '所选单位不存在',
  },
  {
    name: 'new password: too short',
    as: 'office',
    send: (c) => c.post(`/users/${ids.inspectorUser}/password`, { password: 'short' }),
    status: 400,
    message: '密码至少8个字符',
  },
  {
    name: 'new password: 10,000 characters',
    as: 'office',
    send: (c) => c.post(`/users/${ids.inspectorUser}/password`, { password: 'p'.repeat(10_000) }),
    status: 400,
    message: '密码不能超过200个字符',
  },
  {
    name: 'new password: unknown user',
    as: 'office',
    send: (c) => c.post('/users/99999999/password', { password: 'long-enough-1' }),
    status: 404,
    message: '找不到该用户',
  },
  {
    name: 'avoidance setting: a value that is not offered',
    as: 'office',
    send: (c) => c.post('/settings/avoidance', { policy: 'sometimes' }),
    status: 400,
    message: '回避设置只能是',
  },
  {
    name: 'retire: a kind of thing that does not exist',
    as: 'office',
    send: (c) => c.post('/retire/planet/1', { retired: '1' }),
    status: 404,
    message: '找不到该记录',
  },
  // review
  {
    name: 'return a sheet: empty reason',
    as: 'office',
    send: (c) => c.post(`/rounds/${ids.open}/sites/${ids.submittedSite}/return`, { reason: ' ' }),
    status: 400,
    message: '请填写退回原因',
  },
  {
    name: 'return a sheet: 10,000-character reason',
    as: 'office',
    send: (c) => c.post(`/rounds/${ids.open}/sites/${ids.submittedSite}/return`, { reason: LONG }),
    status: 400,
    message: '退回原因不能超过500个字符',
  },
];

const AUTOSAVE: Case[] = [
  {
    name: 'tablet submit: a submitId that is not a client key',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/submit`, { submitId: '?', baseRevision: 0 }),
    status: 400,
    message: '客户端编号无效',
  },
  {
    name: 'autosave: malformed JSON',
    as: 'inspector1',
    send: (c) =>
      raw(c, `${sheetApi()}/changes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'fetch' },
        body: '{"batchId": "abc", "changes": [',
      }),
    status: 400,
    message: '提交的内容格式无效',
  },
  {
    name: 'autosave: an array instead of a batch',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/changes`, [1, 2, 3]),
    status: 400,
    message: '保存的内容格式无效',
  },
  {
    name: 'autosave: changes that are not a list',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/changes`, batch('全部符合')),
    status: 400,
    message: '保存的内容格式无效',
  },
  {
    name: 'autosave: no changes',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/changes`, batch([])),
    status: 400,
    message: '没有要保存的内容',
  },
  {
    name: 'autosave: an unknown standard',
    as: 'inspector1',
    send: (c) =>
      c.postJson(`${sheetApi()}/changes`, batch([{ standard: 'Z.99.99', result: 'ok', cases: 0 }])),
    status: 400,
    message: '不适用于该点位类型',
  },
  {
    name: 'autosave: a standard not applicable to this site',
    as: 'inspector1',
    send: (c) =>
      c.postJson(
        `${sheetApi()}/changes`,
        batch([{ standard: ids.foreignStandard, result: 'fail', cases: 1 }]),
      ),
    status: 400,
    message: '不适用于该点位类型，不能填写',
  },
  {
    name: 'autosave: a negative case count',
    as: 'inspector1',
    send: (c) =>
      c.postJson(`${sheetApi()}/changes`, batch([{ standard: ids.standard, result: 'fail', cases: -3 }])),
    status: 400,
    message: '问题数不能为负数',
  },
  {
    name: 'autosave: a huge case count',
    as: 'inspector1',
    send: (c) =>
      c.postJson(`${sheetApi()}/changes`, batch([{ standard: ids.standard, result: 'fail', cases: 1e15 }])),
    status: 400,
    message: '问题数不能超过999',
  },
  {
    name: 'autosave: a case count given as text',
    as: 'inspector1',
    send: (c) =>
      c.postJson(`${sheetApi()}/changes`, batch([{ standard: ids.standard, result: 'fail', cases: '3' }])),
    status: 400,
    message: '问题数必须是数字',
  },
  {
    name: 'autosave: a result that is not offered',
    as: 'inspector1',
    send: (c) =>
      c.postJson(`${sheetApi()}/changes`, batch([{ standard: ids.standard, result: 'maybe', cases: 0 }])),
    status: 400,
    message: '结果只能是',
  },
  {
    name: 'autosave: more fixed on the spot than found',
    as: 'inspector1',
    send: (c) =>
      c.postJson(
        `${sheetApi()}/changes`,
        batch([{ standard: ids.deductionStandard, result: 'fail', cases: 1, fixedCases: 5 }]),
      ),
    status: 400,
    message: '当场整改数不能多于问题数',
  },
  {
    name: 'autosave: a batch id that is a number',
    as: 'inspector1',
    send: (c) =>
      c.postJson(
        `${sheetApi()}/changes`,
        batch([{ standard: ids.standard, result: 'ok', cases: 0 }], { batchId: 12345678 }),
      ),
    status: 400,
    message: '客户端编号无效',
  },
  {
    name: 'autosave: a 1,000-character standard code',
    as: 'inspector1',
    send: (c) =>
      c.postJson(`${sheetApi()}/changes`, batch([{ standard: 'A'.repeat(1000), result: 'ok', cases: 0 }])),
    status: 400,
    message: '标准编码无效',
  },
  {
    name: 'autosave: a change that is not an object',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/changes`, batch([null])),
    status: 400,
    message: '保存的内容格式无效',
  },
  {
    name: 'autosave: a 10,000-character note',
    as: 'inspector1',
    send: (c) =>
      c.postJson(
        `${sheetApi()}/changes`,
        batch([{ standard: ids.standard, result: 'ok', cases: 0, note: LONG }]),
      ),
    status: 400,
    message: '备注不能超过500个字符',
  },
  {
    name: 'autosave: a body over the 1 MB limit',
    as: 'inspector1',
    send: (c) =>
      c.postJson(
        `${sheetApi()}/changes`,
        batch([{ standard: ids.standard, result: 'ok', cases: 0, note: 'x'.repeat(2 * 1024 * 1024) }]),
      ),
    status: 413,
    message: '提交的内容太大',
  },
  {
    name: 'location: latitude out of range',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/location`, { lat: 123, lng: 120 }),
    status: 400,
    message: '位置信息无效',
  },
];

const UPLOADS: Case[] = [
  {
    name: '材料任务: an HTML page named .pdf',
    as: 'xingfu',
    send: (c) =>
      c.postMultipart(
        `/tasks/${ids.unitTask}/files`,
        file(
          fields({ _csrf: c.csrf! }),
          'files',
          Buffer.from('<html><script>alert(1)</script></html>'),
          '方案.pdf',
        ),
        { csrf: false },
      ),
    status: 400,
    message: 'PDF 文件已损坏或不完整，请重新导出或“另存为” PDF 后再上传',
  },
  {
    name: '材料任务: a .doc as the replacement',
    as: 'xingfu',
    send: (c) =>
      c.postMultipart(
        `/tasks/${ids.unitTask}/files/${ids.unitFile}/replace`,
        file(
          fields({ _csrf: c.csrf! }),
          'file',
          Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]),
          '情况说明.doc',
        ),
        { csrf: false },
      ),
    status: 400,
    message: '不支持旧版 Office / WPS 格式',
  },
  {
    name: '材料任务: remove a file id that is not a number',
    as: 'xingfu',
    send: (c) => c.post(`/tasks/${ids.unitTask}/files/abc/remove`),
    status: 404,
    message: '找不到该文件',
  },
  {
    name: '材料任务: submit with a 10,000-character note',
    as: 'xingfu',
    send: (c) => c.post(`/tasks/${ids.unitTask}/submit`, { note: LONG }),
    status: 400,
    message: '说明不能超过 500 个字',
  },
  {
    name: '材料审核: a score that is neither 合格 nor 不合格',
    as: 'office',
    send: (c) =>
      c.post(`/rounds/${ids.reviewRound}/tasks/${ids.reviewTask}/score`, {
        result: 'maybe',
        cases: '1',
        revision: String(one('SELECT revision FROM document_tasks WHERE id = ?', ids.reviewTask)),
      }),
    status: 400,
    message: '请选择合格或不合格',
  },
  {
    name: '材料审核: 退回补充 without a reason and with a date that is not one',
    as: 'office',
    send: (c) =>
      c.post(`/rounds/${ids.reviewRound}/tasks/${ids.reviewTask}/return`, {
        reason: '',
        dueOn: '2026-13-45',
        revision: String(one('SELECT revision FROM document_tasks WHERE id = ?', ids.reviewTask)),
      }),
    status: 400,
    message: '请填写退回理由',
  },
  {
    name: '材料审核: 延期 to a date that is not one',
    as: 'office',
    send: (c) =>
      c.post(`/rounds/${ids.reviewRound}/tasks/${ids.pendingTask}/extend`, {
        reason: '疫情',
        dueOn: 'next week',
        revision: String(one('SELECT revision FROM document_tasks WHERE id = ?', ids.pendingTask)),
      }),
    status: 400,
    message: '请选择延期后的提交期限',
  },
  {
    name: '工作日日历: a day that does not exist and a word that is neither 休 nor 班',
    as: 'office',
    send: (c) => c.post('/calendar', { year: '2027', days: '2027-02-30 休 春节\n2027-10-01 放 国庆节' }),
    status: 400,
    message:
      '第 1 行：日期“2027-02-30”无效，应为 YYYY-MM-DD；第 2 行：“放”应为“休”（放假）或“班”（调休上班）',
  },
  {
    name: '工作日日历: a year that is not one',
    as: 'office',
    send: (c) => c.post('/calendar', { year: LONG, days: '2027-10-01 休 国庆节' }),
    status: 400,
    message: '年份应为 2000 到 2100 之间的整数',
  },
  {
    name: '材料模板: remove a template id that is not a number',
    as: 'office',
    send: (c) => c.post('/task-templates/abc/remove'),
    status: 404,
    message: '找不到该模板',
  },
  {
    name: '材料模板: an unknown kind of material',
    as: 'office',
    send: (c) =>
      c.postMultipart(
        '/task-templates',
        file(
          fields({ _csrf: c.csrf!, material: 'secret-plans' }),
          'file',
          Buffer.from('%PDF-1.4\n'),
          '模板.pdf',
        ),
        { csrf: false },
      ),
    status: 400,
    message: '请选择材料类型',
  },
  {
    name: 'photo: a text file named .jpg',
    as: 'inspector1',
    send: (c) =>
      c.postMultipart(`${sheetApi()}/photos`, photoForm(Buffer.from('这是一段文字，不是照片。'.repeat(20)))),
    status: 400,
    message: '文件不是可识别的图片',
  },
  {
    name: 'photo: a JPEG cut off halfway',
    as: 'inspector1',
    send: (c) => {
      const whole = photo('mobile-jolla.jpg');
      return c.postMultipart(`${sheetApi()}/photos`, photoForm(whole.subarray(0, whole.length >> 1)));
    },
    status: 400,
    message: '照片文件不完整或已损坏',
  },
  {
    name: 'photo: zero bytes',
    as: 'inspector1',
    send: (c) => c.postMultipart(`${sheetApi()}/photos`, photoForm(Buffer.alloc(0))),
    status: 400,
    message: '文件为空',
  },
  {
    name: 'photo: a 20000×20000 PNG',
    as: 'inspector1',
    send: (c) => c.postMultipart(`${sheetApi()}/photos`, photoForm(readFileSync(bombPath), 'bomb.png')),
    status: 400,
    message: '照片尺寸过大（20000×20000 像素）',
  },
  {
    name: 'photo: an SVG with a script',
    as: 'inspector1',
    send: (c) =>
      c.postMultipart(
        `${sheetApi()}/photos`,
        photoForm(
          Buffer.from(
            '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>',
          ),
          'x.jpg',
        ),
      ),
    status: 400,
    message: '不接受 SVG 文件',
  },
  {
    name: 'photo: an iPhone HEIC',
    as: 'inspector1',
    send: (c) =>
      c.postMultipart(`${sheetApi()}/photos`, photoForm(photo('heic-IMG_5195.HEIC'), 'IMG_5195.HEIC')),
    status: 400,
    message: '不支持 HEIC/HEIF 格式',
  },
  {
    name: 'photo: a file over 20 MB',
    as: 'inspector1',
    send: (c) => c.postMultipart(`${sheetApi()}/photos`, photoForm(Buffer.alloc(21 * 1024 * 1024, 0xff))),
    status: 413,
    message: '文件太大',
  },
  {
    name: 'photo: two files where one is expected',
    as: 'inspector1',
    send: (c) => {
      const form = photoForm(photo('orientation-landscape_1.jpg'));
      return c.postMultipart(
        `${sheetApi()}/photos`,
        file(form, 'photo', photo('orientation-landscape_2.jpg'), 'b.jpg'),
      );
    },
    status: 400,
    message: '一次上传的文件太多',
  },
  {
    name: 'photo: for a standard not applicable to the site',
    as: 'inspector1',
    send: (c) => {
      const form = file(
        fields({ clientId: randomUUID(), standard: ids.foreignStandard }),
        'photo',
        photo('orientation-landscape_1.jpg'),
        'a.jpg',
      );
      return c.postMultipart(`${sheetApi()}/photos`, form);
    },
    status: 400,
    message: '不适用于该点位类型，不能上传照片',
  },
  {
    name: 'photo: a client id that is not one',
    as: 'inspector1',
    send: (c) => {
      const form = file(
        fields({ clientId: '../../x', standard: ids.standard }),
        'photo',
        photo('orientation-landscape_1.jpg'),
        'a.jpg',
      );
      return c.postMultipart(`${sheetApi()}/photos`, form);
    },
    status: 400,
    message: '照片编号无效',
  },
  {
    name: 'sheet form: a 2 MB note',
    as: 'inspector1',
    send: (c) =>
      c.postMultipart(
        `/rounds/${ids.open}/sites/${ids.freshSite}`,
        fields({ [`r_${ids.standard}`]: 'ok', [`n_${ids.standard}`]: '注'.repeat(700_000) }),
        { csrf: 'field' },
      ),
    status: 413,
    message: '表单字段内容太长',
  },
  {
    name: 'sheet form: an answer with a good photo and an HEIC one',
    as: 'inspector1',
    send: (c) => {
      const form = fields({ [`r_${ids.standard}`]: 'ok' });
      file(form, `p_${ids.standard}`, photo('orientation-landscape_1.jpg'), 'a.jpg');
      file(form, `p_${ids.standard}`, photo('heic-IMG_5195.HEIC'), 'b.heic');
      return c.postMultipart(`/rounds/${ids.open}/sites/${ids.freshSite}`, form, { csrf: 'field' });
    },
    status: 400,
    message: '不支持 HEIC/HEIF 格式',
  },
  {
    name: 'sheet form: eleven photos',
    as: 'inspector1',
    send: (c) => {
      const form = fields({ [`r_${ids.standard}`]: 'ok' });
      for (let i = 0; i < 11; i++)
        file(form, `p_${ids.standard}`, photo('orientation-landscape_1.jpg'), `${i}.jpg`);
      return c.postMultipart(`/rounds/${ids.open}/sites/${ids.freshSite}`, form, { csrf: 'field' });
    },
    status: 400,
    message: '一次上传的文件太多',
  },
  {
    name: 'sheet form: a case count that is not a number',
    as: 'inspector1',
    send: (c) =>
      c.postMultipart(
        `/rounds/${ids.open}/sites/${ids.freshSite}`,
        fields({ [`r_${ids.standard}`]: 'fail', [`c_${ids.standard}`]: '三' }),
        { csrf: 'field' },
      ),
    status: 400,
    message: '问题数必须是数字',
  },
  {
    name: 'fix report: a 2 MB note',
    as: 'chengguan',
    send: (c) =>
      c.postMultipart(
        `/problems/${ids.cgjProblem}/fix`,
        file(fields({ note: '注'.repeat(700_000) }), 'photos', photo('orientation-landscape_1.jpg'), 'a.jpg'),
        { csrf: 'field' },
      ),
    status: 413,
    message: '表单字段内容太长',
  },
  {
    name: 'fix report: eleven photos',
    as: 'chengguan',
    send: (c) => {
      const form = fields({ note: '已清理' });
      for (let i = 0; i < 11; i++) file(form, 'photos', photo('orientation-landscape_1.jpg'), `${i}.jpg`);
      return c.postMultipart(`/problems/${ids.cgjProblem}/fix`, form, { csrf: 'field' });
    },
    status: 400,
    message: '一次上传的文件太多',
  },
];

const IMPORTS: Case[] = [
  {
    name: 'units import: a text file renamed .xlsx',
    as: 'office',
    send: importTo('/imports/units', () => Buffer.from('单位编码,单位名称\nX,某局\n')),
    status: 400,
    message: '不是有效的 Excel',
  },
  {
    name: 'units import: 50,000 rows',
    as: 'office',
    send: importTo('/imports/units', () => readFileSync(bigRowsPath)),
    status: 400,
    message: '数据行数超过上限',
  },
  {
    name: 'units import: a file over 10 MB',
    as: 'office',
    send: importTo('/imports/units', () => Buffer.alloc(11 * 1024 * 1024, 0x50)),
    status: 413,
    message: '文件太大',
  },
  {
    name: 'units import: a 10 kB extra form field',
    as: 'office',
    send: async (c) => {
      const form = fields({ comment: '注'.repeat(10_000) });
      return c.postMultipart(
        '/imports/units',
        file(form, 'file', await workbook({ 责任单位: [['单位编码']] }), 'u.xlsx'),
        {
          csrf: 'field',
        },
      );
    },
    status: 413,
    message: '表单字段内容太长',
  },
  {
    name: 'sites import: a zip that is not a workbook',
    as: 'office',
    send: importTo('/imports/sites', plainZip),
    status: 400,
    message: '不是有效的 Excel',
  },
  {
    name: 'sites import: a workbook with nothing in it',
    as: 'office',
    send: importTo('/imports/sites', () => workbook({ 点位: [] })),
    status: 400,
    message: '工作表是空的：找不到表头行',
  },
  {
    name: 'users import: a formula cell',
    as: 'office',
    send: importTo('/imports/users', () =>
      workbook(
        {
          用户: [
            ['用户名', '姓名', '角色', '所属单位', '所在镇街', '初始密码'],
            ['calc1', '公式', '测评员', '', '', 'long-enough-1'],
          ],
        },
        (wb) => {
          wb.getWorksheet('用户')!.getCell('F2').value = {
            formula: 'A2&"-pass-2026"',
            result: 'calc1-pass-2026',
          } as never;
        },
      ),
    ),
    status: 400,
    message: '包含公式',
  },
  {
    name: 'users import: zero bytes',
    as: 'office',
    send: importTo('/imports/users', () => Buffer.alloc(0)),
    status: 400,
    message: '请选择要导入的 Excel 文件',
  },
  {
    name: 'assignments import: wrong headers',
    as: 'office',
    send: (c) =>
      importTo(`/rounds/${ids.open}/imports/assignments`, () =>
        workbook({
          测评分工: [
            ['点位', '测评员'],
            ['幸福家园小区', 'inspector1'],
          ],
        }),
      )(c),
    status: 400,
    message: '缺少列',
  },
  {
    name: 'results import: an unknown round in the URL',
    as: 'office',
    send: importTo('/rounds/99999999/imports/results', () => workbook({ 测评结果: [['点位编号']] })),
    status: 404,
    message: '找不到该测评轮次',
  },
  {
    name: 'results import: a workbook without sheets',
    as: 'office',
    send: (c) => importTo(`/rounds/${ids.open}/imports/results`, () => workbook({}))(c),
    status: 400,
    message: '文件中没有可读取的工作表',
  },
  {
    name: 'criteria import: a text file',
    as: 'office',
    send: importTo('/criteria/import', () => Buffer.from('{"code": "district-2099"}'), 'criteria.xlsx'),
    status: 400,
    message: '不是有效的 Excel',
  },
  {
    name: 'criteria import: a duplicate standard code',
    as: 'office',
    send: importTo('/criteria/import', () =>
      criteriaWorkbook((wb) => {
        const ws = wb.getWorksheet('测评标准')!;
        const code = (ws.getRow(1).values as unknown[]).indexOf('标准编码');
        setCell(ws, '标准编码', 2, ws.getRow(2).getCell(code).value);
      }),
    ),
    status: 400,
    message: /第3行「标准编码」与第2行重复/,
  },
  {
    name: 'criteria import: an unknown site type column',
    as: 'office',
    send: importTo('/criteria/import', () =>
      criteriaWorkbook((wb) => {
        const ws = wb.getWorksheet('测评标准')!;
        ws.getRow(1).getCell(ws.getRow(1).cellCount + 1).value = '太空港';
      }),
    ),
    status: 400,
    message: '不认识的列：太空港',
  },
  {
    name: 'criteria import: a negative site-type weight',
    as: 'office',
    send: importTo('/criteria/import', () =>
      criteriaWorkbook((wb) => setCell(wb.getWorksheet('点位类型')!, '权重', 1, -2)),
    ),
    status: 400,
    message: '权重必须大于0',
  },
  {
    name: 'criteria import: grade shares that rise',
    as: 'office',
    send: importTo('/criteria/import', () =>
      criteriaWorkbook((wb) =>
        wb.getWorksheet('版本信息')!.eachRow((row) => {
          if (row.getCell(1).value === '等级得分比例C#') row.getCell(2).value = 0.99;
        }),
      ),
    ),
    status: 400,
    message: '等级得分比例必须依次不增',
  },
  {
    name: 'criteria import: a workbook without its sheets',
    as: 'office',
    send: importTo('/criteria/import', () => workbook({ Sheet1: [['x']] })),
    status: 400,
    message: '缺少工作表「版本信息」',
  },
];

const get = (path: string, as: Role, status: number, message: string | RegExp): Case => ({
  name: `GET ${path}`,
  as,
  send: (c) => c.get(path),
  status,
  message,
});

const URLS: Case[] = [
  get('/rounds/abc', 'office', 404, '找不到该测评轮次'),
  get('/rounds/-1', 'office', 404, '找不到该测评轮次'),
  get('/rounds/99999999999999999999', 'office', 404, '找不到该测评轮次'),
  get('/rounds/1.5', 'office', 404, '找不到该测评轮次'),
  get('/rounds/0', 'office', 404, '找不到该测评轮次'),
  get('/rounds/1e3', 'office', 404, '找不到该测评轮次'),
  get('/rounds/%E0%A4%A', 'office', 400, '请求无效'),
  get('/sheets/0', 'office', 404, '找不到该页面'),
  get('/rounds/2/sites/0', 'inspector1', 404, '找不到该点位'),
  get('/rounds/999999999/sites/1', 'inspector1', 404, '找不到该测评轮次'),
  get('/api/rounds/abc/sites/1', 'inspector1', 404, '找不到该测评轮次'),
  get('/problems/%00', 'office', 404, '找不到该问题'),
  get('/problems/1%00', 'office', 404, '找不到该问题'),
  get('/problems/99999999', 'office', 404, '找不到该问题'),
  get('/problems?round=abc', 'office', 400, '筛选条件无效'),
  get('/problems?status=<script>', 'office', 400, '状态筛选无效'),
  get('/problems-notice?unit=99999999', 'office', 404, '找不到该单位'),
  get('/photos/..%2F..%2Fetc%2Fpasswd/original', 'office', 404, '找不到该照片'),
  ...['/photos/../../etc/passwd', '/photos/1/../../../package.json', '/static/../../package.json'].map(
    (path): Case => ({
      name: `GET ${path} (sent as is)`,
      as: 'office',
      send: (c) => rawPath(c, path),
      status: 404,
      message: '找不到该页面',
    }),
  ),
  {
    name: 'GET /static/%2e%2e/%2e%2e/package.json (sent as is)',
    as: 'office',
    send: (c) => rawPath(c, '/static/%2e%2e/%2e%2e/package.json'),
    status: 404,
    message: '找不到该页面',
  },
  get('/photos/1/..%2F..%2F..%2Fpackage.json', 'office', 404, '找不到该照片'),
  get('/photos/99999999/original', 'office', 404, '找不到该照片'),
  get('/criteria/99999999', 'office', 404, '找不到该测评体系版本'),
  get('/criteria/abc/export.xlsx', 'office', 404, '找不到该测评体系版本'),
  get('/rounds/1/results/sites/-3', 'office', 404, '找不到该点位'),
  get('/rounds/1/results/streets/99999999', 'office', 404, '找不到该镇街'),
  get('/rounds/2/review?status=all', 'office', 400, '状态筛选无效'),
  get('/audit?user=-1', 'office', 400, '筛选条件无效'),
  get('/places/sites/99999999', 'office', 404, '找不到该点位'),
  get('/imports/bogus/template.xlsx', 'office', 404, '没有这种导入'),
  get('/rounds/1/problems.xlsx?unit=abc', 'office', 400, '筛选条件无效'),
  get('/problems-notice?unit=1&round=-1', 'office', 400, '轮次无效'),
  get('/rounds/2/sites/abc/photos/1/original', 'office', 404, '找不到该页面'),
  {
    name: 'POST a photo to /api/rounds/2/sites/abc/photos',
    as: 'inspector1',
    send: (c) =>
      c.postMultipart('/api/rounds/2/sites/abc/photos', photoForm(photo('orientation-landscape_1.jpg'))),
    status: 404,
    message: '找不到该点位',
  },
  {
    name: 'POST /api/rounds/2/sites/:site/photos/-5/delete',
    as: 'inspector1',
    send: (c) => c.postJson(`${sheetApi()}/photos/-5/delete`, {}),
    status: 404,
    message: '找不到该照片',
  },
  {
    name: 'POST /rounds/abc/open',
    as: 'office',
    send: (c) => c.post('/rounds/abc/open'),
    status: 404,
    message: '找不到该测评轮次',
  },
  {
    name: 'POST /retire/site/-1',
    as: 'office',
    send: (c) => c.post('/retire/site/-1', { retired: '1' }),
    status: 404,
    message: '找不到该记录',
  },
];

/**
 * The round, assignment, review and problem actions: done, they redirect to their page with a message;
 * refused, they answer 4xx with the reason and a link back to that page.
 */
interface FlashCase {
  name: string;
  as: Role;
  send: (c: Client) => Promise<Reply>;
  message: string | RegExp;
  /** the refused form is shown again on its own page (what was typed, the message by the field), not a page with a link back */
  refilled?: true;
}

const multipart = (c: Client, path: string, values: Record<string, string>, photos: Buffer[] = []) => {
  const form = fields(values);
  for (const [i, p] of photos.entries()) file(form, 'photos', p, `${i}.jpg`);
  return c.postMultipart(path, form, { csrf: 'field' });
};
const correct = (change: Record<string, string>) => (c: Client) =>
  c.post(`/rounds/${ids.open}/sites/${ids.submittedSite}/correct`, {
    standard: ids.submittedStandard,
    result: 'ok',
    cases: '0',
    reason: '现场复核',
    ...change,
  });
const GOOD_PHOTO = () => photo('orientation-landscape_3.jpg');

/** The office's survey pages (the 综合测评 round counts 问卷调查): targets, interviewers, clear and void. */
const surveyAt = (suffix: string) => `/rounds/${ids.reviewRound}/surveys${suffix}`;
const surveyOne = (sql: string) => one(sql, ids.reviewRound) as number;
const SURVEY_ADMIN: FlashCase[] = [
  {
    name: 'survey targets: 0 and letters (all refused, none saved)',
    as: 'office',
    refilled: true,
    send: (c) => {
      const [a, b] = app.booted.db
        .prepare('SELECT id FROM communities WHERE retired_at IS NULL ORDER BY id LIMIT 2')
        .pluck()
        .all() as number[];
      return c.post(surveyAt('/targets'), { [`t${a}`]: '0', [`t${b}`]: 'abc' });
    },
    message: '有 2 个样本目标填写有误，均未保存',
  },
  {
    name: 'survey targets: 10,000 characters',
    as: 'office',
    refilled: true,
    send: (c) => c.post(surveyAt('/targets'), { all: LONG }),
    message: /个样本目标填写有误，均未保存/,
  },
  {
    name: 'survey interviewer: a unit account',
    as: 'office',
    refilled: true,
    send: (c) =>
      c.post(surveyAt(`/${firstIdIn(app.booted.db, 'communities')}/interviewers`), {
        userId: String(userIdOf(app.booted.db, 'chengguan')),
      }),
    message: '只能分配在用的测评员账号',
  },
  {
    name: 'survey interviewer removed: not assigned there',
    as: 'office',
    send: (c) =>
      c.post(
        surveyAt(
          `/${firstIdIn(app.booted.db, 'communities')}/interviewers/${userIdOf(app.booted.db, 'chengguan')}/remove`,
        ),
      ),
    message: '该测评员不是本社区的入户调查员',
  },
  {
    name: 'survey answer cleared: not waiting to be checked',
    as: 'office',
    send: (c) =>
      c.post(
        surveyAt(
          `/answers/${surveyOne("SELECT id FROM survey_responses WHERE round_id = ? AND flags = '' AND voided_at IS NULL ORDER BY id LIMIT 1")}/clear`,
        ),
      ),
    message: '只有待核实的答案可以核实有效',
  },
  {
    name: 'survey answer voided: 10,000-character reason',
    as: 'office',
    refilled: true,
    send: (c) =>
      c.post(
        surveyAt(
          `/answers/${surveyOne('SELECT id FROM survey_responses WHERE round_id = ? AND voided_at IS NULL ORDER BY id LIMIT 1')}/void`,
        ),
        { reason: LONG },
      ),
    message: '作废原因不能超过200个字',
  },
];

const FLASHED: FlashCase[] = [
  {
    name: 'correct an answer: empty reason',
    as: 'office',
    refilled: true,
    send: correct({ reason: '' }),
    message: '更正必须填写原因',
  },
  {
    name: 'correct an answer: 10,000-character reason',
    as: 'office',
    refilled: true,
    send: correct({ reason: LONG }),
    message: '更正原因不能超过500个字符',
  },
  {
    name: 'correct an answer: negative case count',
    as: 'office',
    refilled: true,
    send: correct({ result: 'fail', cases: '-2' }),
    message: '问题数不能为负数',
  },
  {
    name: 'correct an answer: a standard not applicable to the site',
    as: 'office',
    refilled: true,
    send: (c) => correct({ standard: ids.foreignStandard })(c),
    message: '不适用于该点位类型',
  },
  {
    name: 'exclude a site: empty reason',
    as: 'office',
    send: (c) => c.post(`/rounds/${ids.open}/sites/${ids.submittedSite}/exclude`, { reason: '' }),
    message: '请填写排除原因',
  },
  {
    name: 'withdraw a publication: empty reason',
    as: 'office',
    refilled: true,
    send: (c) => c.post(`/rounds/${ids.published}/withdraw`, { reason: '   ' }),
    message: '请填写撤回原因',
  },
  {
    name: 'withdraw a publication: 10,000-character reason',
    as: 'office',
    refilled: true,
    send: (c) => c.post(`/rounds/${ids.published}/withdraw`, { reason: LONG }),
    message: '撤回原因不能超过500个字符',
  },
  {
    name: 'withdraw a publication: the reason sent twice',
    as: 'office',
    refilled: true,
    send: (c) =>
      raw(c, `/rounds/${ids.published}/withdraw`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `reason=a&reason=b&_csrf=${c.csrf}`,
      }),
    message: '填写的内容格式无效',
  },
  {
    name: 'close a round with sheets still open',
    as: 'office',
    send: (c) => c.post(`/rounds/${ids.open}/close`),
    message: /还有 \d+ 个点位未审核通过或排除/,
  },
  {
    name: 'publish a round that is still open',
    as: 'office',
    send: (c) => c.post(`/rounds/${ids.open}/publish`),
    message: '只有已结束的轮次可以发布',
  },
  {
    name: 'assign: unknown site in the hidden field',
    as: 'office',
    send: (c) =>
      c.post(`/rounds/${ids.open}/assignments`, {
        siteId: '99999999',
        inspectorId: String(ids.inspectorUser),
      }),
    message: '找不到该点位',
  },
  {
    name: 'assign: unknown inspector',
    as: 'office',
    send: (c) =>
      c.post(`/rounds/${ids.open}/assignments`, { siteId: String(ids.freshSite), inspectorId: '-1' }),
    message: '不是在岗测评员',
  },
  {
    name: 'assign in bulk: a scope that is not one',
    as: 'office',
    send: (c) =>
      c.post(`/rounds/${ids.open}/assignments/bulk`, {
        scope: 'street:abc',
        inspectorId: String(ids.inspectorUser),
      }),
    message: '请选择要分配的范围',
  },
  {
    name: 'spread evenly: an inspector id that is not a number',
    as: 'office',
    send: (c) => c.post(`/rounds/${ids.open}/assignments/spread`, { inspectorIds: 'everyone' }),
    message: '测评员选择无效',
  },
  {
    name: 'report a fix: empty note',
    as: 'chengguan',
    send: (c) => multipart(c, `/problems/${ids.cgjProblem}/fix`, { note: '' }, [GOOD_PHOTO()]),
    message: '请填写整改情况',
    refilled: true,
  },
  {
    name: 'report a fix: no photo',
    as: 'chengguan',
    send: (c) => multipart(c, `/problems/${ids.cgjProblem}/fix`, { note: '已清理' }),
    message: '请至少上传一张整改后照片',
    refilled: true,
  },
  {
    name: 'report a fix: an HEIC after-photo',
    as: 'chengguan',
    send: (c) =>
      multipart(c, `/problems/${ids.cgjProblem}/fix`, { note: '已清理' }, [photo('heic-IMG_5195.HEIC')]),
    message: '不支持 HEIC/HEIF 格式',
    refilled: true,
  },
  {
    name: 'report a fix: a good photo, then a truncated JPEG',
    as: 'chengguan',
    send: (c) => {
      const whole = photo('mobile-jolla.jpg');
      return multipart(c, `/problems/${ids.cgjProblem}/fix`, { note: '已清理' }, [
        GOOD_PHOTO(),
        whole.subarray(0, Math.floor(whole.length * 0.6)),
      ]);
    },
    message: '照片文件不完整或已损坏',
    refilled: true,
  },
  {
    name: 're-inspect: an outcome that is not offered',
    as: 'office',
    send: (c) =>
      multipart(c, `/problems/${ids.fixedProblem}/reinspect`, { outcome: 'maybe', note: '' }, [GOOD_PHOTO()]),
    message: '请选择复查结果',
    refilled: true,
  },
  {
    name: 're-inspect: rejected without a reason',
    as: 'office',
    send: (c) =>
      multipart(c, `/problems/${ids.fixedProblem}/reinspect`, { outcome: 'reject', note: '' }, [
        GOOD_PHOTO(),
      ]),
    message: '请填写退回原因',
    refilled: true,
  },
  {
    name: 're-inspect: passed without a photo',
    as: 'office',
    send: (c) => multipart(c, `/problems/${ids.fixedProblem}/reinspect`, { outcome: 'pass', note: '' }),
    message: '复查须上传现场照片',
    refilled: true,
  },
  {
    name: 'request: a kind that is not offered',
    as: 'chengguan',
    send: (c) => multipart(c, `/problems/${ids.cgjProblem}/request`, { kind: 'waiver', note: '请免除' }),
    message: '申请类型无效',
    refilled: true,
  },
  {
    name: 'request an extension: new deadline before the old one',
    as: 'chengguan',
    send: (c) =>
      multipart(c, `/problems/${ids.cgjProblem}/request`, {
        kind: 'extension',
        note: '需采购设备',
        deadline: '2000-01-01',
      }),
    message: '新的整改时限须晚于当前时限',
    refilled: true,
  },
  {
    name: 'request an extension: a deadline that is not a date',
    as: 'chengguan',
    send: (c) =>
      multipart(c, `/problems/${ids.cgjProblem}/request`, {
        kind: 'extension',
        note: '需采购设备',
        deadline: '下个月',
      }),
    message: '请选择新的整改时限（须晚于当前时限',
    refilled: true,
  },
  {
    name: 'request a dispute: 10,000-character reason',
    as: 'chengguan',
    send: (c) => multipart(c, `/problems/${ids.cgjProblem}/request`, { kind: 'dispute', note: LONG }),
    message: '申诉理由不能超过500个字符',
    refilled: true,
  },
  {
    name: 'decide a transfer: unknown unit in the hidden field',
    as: 'office',
    send: (c) =>
      c.post(`/problems/${ids.transferProblem}/decide`, { approve: '1', note: '', unitId: '99999999' }),
    message: '找不到该单位或已停用，请重新选择',
    refilled: true,
  },
  {
    name: 'decide a transfer: refused without a reason',
    as: 'office',
    send: (c) => c.post(`/problems/${ids.transferProblem}/decide`, { approve: '0', note: '' }),
    message: '请填写不同意的理由',
    refilled: true,
  },
  ...SURVEY_ADMIN,
];

/** Problems from outside rounds (#20): recording, 安排复查, 随手拍 and its triage, 12345, 问题设置. */
const SOURCES: Case[] = [
  {
    name: '记录问题: a description of only spaces',
    as: 'office',
    send: (c) =>
      c.postMultipart(
        '/problems/new',
        file(
          fields({ _csrf: c.csrf!, source: 'inspection', site_id: String(ids.site), description: '   ' }),
          'photos',
          photo('Canon_40D.jpg'),
          'photo.jpg',
        ),
        { csrf: false },
      ),
    status: 400,
    message: '请填写问题描述',
  },
  {
    name: '记录问题: a text file as the photo',
    as: 'office',
    send: (c) =>
      c.postMultipart(
        '/problems/new',
        file(
          fields({ _csrf: c.csrf!, source: 'inspection', site_id: String(ids.site), description: '垃圾' }),
          'photos',
          Buffer.from('not a photo at all'),
          'photo.jpg',
        ),
        { csrf: false },
      ),
    status: 400,
    message: '不是可识别的图片',
  },
  {
    name: '记录问题: coordinates that are not numbers',
    as: 'office',
    send: (c) =>
      c.postMultipart(
        '/problems/new',
        file(
          fields({ _csrf: c.csrf!, source: 'media', lat: '北纬', lng: '120.1', description: '媒体报道' }),
          'photos',
          photo('Canon_40D.jpg'),
          'photo.jpg',
        ),
        { csrf: false },
      ),
    status: 400,
    message: '定位坐标无效，请重新定位或改填地址',
  },
  {
    name: '安排复查: nobody chosen',
    as: 'office',
    send: (c) => c.post(`/problems/${ids.outsideProblem}/assign`, { inspectorId: '' }),
    status: 400,
    message: '请选择复查人',
  },
  {
    name: '安排复查: an inspector id that is nobody',
    as: 'office',
    send: (c) => c.post(`/problems/${ids.outsideProblem}/assign`, { inspectorId: '999999' }),
    status: 400,
    message: '找不到该测评员或其账号已停用',
  },
  {
    name: '交办: a unit that does not exist',
    as: 'office',
    send: (c) => c.post(`/problems/${ids.outsideProblem}/unit`, { unitId: '999999', note: '' }),
    status: 400,
    message: '找不到该单位或已停用，请重新选择',
  },
  {
    name: '交办: a unit id that is not a number',
    as: 'office',
    send: (c) => c.post(`/problems/${ids.outsideProblem}/unit`, { unitId: 'abc' }),
    status: 400,
    message: /请选择|找不到该单位/,
  },
  {
    name: '随手拍: a link that does not exist',
    as: 'office',
    send: (c) => c.post('/r/no-such-link', { description: '<script>alert(1)</script>', address: 'x' }),
    status: 404,
    message: '找不到该随手拍页面，请核对二维码或链接',
  },
  {
    name: '随手拍受理: no unit',
    as: 'office',
    send: (c) => c.post(`/reports/${ids.reportNew}/accept`, { unit: '', description: '垃圾' }),
    status: 400,
    message: '请选择责任单位',
  },
  {
    name: '随手拍重复: a problem that does not exist',
    as: 'office',
    send: (c) => c.post(`/reports/${ids.reportNew}/duplicate`, { problem: '999999' }),
    status: 400,
    message: '找不到问题 #999999',
  },
  {
    name: '随手拍不受理: no reason',
    as: 'office',
    send: (c) => c.post(`/reports/${ids.reportNew}/reject`, { reason: '  ' }),
    status: 400,
    message: '请填写不予受理的原因',
  },
  {
    name: '随手拍答复: 501 characters',
    as: 'office',
    send: (c) => c.post(`/reports/${ids.reportNew}/reply`, { reply: '长'.repeat(501) }),
    status: 400,
    message: '答复不能超过500字',
  },
  {
    name: '随手拍: an action on a report that does not exist',
    as: 'office',
    send: (c) => c.post('/reports/999999/reject', { reason: '重复' }),
    status: 404,
    message: '找不到该群众反映',
  },
  {
    name: '12345: import without a file',
    as: 'office',
    send: (c) => c.postMultipart('/hotline/import', fields({ _csrf: c.csrf!, batch: '' }), { csrf: false }),
    status: 400,
    message: '请选择要导入的 Excel 文件（.xlsx）',
  },
  {
    name: '12345 单位别名: a unit id that is not one',
    as: 'office',
    send: (c) => c.post('/hotline/aliases', { unitId: 'abc', alias: '城管' }),
    status: 400,
    message: '请选择单位',
  },
  {
    name: '12345 单位别名: remove one that does not exist',
    as: 'office',
    send: (c) => c.post('/hotline/aliases/remove', { alias: '不存在' }),
    status: 404,
    message: '找不到该别名',
  },
  {
    name: '12345 办理结果: a 受理日期 that is not a date',
    as: 'office',
    send: (c) => c.get('/hotline/outcomes.xlsx?from=2026-13-01'),
    status: 400,
    message: '受理日期（起）应为日期',
  },
  {
    name: '问题设置: 251 working days and a distance under 100 m',
    as: 'office',
    send: (c) =>
      c.post('/problem-settings', {
        'unit.inspection': 'workdays',
        'amount.inspection': '5',
        'unit.report': 'weeks',
        'amount.report': '5',
        'unit.hotline': 'workdays',
        'amount.hotline': '5',
        'unit.media': 'workdays',
        'amount.media': '251',
        metres: '99',
        phoneDays: '366',
      }),
    status: 400,
    message: '设置有误，未保存',
  },
];

/** Reminders (#21): the office's /notifications and who is keeping up. */
const REMINDERS: Case[] = [
  {
    name: '单位联系人: a 钉钉 robot at an ftp:// address and a secret of the wrong shape',
    as: 'office',
    send: (c) =>
      c.post(`/units/${unitIdOf(app.booted.db, 'D-CGJ')}/contacts`, {
        'head.name': '赵科长',
        'head.mobile': '13800138000',
        'robot.kind': 'dingtalk',
        'robot.webhook': 'ftp://oapi.dingtalk.com/robot/send',
        'robot.secret': 'SEC123',
      }),
    status: 400,
    message: '群机器人地址必须以 http:// 或 https:// 开头',
  },
  {
    name: '单位联系人: a unit id that is not one',
    as: 'office',
    send: (c) => c.post('/units/abc/contacts', { 'robot.kind': '' }),
    status: 404,
    message: '找不到该单位',
  },
  {
    name: '提醒: resend a delivery id that is not a number',
    as: 'office',
    send: (c) => c.post('/notifications/abc/resend'),
    status: 404,
    message: '找不到该发送记录',
  },
  {
    name: '提醒: a test message to a unit that is not one',
    as: 'office',
    send: (c) => c.post('/notifications/test', { unit: 'abc' }),
    status: 400,
    message: '请选择单位',
  },
  {
    name: '提醒设置: a digest hour of 24',
    as: 'office',
    send: (c) =>
      c.post('/notifications/settings', {
        digestHour: '24',
        quietStart: '22',
        quietEnd: '7',
        escalateDays: '3',
      }),
    status: 400,
    message: '每日汇总时间应为 0 到 23 之间的整数',
  },
  {
    name: '提醒设置: every field wrong',
    as: 'office',
    send: (c) =>
      c.post('/notifications/settings', {
        digestHour: 'x',
        quietStart: '-1',
        quietEnd: '99',
        escalateDays: '0',
      }),
    status: 400,
    message: '提醒设置有误，未保存',
  },
  {
    name: '提醒: a log filter it does not offer',
    as: 'office',
    send: (c) => c.get('/notifications?status=lost'),
    status: 400,
    message: '筛选条件无效',
  },
  {
    name: '单位整改排名: a period it does not offer',
    as: 'office',
    send: (c) => c.get('/units/standing?period=year'),
    status: 400,
    message: '统计期间：请选择本月、近30天或自定义日期',
  },
  {
    name: '单位整改排名: an end before the start, in the workbook',
    as: 'office',
    send: (c) => c.get('/units/standing.xlsx?period=range&from=2026-11-30&to=2026-11-01'),
    status: 400,
    message: '结束日期：不能早于开始日期',
  },
];

describe('bad input is refused with a Chinese message and changes nothing', () => {
  const all = [...FORMS, ...AUTOSAVE, ...UPLOADS, ...IMPORTS, ...URLS, ...SOURCES, ...REMINDERS];

  it('has a case for every kind of input, each with its own name', () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  });

  it.each(all.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const client = users[c.as]!;
    expect(client.csrf).toBeTruthy();
    await app.booted.versions.settled(); // nothing still written in the background
    const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
    const r = await c.send(client);
    expect(r.status, r.text.slice(0, 500)).toBe(c.status);
    expect(r.text).toMatch(c.message);
    expect(r.text).not.toMatch(/at .*\.ts:\d+|SqliteError|TypeError/);
    expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
  });

  it('has a refusal case for every form action of rounds, assignments, review and problems', () => {
    expect(FLASHED.length).toBeGreaterThanOrEqual(20);
    expect(new Set(FLASHED.map((c) => c.name)).size).toBe(FLASHED.length);
  });

  it.each(FLASHED.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const client = users[c.as]!;
    await app.booted.versions.settled(); // nothing still written in the background
    const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
    const r = await c.send(client);
    expect(r.status, r.text.slice(0, 500)).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const shown = /<p class="alert error" role="alert">([^<]*)/.exec(r.text)?.[1] ?? '(no error message)';
    expect(shown).toMatch(c.message);
    if (!c.refilled) expect(r.text).toContain('返回上一页');
    expect(r.text).not.toMatch(/at .*\.ts:\d+|SqliteError|TypeError/);
    expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
  });

  // Last, once every case above has run: like the authorization matrix, the cases are held against the
  // routes the app really has, so a new form action, upload or API call without a bad-input case fails here.
  it('sends bad input to every state-changing route, except the ones listed as having none', () => {
    const routes = listRoutes(app.booted.app).filter(isStateChanging);
    const covers = (route: string) => {
      const [method, path] = route.split(' ') as [string, string];
      const pattern = new RegExp(`^${method} ${path.replace(/:\w+/g, '[^/]+')}$`);
      return [...sent].some((s) => pattern.test(s));
    };
    expect(routes.filter((r) => !covers(r) && !NO_BAD_INPUT.has(r))).toEqual([]);
    // the exemptions stay true: each is a real route, and none has quietly gained a case
    expect([...NO_BAD_INPUT].filter((r) => !routes.includes(r) || covers(r))).toEqual([]);
  });
});

/** State-changing routes where bad input makes no sense, each with the reason. */
const NO_BAD_INPUT = new Set<string>([
  // a wrong name or password is not malformed input, and sending one would log the case's client out;
  // auth.test.ts and login-throttle.test.ts refuse them
  'POST /login',
  // no fields: nothing to type wrong
  'POST /logout',
  // no fields besides the confirmation: what refuses a submit is the sheet (blocked until every
  // standard is answered, tested in sheets.test.ts), not what was sent
  'POST /rounds/:rid/sites/:sid/submit',
  // no fields: approving a sheet or taking a site back into a round is refused for the sheet's or
  // site's state (review and office-rounds tests), not for input
  'POST /rounds/:rid/sites/:sid/approve',
  'POST /rounds/:rid/sites/:sid/include',
  // survey answers: every bad answer the issue lists (missing, not offered, repeated, 10,000 characters,
  // forged / expired / replayed form token, 1 MB body) is sent in public-survey.test.ts (the public
  // pages, no logged-in client) and interviews.test.ts (the 入户 form)
  'POST /s/:token/screen',
  'POST /s/:token/answer',
  'POST /rounds/:rid/surveys/:cid/interview',
  // the demo's robot sink answers as 企业微信 and 钉钉 do, HTTP 200 with an error code (not JSON 40035,
  // wrong signature 310000, unknown key 93000 / 300001): demo-reminders.test.ts sends each
  'POST /demo-sink/wecom/send',
  'POST /demo-sink/dingtalk/send',
]);
