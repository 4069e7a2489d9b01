// The audit log as the office reads it: every step of the problem loop (fix reports, 申诉 / 转办 / 延期
// requests and the decisions on them, 复查 pass and return, 销号) has its entry, and every entry — the
// problem loop's and the older kinds, in the shapes old rows were written with — reads in Chinese field
// names with old → new values: no JSON, no English keys, no bare hashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { ROOT } from '../helpers/run.ts';
import { appendAudit } from '../../src/db/repos/audit.ts';
import { roundWithStatus, unitIdOf, userIdOf } from '../helpers/ids.ts';

const PHOTO = readFileSync(join(ROOT, 'tests/fixtures/photos/orientation-landscape_3.jpg'));
let app: TestApp;
let office: Client;
let unit: Client;
let published: number;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  unit = new Client(app.url);
  await unit.login('chengguan');
  published = roundWithStatus(db(), 'published');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const one = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args);

async function step(c: Client, id: number, action: string, fields: Record<string, string>, photos = 0) {
  await c.get(`/problems/${id}`);
  if (action === 'decide') return c.post(`/problems/${id}/decide`, fields);
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  for (let i = 0; i < photos; i++) f.append('photos', new Blob([new Uint8Array(PHOTO)]), `p${i}.jpg`);
  return c.postMultipart(`/problems/${id}/${action}`, f, { csrf: 'field' });
}

function untouched(skip: number): { id: number; standard: string; deadline: string } {
  return db()
    .prepare(
      `SELECT p.id, p.standard_code AS standard, p.deadline FROM problems p JOIN units u ON u.id = p.unit_id
       WHERE u.code = 'D-CGJ' AND p.round_id = ? AND p.status = 'open' AND p.request IS NULL
         AND NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id AND e.action <> 'raise')
       ORDER BY p.id LIMIT 1 OFFSET ?`,
    )
    .get(published, skip) as { id: number; standard: string; deadline: string };
}

interface Row {
  who: string;
  action: string;
  problem: number | null;
  lines: string[];
}

/** The audit page's rows as a reader sees them: who, the action, the problem it links to, the detail lines. */
async function auditRows(query = ''): Promise<{ rows: Row[]; html: string }> {
  const page = await office.get(`/audit${query}`);
  expect(page.status).toBe(200);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page.text)?.[1] ?? '';
  const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => {
    const cells = [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!);
    return {
      who: cells[1]!,
      action: cells[2]!.replace(/<br>.*$/s, ''),
      problem: Number(/href="\/problems\/(\d+)"/.exec(cells[2]!)?.[1]) || null,
      lines: [...cells[5]!.matchAll(/<div>([\s\S]*?)<\/div>/g)].map((d) => d[1]!),
    };
  });
  return { rows, html: page.text };
}

/** A problem's rows, oldest first. */
const stepsOf = (rows: Row[], id: number) => rows.filter((r) => r.problem === id).reverse();

