// As the creation office setting where a unit's reminders go (#21): the 负责人 and 联络员 with mobile and
// e-mail, a 企业微信 or 钉钉 group robot with 钉钉's signing secret (kept masked once saved, cleared on
// request), every bad field refused with its Chinese message and nothing stored; as the unit itself,
// reading its own page; as anyone else, refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Client, loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { unitIdOf } from '../helpers/ids.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let xingfu: number;
beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  xingfu = unitIdOf(app.booted.db, 'C-DH-1');
});
afterAll(async () => {
  await app.destroy();
});

const one = (sql: string, ...args: unknown[]) => scalar(app.booted.db, sql, ...args);
const SECRET = `SEC${'0f1e2d3c'.repeat(8)}`;
const DING_TOKEN = '6f1c0a9e2b7d4c85a1e3f5d7b9c2e4a6f8d0b2c4e6a8f0d2b4c6e8a0f2d4b6c8';
const DING = `https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}`;
const WECOM = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa';

/** The whole form as the page sends it: 负责人, 联络员 and a 钉钉 robot, overridden by `changes`. */
const form = (changes: Record<string, string> = {}): Record<string, string> => ({
  'head.name': '吴书记',
  'head.mobile': '13812345678',
  'head.email': 'wu@xingfu.gov.cn',
  'liaison.name': '陈联络',
  'liaison.mobile': '139 1234 5678',
  'liaison.email': '',
  'robot.kind': 'dingtalk',
  'robot.webhook': DING,
  'robot.secret': '',
  ...changes,
});

async function save(fields: Record<string, string>, unitId = xingfu) {
  const office = await as('office');
  await office.get(`/units/${unitId}/contacts`);
  return office.post(`/units/${unitId}/contacts`, fields);
}

const robot = () =>
  app.booted.db.prepare('SELECT kind, webhook, secret FROM unit_robots WHERE unit_id = ?').get(xingfu);
const contacts = () =>
  app.booted.db
    .prepare('SELECT role, name, mobile, email FROM unit_contacts WHERE unit_id = ? ORDER BY role')
    .all(xingfu);

