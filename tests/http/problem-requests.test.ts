// The problem loop as a unit, the office and an inspector meet it: 转办 to the unit the request names
// (pre-selected for the office, never defaulted), refused forms shown again with what was typed and the
// reason by the field (and nothing changed), the inspector's 复查 list, the board's filters, after-photos
// flagged by their EXIF time, and the 整改通知单 naming its round and standards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { dbFingerprint } from '../helpers/routes.ts';
import { ROOT } from '../helpers/run.ts';
import { roundWithStatus, unitIdOf } from '../helpers/ids.ts';

const NO_EXIF = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
/** EXIF DateTimeOriginal 2008-05-30 15:56:01 (+08:00 as the app reads it), no GPS */
const CANON_2008 = readFileSync(join(ROOT, 'tests/fixtures/photos/Canon_40D.jpg'));
let app: TestApp;
let office: Client;
let published: number;
beforeAll(async () => {
  app = await startApp();
  office = await as('office');
  published = roundWithStatus(db(), 'published');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);
const unitId = (code: string) => unitIdOf(db(), code);

async function as(username: string) {
  const c = new Client(app.url);
  await c.login(username);
  return c;
}

function form(fields: Record<string, string>, photos: Buffer[] = []): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  photos.forEach((p, i) => f.append('photos', new Blob([new Uint8Array(p)]), `photo-${i}.jpg`));
  return f;
}

/** Posts a problem page's form as the browser does; a refusal answers with the page itself. */
async function post(
  c: Client,
  id: number,
  action: string,
  fields: Record<string, string>,
  photos: Buffer[] = [],
) {
  await c.get(`/problems/${id}`);
  if (action === 'decide') return c.post(`/problems/${id}/decide`, fields);
  return c.postMultipart(`/problems/${id}/${action}`, form(fields, photos), { csrf: 'field' });
}

/** Asserts a refusal: the status, the page again with the message and what was typed, nothing changed. */
async function refused(
  run: () => Promise<{ status: number; text: string }>,
  status: number,
  message: string,
  typed: string[],
) {
  const before = dbFingerprint(db());
  const r = await run();
  expect(r.status).toBe(status);
  expect(r.text).toContain(`<span class="field-error">${message}</span>`);
  expect(r.text).not.toContain('请求无法完成');
  for (const t of typed) expect(r.text).toContain(t);
  expect(dbFingerprint(db())).toEqual(before);
  return r.text;
}

/** An open problem of this unit in the published round that nobody has acted on yet. */
function untouched(unitCode: string, skip = 0): number {
  return one(
    `SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id WHERE u.code = ? AND p.round_id = ? AND p.status = 'open'
       AND p.request IS NULL AND NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.action <> 'raise')
     ORDER BY p.id LIMIT 1 OFFSET ?`,
    unitCode,
    published,
    skip,
  ) as number;
}