describe('the audit log holds every step of the problem loop, in Chinese', () => {
  it('fix, 复查 return, fix, 复查 pass (销号); 转办 request and decision; 延期 request and refusal; 申诉 upheld', async () => {
    const a = untouched(0);
    const b = untouched(1);
    const c = untouched(2);
    const d = untouched(3);
    const market = unitIdOf(db(), 'D-SCJG');
    expect((await step(unit, a.id, 'fix', { note: '已清理小广告' }, 2)).status).toBe(303);
    expect(
      (await step(office, a.id, 'reinspect', { outcome: 'reject', note: '墙面仍有残留' }, 1)).status,
    ).toBe(303);
    expect((await step(unit, a.id, 'fix', { note: '再次清理' }, 1)).status).toBe(303);
    expect((await step(office, a.id, 'reinspect', { outcome: 'pass', note: '整改到位' }, 1)).status).toBe(
      303,
    );
    expect(
      (
        await step(unit, b.id, 'request', {
          kind: 'transfer',
          note: '属于市场监管职责',
          unitId: String(market),
        })
      ).status,
    ).toBe(303);
    expect(
      (await step(office, b.id, 'decide', { approve: '1', note: '同意', unitId: String(market) })).status,
    ).toBe(303);
    expect(
      (await step(unit, c.id, 'request', { kind: 'extension', note: '需采购设备', deadline: '2099-12-31' }))
        .status,
    ).toBe(303);
    expect((await step(office, c.id, 'decide', { approve: '0', note: '时限足够' })).status).toBe(303);
    expect((await step(unit, d.id, 'request', { kind: 'dispute', note: '已移交住建局' }, 1)).status).toBe(
      303,
    );
    expect((await step(office, d.id, 'decide', { approve: '1', note: '核实属实' })).status).toBe(303);

    const { rows } = await auditRows();
    expect(stepsOf(rows, a.id)).toEqual([
      {
        who: '赵科长（区城管局）',
        action: '报告整改',
        problem: a.id,
        lines: [`测评标准：${a.standard}`, '状态：待整改 → 已整改待复查', '说明：已清理小广告', '照片：2 张'],
      },
      {
        who: '王主任',
        action: '复查不通过，退回',
        problem: a.id,
        lines: [`测评标准：${a.standard}`, '状态：已整改待复查 → 待整改', '说明：墙面仍有残留', '照片：1 张'],
      },
      {
        who: '赵科长（区城管局）',
        action: '报告整改',
        problem: a.id,
        lines: [`测评标准：${a.standard}`, '状态：待整改 → 已整改待复查', '说明：再次清理', '照片：1 张'],
      },
      {
        who: '王主任',
        action: '复查通过，销号',
        problem: a.id,
        lines: [`测评标准：${a.standard}`, '状态：已整改待复查 → 已销号', '说明：整改到位', '照片：1 张'],
      },
    ]);
    expect(stepsOf(rows, b.id).map((r) => [r.action, r.lines.slice(1)])).toEqual([
      ['申请转办', ['原因：属于市场监管职责', '申请改由：区市场监管局']],
      ['同意转办', ['责任单位：区城管局 → 区市场监管局', '申请改由：区市场监管局', '处理意见：同意']],
    ]);
    expect(stepsOf(rows, c.id).map((r) => [r.action, r.lines.slice(1)])).toEqual([
      ['申请延期', ['原因：需采购设备', '申请延至：2099-12-31', `当前整改时限：${c.deadline}`]],
      ['驳回延期申请', ['处理意见：时限足够', '申请理由：需采购设备']],
    ]);
    expect(stepsOf(rows, d.id).map((r) => [r.action, r.lines.slice(1)])).toEqual([
      ['提出申诉', ['原因：已移交住建局', '照片：1 张']],
      ['申诉成立，问题作废', ['状态：待整改 → 已作废', '说明：核实属实']],
    ]);
    // the deduction removed as a correction of the answer, old → new
    const correction = rows.find((r) => r.action === '更正答案')!;
    expect(correction.lines).toContain(`测评标准：${d.standard}`);
    expect(correction.lines).toContain('结果：不符合 → 符合');
    expect(correction.lines.some((l) => /^问题数：\d+ → 0$/.test(l))).toBe(true);
  });

  it('shows entries of every kind, as old rows were written, in Chinese: no JSON, no English keys, no bare hashes', async () => {
    const site = db().prepare('SELECT * FROM sites ORDER BY id LIMIT 1').get() as Record<string, unknown> & {
      id: number;
      name: string;
    };
    const street = db().prepare('SELECT id, name FROM streets ORDER BY id LIMIT 1').get() as {
      id: number;
      name: string;
    };
    const inspectorId = userIdOf(db(), 'inspector2');
    const hash = '3f2a9c1e'.padEnd(64, '0');
    // the shapes the app has written since its first version
    appendAudit(db(), {
      userId: null,
      action: 'photo.add',
      entity: 'photo',
      entityId: 1,
      roundId: published,
      siteId: site.id,
      detail: { standard: 'A01-2', sha256: hash },
    });
    appendAudit(db(), {
      userId: null,
      action: 'site.update',
      entity: 'site',
      entityId: site.id,
      siteId: site.id,
      detail: {
        before: site,
        after: {
          name: `${site.name}（东门）`,
          siteType: site.site_type,
          streetId: site.street_id,
          communityId: site.community_id,
          lat: site.lat,
          lng: site.lng,
          address: site.address,
          responsibleUnitId: site.responsible_unit_id,
        },
      },
    });
    appendAudit(db(), {
      userId: null,
      action: 'user.update',
      entity: 'user',
      entityId: inspectorId,
      detail: { role: 'inspector', unitId: null, homeStreetId: street.id, active: false },
    });
    appendAudit(db(), {
      userId: null,
      action: 'answer.change',
      entity: 'inspection',
      entityId: 1,
      roundId: published,
      siteId: site.id,
      detail: {
        standard: 'A01-2',
        old: { result: 'ok', cases: 0, fixedCases: 0, note: '' },
        new: { result: 'fail', cases: 2, fixedCases: 1, note: '标识缺失' },
      },
    });
    appendAudit(db(), {
      userId: null,
      action: 'assignment.set',
      entity: 'assignment',
      roundId: published,
      siteId: site.id,
      detail: { inspectorId, warning: null },
    });
    appendAudit(db(), {
      userId: null,
      action: 'round.create',
      entity: 'round',
      detail: {
        name: '第9轮',
        criteriaVersionId: 1,
        selection: { mode: 'sample', perType: 3, seed: 42 },
        sites: 30,
      },
    });
    appendAudit(db(), {
      userId: null,
      action: 'settings.avoidance',
      entity: 'settings',
      detail: { policy: 'refuse' },
    });
    const inspectorName = one('SELECT display_name FROM users WHERE id = ?', inspectorId);
    const versionName = one('SELECT name FROM criteria_versions WHERE id = 1');
    const { rows, html } = await auditRows();
    const lines = (action: string) => rows.find((r) => r.action === action)?.lines;
    expect(lines('补充照片')).toEqual(['测评标准：A01-2', `照片：3f2a9c1e…（点位 ${site.name}）`]);
    expect(lines('修改点位')).toEqual([`名称：${site.name} → ${site.name}（东门）`]);
    expect(lines('修改用户')).toEqual(['角色：测评员', `所在镇街：${street.name}`, '账号：停用']);
    expect(lines('修改答案')).toEqual([
      '测评标准：A01-2',
      '结果：符合 → 不符合',
      '问题数：0 → 2',
      '当场整改数：0 → 1',
      '说明：（空） → 标识缺失',
    ]);
    expect(lines('测评分工')).toEqual([`测评员：${inspectorName}`]);
    expect(lines('新建轮次')).toEqual([
      '名称：第9轮',
      `测评体系：${versionName}`,
      '点位范围：每类随机抽取 3 个（随机种子 42）',
      '点位数：30',
    ]);
    expect(lines('修改回避设置')).toEqual(['回避方式：不允许分配']);

    // every entry on the page, the demo's own included
    const details = [...html.matchAll(/<td class="detail">([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
    expect(details.length).toBeGreaterThan(50);
    for (const d of details) {
      expect(d).not.toMatch(/\{|\}|&#34;|&quot;/);
      expect(d).not.toMatch(/<div>[A-Za-z_]+：/);
      expect(d).not.toMatch(/[0-9a-f]{16}/);
      expect(d).not.toMatch(/\b(null|undefined|true|false|NaN)\b/);
    }
    for (const r of rows) expect(r.action).toMatch(/^[^A-Za-z]*(Excel[^A-Za-z]*)?$/);
  });
});