describe('the office sets a unit’s contacts and group robot', () => {
  it('is linked from the units list and shows whom overdue problems are copied to', async () => {
    const office = await as('office');
    expect((await office.get('/units')).text).toContain(`href="/units/${xingfu}/contacts"`);
    const page = await office.get(`/units/${xingfu}/contacts`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('幸福社区居委会');
    // 幸福社区 is 包联ed by 区委宣传部, whose leader is 林部长
    expect(page.text).toMatch(/本单位对应<strong>幸福社区<\/strong>/);
    expect(page.text).toContain('区委宣传部');
    expect(page.text).toContain('林部长（区委宣传部）');
    expect(page.text).toContain('https://oapi.dingtalk.com/robot/send?access_token=…');
    expect(page.text).toMatch(/问题逾期 \d+ 天仍未整改时，提醒抄送问题所在社区的包联单位/);
    // and the 包联 unit's own page names the 社区 whose overdue problems reach it
    const liaison = await office.get(`/units/${unitIdOf(app.booted.db, 'L-XCB')}/contacts`);
    expect(liaison.text).toMatch(/本单位包联<strong>[^<]*幸福社区[^<]*<\/strong>/);
    expect(liaison.text).toContain('包联领导：林部长（区委宣传部）');
  });

  it('saves both contacts and a 钉钉 robot; the secret is shown masked and never logged', async () => {
    const saved = await save(form({ 'robot.secret': SECRET }));
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/units/${xingfu}/contacts`);
    expect(contacts()).toEqual([
      { role: 'head', name: '吴书记', mobile: '13812345678', email: 'wu@xingfu.gov.cn' },
      // spaces between the digits are dropped; an empty e-mail is none
      { role: 'liaison', name: '陈联络', mobile: '13912345678', email: null },
    ]);
    expect(robot()).toEqual({ kind: 'dingtalk', webhook: DING, secret: SECRET });

    const page = await (await as('office')).get(`/units/${xingfu}/contacts`);
    expect(page.text).toContain('已保存联系人与群机器人');
    expect(page.text).toContain(`SEC••••••••${SECRET.slice(-4)}`);
    expect(page.text).not.toContain(SECRET);
    const audit = one(
      "SELECT detail FROM audit_log WHERE action = 'unit.contacts' AND entity_id = ? ORDER BY id DESC",
      xingfu,
    ) as string;
    expect(audit).toContain('吴书记');
    expect(audit).toContain('"secret":"new"');
    expect(audit).not.toContain(SECRET);
    // the webhook's token lets anyone post into the group: the audit log keeps only its last 4
    expect(audit).not.toContain(DING_TOKEN);
    expect(audit).toContain('"webhook":"oapi.dingtalk.com/robot/send?access_token=…b6c8"');
    // the office's own form has it whole, to edit
    expect(page.text).toContain(`value="${DING}"`);
  });

  it('keeps the secret when none is typed, replaces it when one is, clears it on request', async () => {
    await save(form({ 'robot.secret': SECRET }));
    expect((await save(form({ 'liaison.email': 'chen@xingfu.gov.cn' }))).status).toBe(303);
    expect(robot()).toEqual({ kind: 'dingtalk', webhook: DING, secret: SECRET });

    const other = `SEC${'ABCDEF01'.repeat(8)}`;
    await save(form({ 'robot.secret': other }));
    expect((robot() as { secret: string }).secret).toBe(other);

    await save(form({ 'robot.clearSecret': '1' }));
    expect(robot()).toEqual({ kind: 'dingtalk', webhook: DING, secret: null });
    expect(one("SELECT detail FROM audit_log WHERE action = 'unit.contacts' ORDER BY id DESC")).toContain(
      '"secret":"cleared"',
    );
  });

  it('saving the same values again changes nothing and logs nothing', async () => {
    await save(form());
    const audits = one("SELECT count(*) FROM audit_log WHERE action = 'unit.contacts'");
    const again = await save(form());
    expect(again.status).toBe(303);
    expect((await (await as('office')).get(again.location!)).text).toContain('没有变化');
    expect(one("SELECT count(*) FROM audit_log WHERE action = 'unit.contacts'")).toBe(audits);
  });

  it('switches to 企业微信 (dropping 钉钉’s secret), and 不设 removes the robot and empty contacts', async () => {
    await save(form({ 'robot.secret': SECRET }));
    await save(form({ 'robot.kind': 'wecom', 'robot.webhook': WECOM }));
    expect(robot()).toEqual({ kind: 'wecom', webhook: WECOM, secret: null });

    // 不设 with the stored address still in the field: the robot goes
    const none = await save(
      form({ 'robot.kind': '', 'robot.webhook': WECOM, 'liaison.name': '', 'liaison.mobile': '' }),
    );
    expect(none.status).toBe(303);
    expect(robot()).toBeUndefined();
    expect(contacts()).toHaveLength(1);
  });

  it('accepts another host (a proxy) and says which form is expected', async () => {
    const proxied = 'http://10.2.3.4:8080/dingtalk/robot/send?access_token=abc';
    expect((await save(form({ 'robot.webhook': proxied }))).status).toBe(303);
    expect((robot() as { webhook: string }).webhook).toBe(proxied);
    const page = await (await as('office')).get(`/units/${xingfu}/contacts`);
    expect(page.text).toContain('群机器人地址不是钉钉的常见格式');
  });
});

describe('bad input: a clear message by its field, nothing stored', () => {
  const cases: [string, Record<string, string>, string][] = [
    [
      'an ftp address',
      { 'robot.webhook': 'ftp://oapi.dingtalk.com/robot/send' },
      '群机器人地址必须以 http:// 或 https:// 开头',
    ],
    [
      'no scheme at all',
      { 'robot.webhook': 'oapi.dingtalk.com/robot/send' },
      '群机器人地址必须以 http:// 或 https:// 开头',
    ],
    [
      'a space inside',
      { 'robot.webhook': 'https://oapi.dingtalk.com/robot/send?access_token=a b' },
      '群机器人地址不能含空格、换行或控制字符',
    ],
    ['a line break', { 'robot.webhook': `${DING}\nX-Evil: 1` }, '群机器人地址不能含空格、换行或控制字符'],
    [
      'over 500 characters',
      { 'robot.webhook': `${DING}${'a'.repeat(480)}` },
      '群机器人地址不能超过 500 个字符',
    ],
    ['a robot without address', { 'robot.webhook': '' }, '请填写群机器人地址'],
    [
      'a 企业微信 address as 钉钉',
      { 'robot.webhook': WECOM },
      '这是企业微信群机器人的地址，请把类型选为“企业微信”',
    ],
    ['a short secret', { 'robot.secret': 'SEC123' }, '加签密钥应为 SEC 开头的 67 位字符'],
    ['a secret without SEC', { 'robot.secret': 'abc'.padEnd(67, '0') }, '加签密钥应为 SEC 开头的 67 位字符'],
    [
      'a secret that is not hex',
      { 'robot.secret': `SEC${'g'.repeat(64)}` },
      '加签密钥应为 SEC 开头的 67 位字符',
    ],
    [
      'a secret for 企业微信',
      { 'robot.kind': 'wecom', 'robot.webhook': WECOM, 'robot.secret': SECRET },
      '企业微信群机器人不使用加签密钥，请清空该项',
    ],
    ['an unknown kind', { 'robot.kind': 'slack' }, '群机器人类型应为“企业微信”或“钉钉”，或不设'],
    [
      'an address under 不设',
      { 'robot.kind': '', 'robot.webhook': 'https://example.org/new' },
      '填写了群机器人地址，请选择群机器人类型（企业微信或钉钉）',
    ],
    [
      'an e-mail without @',
      { 'head.email': 'wu.xingfu.gov.cn' },
      '负责人邮箱“wu.xingfu.gov.cn”不是有效的电子邮件地址',
    ],
    [
      'an e-mail with a space',
      { 'liaison.email': 'chen @xingfu.gov.cn' },
      '联络员邮箱“chen @xingfu.gov.cn”不是有效的电子邮件地址',
    ],
    [
      'a 10-digit mobile',
      { 'head.mobile': '1381234567' },
      '负责人手机号应为 11 位中国大陆手机号码（以 1 开头）',
    ],
    [
      'a landline',
      { 'liaison.mobile': '0571-87654321' },
      '联络员手机号应为 11 位中国大陆手机号码（以 1 开头）',
    ],
    ['a mobile without a name', { 'liaison.name': '' }, '填写了联络员的手机或邮箱，请同时填写联络员姓名'],
    ['a name over 40 characters', { 'head.name': '吴'.repeat(41) }, '负责人姓名不能超过 40 个字符'],
  ];

  it.each(cases)('%s', async (_what, changes, message) => {
    await save(form({ 'robot.secret': SECRET }));
    const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
    const refused = await save(form(changes));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`class="field-error">${message}<`);
    expect(refused.text).toContain('未保存');
    expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
  });

  it('shows every wrong field at once and what was typed, never a typed secret', async () => {
    const refused = await save(
      form({ 'head.mobile': '12', 'head.email': 'x@', 'robot.webhook': 'ftp://x', 'robot.secret': 'SECbad' }),
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('共 4 处有误，未保存');
    expect(refused.text).toContain('value="ftp://x"');
    expect(refused.text).not.toContain('SECbad');
  });

  it('a field sent twice is refused, not read as empty', async () => {
    const office = await as('office');
    await office.get(`/units/${xingfu}/contacts`);
    const body = new URLSearchParams({ ...form(), _csrf: office.csrf! });
    body.append('robot.kind', 'wecom');
    const res = await fetch(`${app.url}/units/${xingfu}/contacts`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...office.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body,
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('群机器人类型应为“企业微信”或“钉钉”，或不设');
  });

  it('an unknown unit or a bad id is 404', async () => {
    expect((await save(form(), 999999)).status).toBe(404);
    const office = await as('office');
    expect((await office.get('/units/abc/contacts')).status).toBe(404);
  });
});

describe('who may see and change it', () => {
  it('the unit itself and the 镇街 above it read it, without a form and without the robot’s key', async () => {
    await save(form({ 'robot.secret': SECRET }));
    for (const user of ['xingfu', 'donghu']) {
      const page = await (await as(user)).get(`/units/${xingfu}/contacts`);
      expect(page.status, user).toBe(200);
      expect(page.text).toContain('吴书记');
      expect(page.text).toContain('13812345678');
      expect(page.text).toContain('钉钉（已设置加签密钥）');
      expect(page.text).not.toContain('name="head.name"');
      expect(page.text).not.toContain(SECRET);
      expect(page.text).not.toContain(DING_TOKEN);
      expect(page.text).toContain('oapi.dingtalk.com/robot/send?access_token=…b6c8');
      expect(page.text).toContain('如需修改，请联系创城办');
    }
  });

  it('the unit cannot change it; other units, inspectors and leaders cannot see it', async () => {
    const others = ['chengguan', 'inspector1', 'leader-xcb'];
    for (const user of others) await as(user); // logged in before the snapshot (a login is audited)
    const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
    const unit = await as('xingfu');
    await unit.get(`/units/${xingfu}/contacts`);
    expect((await unit.post(`/units/${xingfu}/contacts`, form({ 'head.name': '改名' }))).status).toBe(403);
    for (const user of others) {
      const page = await (await as(user)).get(`/units/${xingfu}/contacts`);
      expect(page.status, user).toBe(403);
      expect(page.text).toContain('只能查看本单位的联系人和群机器人');
    }
    expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
    const visitor = await new Client(app.url).get(`/units/${xingfu}/contacts`);
    expect(visitor.status).toBe(303);
    expect(visitor.location).toContain('/login');
  });
});

describe('the units workbook carries contacts and robots', () => {
  const OLD_HEAD = ['单位编码', '单位名称', '类别', '部门名称', '上级单位编码', '对应镇街/社区'];
  const CONTACT_HEAD = ['负责人', '负责人手机', '负责人邮箱', '联络员', '联络员手机', '联络员邮箱'];
  const ROBOT_HEAD = ['群机器人类型', '机器人地址', '加签密钥'];
  const HEAD = [...OLD_HEAD, ...CONTACT_HEAD, ...ROBOT_HEAD];
  /** A 部门 unit's row in the full workbook: 区X局 of department X局, with the cells named by header. */
  const unitRow = (code: string, name: string, cells: Record<string, unknown> = {}): unknown[] => {
    const own: Record<string, unknown> = {
      单位编码: code,
      单位名称: name,
      类别: '部门',
      部门名称: name.slice(1),
    };
    return HEAD.map((h) => own[h] ?? cells[h] ?? '');
  };

  async function upload(rows: unknown[][]) {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('责任单位');
    for (const r of rows) ws.addRow(r);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(await wb.xlsx.writeBuffer())]), 'units.xlsx');
    const office = await as('office');
    await office.get('/imports');
    return office.postMultipart('/imports/units', form, { csrf: 'field' });
  }
  async function download(path: string): Promise<ExcelJS.Worksheet> {
    const { status, body } = await (await as('office')).bytes(path);
    expect(status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as never);
    return wb.getWorksheet('责任单位')!;
  }
  const contactsOf = (code: string) =>
    app.booted.db
      .prepare(
        'SELECT c.role, c.name, c.mobile, c.email FROM unit_contacts c JOIN units u ON u.id = c.unit_id WHERE u.code = ? ORDER BY c.role',
      )
      .all(code);
  const robotOf = (code: string) =>
    app.booted.db
      .prepare(
        'SELECT r.kind, r.webhook, r.secret FROM unit_robots r JOIN units u ON u.id = r.unit_id WHERE u.code = ?',
      )
      .get(code);

  it('a workbook written before the new columns imports as it always did', async () => {
    const r = await upload([OLD_HEAD, ['D-OLD', '区老表局', '部门', '老表局', '', '']]);
    expect(r.status).toBe(200);
    expect(r.text).toContain('已导入责任单位 1 条');
    expect(contactsOf('D-OLD')).toEqual([]);
    expect(robotOf('D-OLD')).toBeUndefined();
  });

  it('imports each unit’s contacts and robot; a row without them gets none', async () => {
    const r = await upload([
      HEAD,
      unitRow('D-NEW1', '区新一局', {
        负责人: '孙局长',
        负责人手机: 13700001111,
        负责人邮箱: 'sun@xinyi.gov.cn',
        群机器人类型: '钉钉',
        机器人地址: DING,
        加签密钥: SECRET,
      }),
      unitRow('D-NEW2', '区新二局', {
        联络员: '钱联络',
        联络员手机: '13700002222',
        群机器人类型: '企业微信',
        机器人地址: WECOM,
      }),
      unitRow('D-NEW3', '区新三局'),
    ]);
    expect(r.status).toBe(200);
    expect(r.text).toContain('已导入责任单位 3 条');
    // a mobile typed as a number in Excel reads as its digits
    expect(contactsOf('D-NEW1')).toEqual([
      { role: 'head', name: '孙局长', mobile: '13700001111', email: 'sun@xinyi.gov.cn' },
    ]);
    expect(robotOf('D-NEW1')).toEqual({ kind: 'dingtalk', webhook: DING, secret: SECRET });
    expect(contactsOf('D-NEW2')).toEqual([
      { role: 'liaison', name: '钱联络', mobile: '13700002222', email: null },
    ]);
    expect(robotOf('D-NEW2')).toEqual({ kind: 'wecom', webhook: WECOM, secret: null });
    expect(contactsOf('D-NEW3')).toEqual([]);
    expect(robotOf('D-NEW3')).toBeUndefined();
    const audit = one(
      "SELECT detail FROM audit_log WHERE action = 'unit.contacts' AND entity_id = ?",
      unitIdOf(app.booted.db, 'D-NEW1'),
    ) as string;
    expect(audit).toContain('孙局长');
    expect(audit).not.toContain(SECRET);
  });

  it('one bad row and nothing is imported, each message by its row and column', async () => {
    await as('office'); // logged in before the snapshot (a login is audited)
    const before = snapshot(app.booted.db, join(app.dir, 'uploads'));
    const r = await upload([
      HEAD,
      unitRow('D-OK', '区好局', { 负责人: '周局长', 负责人手机: '13700003333' }),
      unitRow('D-BAD1', '区坏一局', { 负责人: '吴', 负责人手机: '2700003333', 负责人邮箱: 'wu@' }),
      unitRow('D-BAD2', '区坏二局', { 群机器人类型: '企业微信', 机器人地址: WECOM, 加签密钥: SECRET }),
      unitRow('D-BAD3', '区坏三局', {
        群机器人类型: '钉钉',
        机器人地址: 'ftp://oapi.dingtalk.com/x',
        加签密钥: 'SEC1',
      }),
      unitRow('D-BAD4', '区坏四局', { 联络员手机: '13700004444', 机器人地址: 'https://example.org/hook' }),
    ]);
    expect(r.status).toBe(400);
    // exactly these messages, the good row 2 in none of them
    const listed = /<ul class="import-errors">([\s\S]*?)<\/ul>/.exec(r.text)?.[1] ?? '';
    expect([...listed.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1])).toEqual([
      '第3行「负责人手机」负责人手机号应为 11 位中国大陆手机号码（以 1 开头）',
      '第3行「负责人邮箱」负责人邮箱“wu@”不是有效的电子邮件地址',
      '第4行「加签密钥」企业微信群机器人不使用加签密钥，请清空该项',
      '第5行「机器人地址」群机器人地址必须以 http:// 或 https:// 开头',
      '第5行「加签密钥」加签密钥应为 SEC 开头的 67 位字符',
      '第6行「联络员」填写了联络员的手机或邮箱，请同时填写联络员姓名',
      '第6行「群机器人类型」填写了群机器人地址，请选择群机器人类型（企业微信或钉钉）',
    ]);
    expect(snapshot(app.booted.db, join(app.dir, 'uploads'))).toEqual(before);
  });

  it('a robot type that is neither is refused by the column', async () => {
    const r = await upload([
      [...OLD_HEAD, ...ROBOT_HEAD],
      ['D-SLACK', '区松弛局', '部门', '松弛局', '', '', '飞书', 'https://open.feishu.cn/hook', ''],
    ]);
    expect(r.status).toBe(400);
    expect(r.text).toContain('第2行「群机器人类型」只能填写：企业微信、钉钉（现为“飞书”）');
    expect(one("SELECT count(*) FROM units WHERE code = 'D-SLACK'")).toBe(0);
  });

  it('the template has the columns; the export has what is stored, never the secret', async () => {
    const template = await download('/imports/units/template.xlsx');
    const head = (template.getRow(1).values as unknown[]).slice(1);
    expect(head).toEqual(HEAD);

    await save(form({ 'robot.secret': SECRET }));
    const exported = await download('/imports/units/export.xlsx');
    // the export has a title row above the header
    const headers = (exported.getRow(2).values as unknown[]).slice(1) as string[];
    expect(exported.getRow(1).getCell(1).value).toBe('责任单位清单');
    const row = exported.getSheetValues().find((v) => Array.isArray(v) && v[1] === 'C-DH-1') as unknown[];
    const cell = (h: string) => row[headers.indexOf(h) + 1] ?? '';
    expect(cell('负责人')).toBe('吴书记');
    expect(cell('负责人手机')).toBe('13812345678');
    expect(cell('群机器人类型')).toBe('钉钉');
    expect(cell('机器人地址')).toBe(DING);
    expect(cell('加签密钥')).toBe('');
  });
});
