// Rounds choose their methods: the new-round form (实地考察 and/or 材料审核), a documents-only round's
// page (no sites, no 分工), the 材料审核 panel's counts for tasks put in known states, the round list's
// 测评方法 column, and the close confirmation naming the submitted tasks still unscored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, scalar, type TestApp, type Reply } from '../helpers/app.ts';
import { versionIdOf } from '../helpers/ids.ts';
import { roundTasks, updateTask } from '../../src/db/repos/document-tasks.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';

let app: TestApp;
let office: Client;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const count = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args) as number;

/** The form as a browser sends it: the ticked methods as repeated fields, the form's marker. */
async function createRound(fields: Record<string, string>, methods: string[]): Promise<Reply> {
  await office.get('/rounds/new');
  const body = new URLSearchParams({
    _csrf: office.csrf!,
    name: '',
    startsOn: shanghaiDate(),
    endsOn: addDays(shanghaiDate(), 6),
    mode: 'all',
    perType: '3',
    seed: '1',
    methodsShown: '1',
    ...fields,
  });
  for (const m of methods) body.append('methods', m);
  const res = await fetch(`${app.url}/rounds`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(office) },
    body,
  });
  return {
    status: res.status,
    headers: res.headers,
    text: await res.text(),
    location: res.headers.get('location'),
  };
}
// the Client keeps its cookies to itself; a GET through it and a raw POST share them this way
const cookieOf = (c: Client) =>
  [...(c as unknown as { cookies: Map<string, string> }).cookies].map(([k, v]) => `${k}=${v}`).join('; ');

const newId = (r: Reply) => Number(/\/rounds\/(\d+)$/.exec(r.location ?? '')?.[1]);