/** The options of the named <select>, and which one is selected. */
function select(page: string, name: string): { values: string[]; selected: string[] } {
  const body = new RegExp(`<select name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(page)?.[1] ?? '';
  const options = [...body.matchAll(/<option value="([^"]*)"([^>]*)>/g)];
  return {
    values: options.map((m) => m[1]!),
    selected: options.filter((m) => /selected/.test(m[2]!)).map((m) => m[1]!),
  };
}

describe('转办: the unit names the unit, the office decides from it', () => {
  it('unit chooses 区市场监管局, the office sees it pre-selected, must choose, and the problem moves there', async () => {
    const id = untouched('D-CGJ');
    const market = unitId('D-SCJG');
    const unit = await as('chengguan');
    const page = (await unit.get(`/problems/${id}`)).text;
    const choice = select(page, 'unitId');
    expect(choice.values[0]).toBe('');
    expect(page).toContain('<option value="">请选择</option>');
    expect(choice.selected).toEqual([]);
    // its own unit is not offered
    expect(choice.values).not.toContain(String(unitId('D-CGJ')));
    expect(choice.values).toContain(String(market));

    await refused(
      () => post(unit, id, 'request', { kind: 'transfer', note: '属于市场监管职责', unitId: '' }).then(page2),
      400,
      '请选择应由哪个单位整改',
      ['属于市场监管职责'],
    );
    await refused(
      () =>
        post(unit, id, 'request', {
          kind: 'transfer',
          note: '属于市场监管职责',
          unitId: String(unitId('D-CGJ')),
        }).then(page2),
      400,
      '该问题现在就由这个单位负责，请选择另一个单位',
      ['属于市场监管职责'],
    );
    const ok = await post(unit, id, 'request', {
      kind: 'transfer',
      note: '属于市场监管职责',
      unitId: String(market),
    });
    expect(ok.status).toBe(303);
    expect(one('SELECT request_unit_id FROM problems WHERE id = ?', id)).toBe(market);
    expect((await unit.get(`/problems/${id}`)).text).toContain('申请改由 区市场监管局 整改');

    const officePage = (await office.get(`/problems/${id}`)).text;
    expect(select(officePage, 'unitId').selected).toEqual([String(market)]);
    expect(officePage).toContain('申请改由「区市场监管局」整改，已预先选中');
    // the office clears the choice: refused, nothing changed, still its unit
    await refused(
      () => post(office, id, 'decide', { approve: '1', note: '同意', unitId: '' }).then(page2),
      400,
      '请选择改由哪个单位整改',
      ['同意'],
    );
    expect(one('SELECT unit_id FROM problems WHERE id = ?', id)).toBe(unitId('D-CGJ'));
    const done = await post(office, id, 'decide', { approve: '1', note: '', unitId: String(market) });
    expect(done.status).toBe(303);
    expect(one('SELECT unit_id, request, request_unit_id FROM problems WHERE id = ?', id)).toBe(market);
    expect(db().prepare('SELECT request, request_unit_id FROM problems WHERE id = ?').get(id)).toEqual({
      request: null,
      request_unit_id: null,
    });
    expect((await (await as('shichang')).get(`/problems/${id}`)).status).toBe(200);
  });

  it('an old 转办 request with no unit stored still works: nothing pre-selected, the office chooses', async () => {
    const id = untouched('D-CGJ', 1);
    db()
      .prepare(
        "UPDATE problems SET request = 'transfer', request_note = '旧申请', request_unit_id = NULL WHERE id = ?",
      )
      .run(id);
    const page = (await office.get(`/problems/${id}`)).text;
    expect(select(page, 'unitId').selected).toEqual([]);
    expect(page).toContain('申请时未指明单位，请选择。');
    const target = unitId('D-ZJJ');
    expect(
      (await post(office, id, 'decide', { approve: '1', note: '', unitId: String(target) })).status,
    ).toBe(303);
    expect(one('SELECT unit_id FROM problems WHERE id = ?', id)).toBe(target);
  });
});

/** a reply as {status, text} */
function page2(r: { status: number; text: string }) {
  return { status: r.status, text: r.text };
}

describe('refused forms are shown again with what was typed and the reason by the field', () => {
  it('延期 without a date, on or before the current deadline, or in the past; dates asked for with a date field', async () => {
    const id = untouched('D-CGJ', 2);
    const deadline = one('SELECT deadline FROM problems WHERE id = ?', id) as string;
    const unit = await as('chengguan');
    const page = (await unit.get(`/problems/${id}`)).text;
    expect(page).toContain('<input type="date" name="deadline"');
    expect(page).not.toContain('YYYY-MM-DD');
    const text = await refused(
      () => post(unit, id, 'request', { kind: 'extension', note: '需采购设备', deadline: '' }).then(page2),
      400,
      `请选择新的整改时限（须晚于当前时限 ${deadline}）`,
      ['需采购设备'],
    );
    // the 延期 part is open again, so the message is in sight
    expect(text).toMatch(/<details open>\s*<summary>申请延期/);
    await refused(
      () => post(unit, id, 'request', { kind: 'extension', note: '需采购设备', deadline }).then(page2),
      400,
      `新的整改时限须晚于当前时限 ${deadline}，请选择 ${dayAfter(deadline)} 或更晚的日期`,
      ['需采购设备', `value="${deadline}"`],
    );
    // an overdue problem: a new date after the old deadline but already past is refused too
    db().prepare("UPDATE problems SET deadline = '2020-01-01' WHERE id = ?").run(id);
    await refused(
      () =>
        post(unit, id, 'request', { kind: 'extension', note: '需采购设备', deadline: '2020-06-01' }).then(
          page2,
        ),
      400,
      `新的整改时限不能早于今天（${today()}）`,
      ['需采购设备', 'value="2020-06-01"'],
    );
    db().prepare('UPDATE problems SET deadline = ? WHERE id = ?').run(deadline, id);
    // the office's own date is checked the same way
    expect(
      (await post(unit, id, 'request', { kind: 'extension', note: '需采购设备', deadline: '2099-12-31' }))
        .status,
    ).toBe(303);
    await refused(
      () => post(office, id, 'decide', { approve: '1', note: '可以', deadline: '2000-01-01' }).then(page2),
      400,
      `新的整改时限须晚于当前时限 ${deadline}，请选择 ${dayAfter(deadline)} 或更晚的日期`,
      ['可以'],
    );
    // 驳回 without a reason
    await refused(
      () => post(office, id, 'decide', { approve: '0', note: '' }).then(page2),
      400,
      '请填写不同意的理由',
      [],
    );
    expect((await post(office, id, 'decide', { approve: '0', note: '时限足够' })).status).toBe(303);
    expect(one('SELECT deadline FROM problems WHERE id = ?', id)).toBe(deadline);
  });

  it('a fix report without after-photo or without a note, and a 复查退回 without a reason', async () => {
    const id = untouched('D-CGJ', 3);
    const unit = await as('chengguan');
    await refused(
      () => post(unit, id, 'fix', { note: '已清理小广告' }).then(page2),
      400,
      '请至少上传一张整改后照片',
      ['已清理小广告'],
    );
    await refused(
      () => post(unit, id, 'fix', { note: '' }, [NO_EXIF]).then(page2),
      400,
      '请填写整改情况',
      [],
    );
    expect((await post(unit, id, 'fix', { note: '已清理小广告' }, [NO_EXIF])).status).toBe(303);
    const text = await refused(
      () => post(office, id, 'reinspect', { outcome: 'reject', note: '' }, [NO_EXIF]).then(page2),
      400,
      '请填写退回原因',
      [],
    );
    expect(text).toContain('name="outcome" value="reject" checked');
    expect(one('SELECT status FROM problems WHERE id = ?', id)).toBe('fixed');
  });

  it('a form no longer on the page (the problem moved on) says why at the top, not on an error page', async () => {
    const id = untouched('D-CGJ', 4);
    const r = await post(office, id, 'reinspect', { outcome: 'pass', note: '' }, [NO_EXIF]);
    expect(r.status).toBe(409);
    expect(r.text).toContain('<p class="alert error" role="alert">该问题现为“待整改”，不能复查</p>');
    expect(r.text).toContain(`问题 #${id}`);
  });
});

