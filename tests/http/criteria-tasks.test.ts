// As the creation office: a version whose 材料审核 / 网上申报 standards say what units must upload is
// imported from Excel, and its page shows each task — materials, period, requirement, deadline — under
// its standard, with 区级 as the responsible unit; the shipped versions' pages show no task at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loggedIn, startApp, type TestApp } from '../helpers/app.ts';
import { versionIdOf } from '../helpers/ids.ts';
import { criteriaToWorkbook } from '../../src/criteria/excel-write.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import type { CriteriaVersion } from '../../src/criteria/schema.ts';

let app: TestApp;
beforeAll(async () => (app = await startApp()));
afterAll(() => app.destroy());
const as = loggedIn(() => app.url);

function versionWithTasks(): CriteriaVersion {
  const v = JSON.parse(readFileSync(join(CRITERIA_DIR, 'district-2026.json'), 'utf8')) as CriteriaVersion;
  v.code = 'district-2026-tasks';
  v.name = '清河区测评体系（含材料审核）';
  const standards = v.items.flatMap((i) => i.contents.flatMap((c) => c.standards));
  const doc = standards.find((s) => s.method === 'document')!;
  doc.task = {
    materials: ['policy', 'ledger'],
    period: '近一年',
    requirement: '上传年度工作计划、会议纪要、检查通报及总结',
    due: { daysFromStart: 20 },
  };
  doc.responsibleUnit = { kind: 'district' };
  standards.find((s) => s.method === 'online')!.task = { materials: ['tables'], due: { date: '2026-03-31' } };
  v.rules.methods = { combine: 'weighted', weights: { field: 70, document: 30 } };
  return v;
}

describe('a version with document tasks', () => {
  it('is imported from Excel and shows each task under its standard', async () => {
    const form = new FormData();
    const buf = await criteriaToWorkbook(versionWithTasks());
    form.set('file', new Blob([new Uint8Array(buf)]), 'tasks.xlsx');
    const office = await as('office');
    await office.get('/criteria');
    const res = await office.postMultipart('/criteria/import', form, { csrf: 'field' });
    expect(res.status).toBe(303);
    const page = await office.get(res.location!);
    expect(page.status).toBe(200);
    const text = page.text.replace(/<[^>]+>/g, '');
    expect(text).toContain('提交材料：规范文件、工作台账');
    expect(text).toContain('期间：近一年');
    expect(text).toContain('要求：上传年度工作计划、会议纪要、检查通报及总结');
    expect(text).toContain('提交期限：测评开始后 20 天');
    expect(text).toContain('提交材料：统计表格');
    expect(text).toContain('提交期限：2026-03-31');
    expect(text).toContain('责任：区级');
  });

  it('the shipped version shows no task', async () => {
    const page = await (await as('office')).get(`/criteria/${versionIdOf(app.booted.db, 'district-2026')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('提交材料');
  });
});