describe('the new-round form', () => {
  it('offers 实地考察 (ticked) and 材料审核 with its line, naming the versions that have task standards', async () => {
    const page = await office.get('/rounds/new');
    expect(page.text).toContain('<legend>测评方法</legend>');
    expect(page.text).toMatch(/<input type="checkbox" name="methods" value="field" checked/);
    expect(page.text).toMatch(/<input type="checkbox" name="methods" value="document" >/);
    expect(page.text).toContain('各单位按测评体系上传材料，创城办审核评分');
    expect(page.text).toContain('含材料审核与网上申报');
    expect(page.text).toContain('不含实地考察的轮次不需要选择，将被忽略');
  });

  it('refuses 材料审核 on district-2026 (no task standards) with the message by the field, the ticks kept, nothing stored', async () => {
    const before = count('SELECT count(*) FROM rounds');
    const r = await createRound(
      { name: '不该创建的轮次', criteriaVersionId: String(versionIdOf(db(), 'district-2026')) },
      ['field', 'document'],
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain(
      '<span class="field-error" id="methods-error">所选测评体系版本没有需要单位提交材料的标准（材料审核 / 网上申报），不能组织材料审核</span>',
    );
    expect(r.text).toMatch(/value="field" checked/);
    expect(r.text).toMatch(/value="document" checked/);
    expect(r.text).toContain('value="不该创建的轮次"');
    expect(count('SELECT count(*) FROM rounds')).toBe(before);
  });

  it('refuses a form with no method ticked', async () => {
    const r = await createRound(
      { name: '没有方法', criteriaVersionId: String(versionIdOf(db(), 'district-2026-2')) },
      [],
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain('至少选择一种测评方法');
  });

  it('creates a field + document round on district-2026-2 with its sites', async () => {
    const r = await createRound(
      { name: '实地加材料', criteriaVersionId: String(versionIdOf(db(), 'district-2026-2')) },
      ['field', 'document'],
    );
    expect(r.status).toBe(303);
    const id = newId(r);
    expect(scalar(db(), 'SELECT methods FROM rounds WHERE id = ?', id)).toBe('field,document');
    expect(count('SELECT count(*) FROM round_sites WHERE round_id = ?', id)).toBe(
      count('SELECT count(*) FROM sites WHERE retired_at IS NULL'),
    );
  });

  it('creates a documents-only round with no sites, whatever the site selection says', async () => {
    const r = await createRound(
      {
        name: '12月材料审核',
        criteriaVersionId: String(versionIdOf(db(), 'district-2026-2')),
        mode: 'types', // no type ticked: ignored without field work
      },
      ['document'],
    );
    expect(r.status).toBe(303);
    const id = newId(r);
    expect(scalar(db(), 'SELECT methods FROM rounds WHERE id = ?', id)).toBe('document');
    expect(count('SELECT count(*) FROM round_sites WHERE round_id = ?', id)).toBe(0);
    const page = await office.get(`/rounds/${id}`);
    expect(page.text).toContain('已创建测评轮次；开启后各单位即收到材料任务。');
    expect(page.text).toContain('<dt>测评方法</dt><dd>材料审核</dd>');
    expect(page.text).toContain('本轮只做材料审核，不安排实地考察，没有测评点位。');
    expect(page.text).not.toContain('测评分工');
    expect(page.text).not.toContain('审核测评表');
    expect(page.text).toContain('本轮开启时，按测评体系中的 17 项材料标准');
  });
});

describe('a documents-only round once open', () => {
  let id = 0;
  beforeAll(async () => {
    const r = await createRound(
      { name: '材料审核轮次', criteriaVersionId: String(versionIdOf(db(), 'district-2026-2')) },
      ['document'],
    );
    id = newId(r);
    // the district's unit (区创城办) retired: its three tasks have nobody to answer them
    db().prepare("UPDATE units SET retired_at = '2026-12-01T00:00:00.000Z' WHERE code = 'Q-CCB'").run();
    await office.get(`/rounds/${id}`);
    expect((await office.post(`/rounds/${id}/open`)).status).toBe(303);
    // put six tasks in known states (the rest stay 未提交: their dates are 20 and 25 days from today, or fixed later)
    const tasks = roundTasks(db(), id);
    const [a, b, c, d, e, f] = tasks;
    const today = shanghaiDate();
    updateTask(db(), a!.id, { status: 'submitted', submitted_at: new Date().toISOString() });
    updateTask(db(), b!.id, { status: 'submitted', submitted_at: new Date().toISOString() });
    updateTask(db(), c!.id, { status: 'returned', return_reason: '缺照片', extended_to: addDays(today, 3) });
    updateTask(db(), d!.id, { status: 'scored', result: 'fail', cases: 2 });
    updateTask(db(), e!.id, { status: 'scored', result: 'ok', cases: 0 });
    // past its extension: 逾期未交
    updateTask(db(), f!.id, { extended_to: addDays(today, -1) });
  });

  it('has the version’s tasks for every 社区, 镇街, department and the district', () => {
    // 13 社区 × 6 + 4 镇街 × 4 + 4 departments + 3 district tasks
    expect(roundTasks(db(), id)).toHaveLength(13 * 6 + 4 * 4 + 4 + 3);
  });

  it('shows the 材料审核 panel: tasks per state, each linking to the review queue', async () => {
    const page = await office.get(`/rounds/${id}`);
    expect(page.text).toContain('共 101 项材料任务（17 项标准）');
    const cell = (state: string, n: number) =>
      `data-state="${state}"><a href="/rounds/${id}/tasks?state=${state}">${n}</a>`;
    expect(page.text).toContain(cell('pending', 95));
    expect(page.text).toContain(cell('overdue', 1));
    expect(page.text).toContain(cell('submitted', 2));
    expect(page.text).toContain(cell('returned', 1));
    expect(page.text).toContain(cell('scored', 2));
    expect(page.text).toContain('已评分中 1 项不合格');
    // the 区级 unit retired above: the district's three tasks have nobody to answer them
    expect(page.text).toContain('3 项为“无责任单位”');
    expect(page.text).toContain(`href="/rounds/${id}/tasks/board"`);
    expect(page.text).toContain(`href="/rounds/${id}/materials.zip"`);
  });

  it('lists the round with its methods at /rounds', async () => {
    const list = await office.get('/rounds');
    expect(list.text).toContain('<th>测评方法</th>');
    const row = new RegExp(
      `href="/rounds/${id}">材料审核轮次</a>[\\s\\S]*?<td><span class="nowrap">材料审核</span></td>`,
    );
    expect(list.text).toMatch(row);
    expect(list.text).toContain('<td><span class="nowrap">实地考察</span></td>');
    // the demo's 综合测评 round names both
    expect(list.text).toContain(
      '<td><span class="nowrap">实地考察、</span><span class="nowrap">材料审核</span></td>',
    );
  });

  it('says on the close confirmation how many submitted tasks are still unscored, and does not block', async () => {
    const ask = await office.post(`/rounds/${id}/close`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('还有 2 项材料任务已提交、尚未评分');
    expect(scalar(db(), 'SELECT status FROM rounds WHERE id = ?', id)).toBe('open');
    const done = await office.post(`/rounds/${id}/close`, { confirmed: '1' });
    expect(done.status).toBe(303);
    expect(scalar(db(), 'SELECT status FROM rounds WHERE id = ?', id)).toBe('closed');
  });
});