function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

describe('after-photos are checked like inspectors’ photos', () => {
  it('flags an after-photo taken (EXIF) before the problem was raised, and not one without a time', async () => {
    const id = untouched('D-SCJG');
    const unit = await as('shichang');
    expect((await post(unit, id, 'fix', { note: '已更换' }, [CANON_2008, NO_EXIF])).status).toBe(303);
    const flags = db()
      .prepare("SELECT flags FROM photos WHERE problem_id = ? AND kind = 'fix' ORDER BY id")
      .pluck()
      .all(id) as string[];
    expect(flags.map((f) => (JSON.parse(f) as { code: string }[]).map((x) => x.code))).toEqual([
      ['taken_before_problem'],
      [],
    ]);
    const raised = one('SELECT created_at FROM problems WHERE id = ?', id) as string;
    // Asia/Shanghai is UTC+8 all year
    const raisedText = new Date(Date.parse(raised) + 8 * 3600_000)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ');
    for (const who of [unit, office]) {
      const page = (await who.get(`/problems/${id}`)).text;
      const shown = page.match(/<span class="flag">[^<]*<\/span>/g) ?? [];
      expect(shown).toEqual([
        `<span class="flag">拍摄时间 2008-05-30 15:56 早于问题交办时间 ${raisedText}</span>`,
      ]);
    }
    // the office's board marks the problem, and only problems with a doubted after-photo
    const board = (await office.get('/problems?status=fixed')).text;
    const rows = [...board.matchAll(/<tr class="[^"]*">\s*<td><a href="\/problems\/(\d+)">[\s\S]*?<\/tr>/g)];
    expect(rows.length).toBeGreaterThan(1);
    const marked = rows.filter((m) => m[0].includes('照片存疑')).map((m) => Number(m[1]));
    expect(marked).toEqual([id]);
  });
});

describe('lists', () => {
  it('the inspector’s 复查 list holds exactly the fixes waiting at sites they may re-inspect, with a count', async () => {
    // two more fixes reported, so the list has something to hold besides the demo's one
    const unit = await as('chengguan');
    for (const skip of [5, 6]) {
      const id = untouched('D-CGJ', skip);
      expect((await post(unit, id, 'fix', { note: '已整改' }, [NO_EXIF])).status).toBe(303);
    }
    const inspectors = db().prepare("SELECT id, username FROM users WHERE role = 'inspector'").all() as {
      id: number;
      username: string;
    }[];
    let seen = 0;
    for (const inspector of inspectors) {
      const expected = (
        db()
          .prepare(
            // sites of theirs in a round, and problems from outside rounds the office gave them for 复查
            `SELECT p.id FROM problems p WHERE p.status = 'fixed' AND (p.reinspector_id = ? OR EXISTS (
               SELECT 1 FROM assignments a WHERE a.round_id = p.round_id AND a.site_id = p.site_id AND a.inspector_id = ?))
             ORDER BY p.id`,
          )
          .pluck()
          .all(inspector.id, inspector.id) as number[]
      ).sort((a, b) => a - b);
      const c = await as(inspector.username);
      const page = (await c.get('/problems')).text;
      const ids = [...new Set([...page.matchAll(/href="\/problems\/(\d+)"/g)].map((m) => Number(m[1])))].sort(
        (a, b) => a - b,
      );
      expect(ids, inspector.username).toEqual(expected);
      expect(page).toContain(`<h1>待我复查的问题（${expected.length}）</h1>`);
      expect(page).not.toContain('badge pstatus-open');
      seen += expected.length;
      // the other problems they may see are behind the filter
      const all = (await c.get('/problems?status=all')).text;
      const allCount = one(
        `SELECT count(*) FROM problems p WHERE p.reinspector_id = ? OR EXISTS (SELECT 1 FROM assignments a WHERE a.round_id = p.round_id AND a.site_id = p.site_id AND a.inspector_id = ?)`,
        inspector.id,
        inspector.id,
      );
      expect(all).toContain(`<h1>我测评点位的问题（${allCount}）</h1>`);
    }
    expect(seen).toBe(one("SELECT count(*) FROM problems WHERE status = 'fixed'"));
  });

  it('the office’s board filters by pending request kind, 逾期 and 待复查, and refuses unknown values', async () => {
    const ids = (path: string) =>
      office
        .get(path)
        .then((r) => [
          ...new Set([...r.text.matchAll(/href="\/problems\/(\d+)"/g)].map((m) => Number(m[1]))),
        ]);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const q = (sql: string) => sorted(db().prepare(sql).pluck().all() as number[]);
    for (const kind of ['dispute', 'transfer', 'extension'])
      expect(sorted(await ids(`/problems?request=${kind}`)), kind).toEqual(
        q(`SELECT id FROM problems WHERE status = 'open' AND request = '${kind}'`),
      );
    expect(sorted(await ids('/problems?request=any'))).toEqual(
      q("SELECT id FROM problems WHERE status = 'open' AND request IS NOT NULL"),
    );
    expect(
      q("SELECT id FROM problems WHERE status = 'open' AND request = 'transfer'").length,
    ).toBeGreaterThan(0);
    expect(sorted(await ids('/problems?status=fixed'))).toEqual(
      q("SELECT id FROM problems WHERE status = 'fixed'"),
    );
    const overdue = untouched('D-ZJJ');
    db().prepare("UPDATE problems SET deadline = '2020-01-01' WHERE id = ?").run(overdue);
    expect(sorted(await ids('/problems?overdue=1'))).toEqual(
      q(`SELECT id FROM problems WHERE status = 'open' AND deadline < '${today()}'`),
    );
    expect((await office.get('/problems?request=transfer')).text).toContain('<h1>待处理的转办申请（');
    const bad = await office.get('/problems?request=bogus');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('申请类型筛选无效');
  });
});

describe('the 整改通知单', () => {
  it('names its round and each problem’s standard by its text', async () => {
    const unit = await as('xingfu');
    const notice = (await unit.get(`/problems-notice?round=${published}`)).text;
    const roundName = one('SELECT name FROM rounds WHERE id = ?', published) as string;
    expect(notice).toContain(`测评轮次：<b>${roundName}</b>`);
    const p = db()
      .prepare(
        `SELECT p.standard_code FROM problems p JOIN units u ON u.id = p.unit_id
         WHERE u.code = 'C-DH-1' AND p.round_id = ? AND p.status IN ('open', 'fixed') ORDER BY p.id LIMIT 1`,
      )
      .get(published) as { standard_code: string };
    const standard = app.booted.criteria.getByCode('district-2026').criteria.byCode.get(p.standard_code)!;
    expect(notice).toContain(`<td>${p.standard_code} ${standard.text}</td>`);
    expect(notice).toContain('<th>对应测评标准</th>');
  });
});
