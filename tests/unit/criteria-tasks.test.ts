// The criteria format's additions for document tasks (issue #18, first step): 区级 as a responsible
// unit, a 提交要求 on 材料审核 / 网上申报 standards, and how methods combine. Every addition is optional
// and has no default, so the shipped files parse to exactly their own JSON; each wrong value is refused
// at its JSON path with its own words; the version page words a task.
import { describe, expect, it } from 'vitest';
import type { CriteriaVersion, Standard } from '../../src/criteria/schema.ts';
import { taskLines } from '../../src/web/presenters/criteria-versions.ts';
import { base, issuesOf, json, ok, standardsOf, withTasks } from './criteria-tasks.fixture.ts';

describe('the shipped files are untouched by the new fields', () => {
  it.each(['district-2025.json', 'district-2026.json'])('%s parses to exactly its own JSON', (file) => {
    expect(structuredClone(ok(json(file)))).toStrictEqual(json(file));
  });
});

describe('every new field is accepted', () => {
  it('a version with tasks, 区级 and weighted methods', () => {
    const v = withTasks();
    expect(structuredClone(ok(v))).toStrictEqual(v);
  });

  it('pooled methods, a 网上申报 task with a date, and a weight set before its standards exist', () => {
    const v = structuredClone(base);
    v.rules.methods = { combine: 'pooled' };
    expect(ok(v).rules.methods).toEqual({ combine: 'pooled' });
    v.rules.methods = { combine: 'weighted', weights: { field: 1, survey: 5 } };
    expect(ok(v).rules.methods).toEqual(v.rules.methods);
    // district-2025 has field standards only; a weight on a method with none yet is allowed too
    const fieldOnly = structuredClone(json('district-2025.json'));
    fieldOnly.rules.methods = { combine: 'weighted', weights: { field: 70, document: 30 } };
    expect(ok(fieldOnly).rules.methods).toEqual(fieldOnly.rules.methods);
  });

  it('区级 on a field standard', () => {
    const v = structuredClone(base);
    standardsOf(v).find((x) => x.s.method === 'field')!.s.responsibleUnit = { kind: 'district' };
    expect(ok(v)).toBeTruthy();
  });
});

describe('each refusal names its path', () => {
  const doc = (v: CriteriaVersion) => standardsOf(v).find((x) => x.s.method === 'document')!;
  const cases: [string, (v: CriteriaVersion) => string, string][] = [
    ...(['field', 'survey'] as const).map((method): [string, (v: CriteriaVersion) => string, string] => [
      `a task on a ${method} standard`,
      (v) =>
        set(
          standardsOf(v).find((x) => x.s.method === method)!,
          {},
          'task',
        ),
      '只有材料审核和网上申报标准可以设置提交要求',
    ]),
    ['no materials', (v) => set(doc(v), { materials: [] }, 'task.materials'), '至少要列出一种提交材料'],
    [
      'a material listed twice',
      (v) => set(doc(v), { materials: ['policy', 'ledger', 'policy'] }, 'task.materials[2]'),
      '提交材料 "policy" 重复列出',
    ],
    [
      'an unknown material',
      (v) => set(doc(v), { materials: ['video'] }, 'task.materials[0]'),
      '取值无效：只能是 "policy" / "account" / "photos" / "tables" / "ledger" / "other"',
    ],
    ['a long period', (v) => set(doc(v), { period: '近'.repeat(41) }, 'task.period'), '不能超过40个字符'],
    [
      'a long requirement',
      (v) => set(doc(v), { requirement: '传'.repeat(401) }, 'task.requirement'),
      '不能超过400个字符',
    ],
    [
      '0 days',
      (v) => set(doc(v), { due: { daysFromStart: 0 } }, 'task.due.daysFromStart'),
      '提交期限至少1天',
    ],
    [
      '366 days',
      (v) => set(doc(v), { due: { daysFromStart: 366 } }, 'task.due.daysFromStart'),
      '提交期限不能超过365天',
    ],
    [
      'a bad date',
      (v) => set(doc(v), { due: { date: '2026-02-30' } }, 'task.due.date'),
      '提交期限日期必须是 YYYY-MM-DD 格式',
    ],
    [
      'both a date and days',
      (v) => set(doc(v), { due: { date: '2026-03-01', daysFromStart: 3 } }, 'task.due'),
      '提交期限只能写 daysFromStart（测评开始后天数）或 date（日期）二者之一',
    ],
    [
      'neither',
      (v) => set(doc(v), { due: {} }, 'task.due'),
      '提交期限只能写 daysFromStart（测评开始后天数）或 date（日期）二者之一',
    ],
    [
      'a negative weight',
      (v) => methods(v, { combine: 'weighted', weights: { field: -1, document: 1 } }, '.weights.field'),
      '方法权重不能小于0',
    ],
    [
      'no positive weight',
      (v) => methods(v, { combine: 'weighted', weights: { field: 0, document: 0 } }, '.weights'),
      '方法加权时至少要有一种方法的权重大于0',
    ],
    [
      'positive weights only on methods the file does not use',
      (v) => {
        Object.assign(v, structuredClone(json('district-2025.json')));
        return methods(
          v,
          { combine: 'weighted', weights: { field: 0, document: 30, survey: 10 } },
          '.weights',
        );
      },
      '权重大于0的方法（材料审核、问卷调查）在本版本中都没有测评标准',
    ],
    [
      'weights with pooled',
      (v) => methods(v, { combine: 'pooled', weights: { field: 1 } }, ''),
      '不认识的字段：weights',
    ],
    [
      'an unknown weight key',
      (v) => methods(v, { combine: 'weighted', weights: { online: 5 } }, '.weights'),
      '不认识的字段：online',
    ],
  ];

  /** sets a valid task with `change` on a standard; returns the path of the field expected wrong */
  function set(at: { s: Standard; path: string }, change: object, field: string): string {
    at.s.task = { materials: ['policy'], due: { daysFromStart: 5 }, ...change } as Standard['task'];
    return `${at.path}.${field}`;
  }
  function methods(v: CriteriaVersion, m: unknown, rest: string): string {
    (v.rules as Record<string, unknown>).methods = m;
    return `rules.methods${rest}`;
  }

  it.each(cases)('%s', (_, edit, message) => {
    const v = structuredClone(base);
    const path = edit(v);
    expect(issuesOf(v)).toEqual([{ path, message }]);
  });
});

describe('the version page words a task', () => {
  it('materials, period, requirement and deadline', () => {
    const docs = standardsOf(withTasks()).filter((x) => x.s.task);
    expect(docs.map((x) => taskLines(x.s))).toEqual([
      [
        { label: '提交材料', text: '规范文件、工作台账' },
        { label: '期间', text: '近一年' },
        { label: '要求', text: '上传年度工作计划、会议纪要、检查通报及总结' },
        { label: '提交期限', text: '测评开始后 20 天' },
      ],
      [
        { label: '提交材料', text: '统计表格' },
        { label: '期间', text: '每季度' },
        { label: '提交期限', text: '测评开始后 1 天' },
      ],
      [
        { label: '提交材料', text: '情况说明、实景图片、统计表格、其他' },
        { label: '提交期限', text: '2026-03-31' },
      ],
    ]);
  });
});
