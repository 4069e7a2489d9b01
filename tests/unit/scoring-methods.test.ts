// Totals over every method (scoring/methods.ts) on a tiny district whose numbers are worked by hand.
import { describe, expect, it } from 'vitest';
import type { Rules } from '../../src/criteria/schema.ts';
import { computeRound, type RoundStandard } from '../../src/scoring/round.ts';
import { combineRound, combineTotal, type CountedTask } from '../../src/scoring/methods.ts';
import { methodsText } from '../../src/web/presenters/rules.ts';
import { COMMUNITIES, STREETS, tinyRules } from '../helpers/tiny-district.ts';

const ITEM = { code: 'HJ', name: '良好的人居环境' };
// D: 10 points, 2 a case; P: 5 points, 合格/不合格; Q: 4 points, 1 a case
const STANDARDS: RoundStandard[] = [
  { code: 'D', points: 10, scoring: { mode: 'deduction', perCase: 2 }, item: ITEM },
  { code: 'P', points: 5, scoring: { mode: 'passfail' }, item: ITEM },
  { code: 'Q', points: 4, scoring: { mode: 'deduction', perCase: 1 }, item: ITEM },
];

// a 市场 (sc) weighs 2, a 小区 (xq) 1
const RULES: Rules = tinyRules({ siteTypeWeights: { sc: 2 } });
// 乙社区 has no site in the round: its tasks are all it has

// Field:
//  site 1 (甲, xq, w 1): D fail 1 case → loses 2; P, Q ok: 17 / 19
//  site 2 (甲, sc, w 2): D ok, P fail (Q not answered): 10 / 15
//  site 3 (丙, xq, w 1): all ok: 19 / 19
function field(rules: Rules) {
  return computeRound({
    rules,
    standards: new Map(STANDARDS.map((s) => [s.code, s])),
    streets: STREETS,
    communities: COMMUNITIES,
    sites: [
      { id: 1, name: '点位1', siteType: 'xq', streetId: 1, communityId: 11 },
      { id: 2, name: '点位2', siteType: 'sc', streetId: 1, communityId: 11 },
      { id: 3, name: '点位3', siteType: 'xq', streetId: 2, communityId: 21 },
    ],
    answers: [
      { siteId: 1, standard: 'D', result: 'fail', cases: 1, fixedCases: 0 },
      { siteId: 1, standard: 'P', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 1, standard: 'Q', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 2, standard: 'D', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 2, standard: 'P', result: 'fail', cases: 0, fixedCases: 0 },
      { siteId: 3, standard: 'D', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 3, standard: 'P', result: 'ok', cases: 0, fixedCases: 0 },
      { siteId: 3, standard: 'Q', result: 'ok', cases: 0, fixedCases: 0 },
    ],
    repeated: new Set(),
  });
}

let nextId = 1;
const task = (
  level: CountedTask['level'],
  where: { c?: number; s?: number },
  kind: CountedTask['kind'],
  earned: number,
  possible: number,
): CountedTask => ({
  id: nextId++,
  standardCode: 'T',
  level,
  communityId: where.c ?? null,
  streetId: where.s ?? null,
  kind,
  earned,
  possible,
});

// Tasks (points earned / possible):
//  甲 (11, 东): 3 / 6 scored; a 4-point task submitted, not scored (暂定: left out)
//  乙 (12, 东): 0 / 6 overdue; 4 / 4 scored
//  丙 (21, 西): a 6-point task still within its deadline (left out); 2 / 4 scored
//  东街道: 5 / 5 scored; 西街道: 0 / 5 overdue
//  a department: 8 / 10 scored; the district: 0 / 2 overdue
const TASKS: CountedTask[] = [
  task('community', { c: 11, s: 1 }, 'scored', 3, 6),
  task('community', { c: 11, s: 1 }, 'provisional', 0, 4),
  task('community', { c: 12, s: 1 }, 'overdue', 0, 6),
  task('community', { c: 12, s: 1 }, 'scored', 4, 4),
  task('community', { c: 21, s: 2 }, 'waiting', 0, 6),
  task('community', { c: 21, s: 2 }, 'scored', 2, 4),
  task('street', { s: 1 }, 'scored', 5, 5),
  task('street', { s: 2 }, 'overdue', 0, 5),
  task('department', {}, 'scored', 8, 10),
  task('district', {}, 'overdue', 0, 2),
];

function combined(rules: Partial<Rules> = {}, tasks = TASKS) {
  const r = { ...RULES, ...rules };
  return combineRound({ rules: r, field: field(r), communities: COMMUNITIES, streets: STREETS, tasks });
}
const byName = <T extends { name: string }>(list: T[], name: string) => list.find((a) => a.name === name)!;

describe('combineRound, pooled', () => {
  const r = combined({ methods: { combine: 'pooled' } });

  it('adds the field (weighted) and document points of each 社区', () => {
    // 甲: field Σw·earned = 17 + 2 × 10 = 37, Σw·possible = 19 + 2 × 15 = 49; documents 3 / 6
    //     (the 暂定 task left out) → (37 + 3) ÷ (49 + 6) = 40 / 55 = 72.73 %
    const jia = byName(r.communities, '甲社区');
    expect(jia.methods!.field).toEqual({ earned: 37, possible: 49, rate: 37 / 49 });
    expect(jia.methods!.document).toEqual({ earned: 3, possible: 6, rate: 0.5 });
    expect(jia.rate).toBeCloseTo(40 / 55, 12);
    expect(jia.methods!.tasks).toEqual({ scored: 1, overdue: 0, provisional: 1, waiting: 0 });
    // the field's own figures (unweighted) stay as computeRound gave them
    expect(jia.earned).toBe(27);
    expect(jia.possible).toBe(34);
  });

  it('counts an overdue task as 0 and a 社区 with no field answers on its documents alone', () => {
    // 乙: field left out (P_f = 0); documents 0 / 6 (overdue) + 4 / 4 = 4 / 10 = 40 %
    const yi = byName(r.communities, '乙社区');
    expect(yi.methods!.field.rate).toBeNull();
    expect(yi.methods!.document).toEqual({ earned: 4, possible: 10, rate: 0.4 });
    expect(yi.rate).toBeCloseTo(0.4, 12);
  });

  it('leaves a task within its deadline out', () => {
    // 丙: field 19 / 19; documents 2 / 4 (the waiting task left out) → 21 / 23 = 91.30 %
    const bing = byName(r.communities, '丙社区');
    expect(bing.methods!.document.possible).toBe(4);
    expect(bing.methods!.tasks.waiting).toBe(1);
    expect(bing.rate).toBeCloseTo(21 / 23, 12);
  });

  it('ranks on the total, 红榜 and 黑榜 on the total', () => {
    expect(r.communities.map((c) => [c.name, c.rank, c.red, c.black])).toEqual([
      ['丙社区', 1, true, false],
      ['甲社区', 2, false, false],
      ['乙社区', 3, false, true],
    ]);
  });

  it('rolls 社区 and 镇街 tasks up into the 镇街', () => {
    // 东街道: field 37 / 49; documents 甲 3/6 + 乙 0/6 + 4/4 + its own 5/5 = 12 / 21 → 49 / 70 = 70 %
    // 西街道: field 19 / 19; documents 丙 2/4 + its own 0/5 = 2 / 9 → 21 / 28 = 75 %
    const east = byName(r.streets, '东街道');
    const west = byName(r.streets, '西街道');
    expect(east.methods!.document).toEqual({ earned: 12, possible: 21, rate: 12 / 21 });
    expect(east.rate).toBeCloseTo(0.7, 12);
    expect(west.rate).toBeCloseTo(0.75, 12);
    expect(r.streets.map((s) => [s.name, s.rank])).toEqual([
      ['西街道', 1],
      ['东街道', 2],
    ]);
  });

  it('rolls every task up into the district, department and district tasks only there', () => {
    // field Σw·earned 37 + 19 = 56 of 49 + 19 = 68; documents 3+0+4+2+5+0+8+0 = 22 of
    // 6+6+4+4+5+5+10+2 = 42 → 78 / 110 = 70.91 %
    const d = r.combined.district;
    expect(d.field).toEqual({ earned: 56, possible: 68, rate: 56 / 68 });
    expect(d.document).toEqual({ earned: 22, possible: 42, rate: 22 / 42 });
    expect(d.total).toBeCloseTo(78 / 110, 12);
    expect(d.tasks).toEqual({ scored: 5, overdue: 3, provisional: 1, waiting: 1 });
    expect(r.combined.ruleStated).toBe(true);
  });

  it('puts a place under minPossiblePoints (field points + P_d) among the unranked', () => {
    // 乙: P = 0 + 10 < 20; 丙: 19 + 4 = 23; 甲: 49 + 6 = 55
    const u = combined({ methods: { combine: 'pooled' }, minPossiblePoints: 20 });
    expect(u.communities.map((c) => [c.name, c.rank, c.unranked])).toEqual([
      ['丙社区', 1, null],
      ['甲社区', 2, null],
      ['乙社区', null, 'too-few-points'],
    ]);
  });

  it('checks the unweighted field points (as a field-only round does) plus P_d, not the weighted ones', () => {
    // 甲: unweighted field 19 + 15 = 34, + P_d 6 = 40 < 41 → 未排名, although its weighted P_f + P_d is 55;
    // 丙: 19 + 4 = 23; 乙: 0 + 10 = 10: every place short of 41
    const u = combined({ methods: { combine: 'pooled' }, minPossiblePoints: 41 });
    expect(Object.fromEntries(u.communities.map((c) => [c.name, [c.rank, c.unranked]]))).toEqual({
      甲社区: [null, 'too-few-points'],
      乙社区: [null, 'too-few-points'],
      丙社区: [null, 'too-few-points'],
    });
    const at40 = combined({ methods: { combine: 'pooled' }, minPossiblePoints: 40 });
    expect(byName(at40.communities, '甲社区').rank).toBe(1);
  });

  it('pools when the version states no rule, and says so', () => {
    const u = combined();
    expect(u.combined.ruleStated).toBe(false);
    expect(u.combined.district.total).toBeCloseTo(78 / 110, 12);
  });
});

describe('combineRound, mean aggregation', () => {
  it('carries the mean of the site rates as E_f = rate_f × P_f', () => {
    // 甲: rate_f = (1 × 17/19 + 2 × 10/15) ÷ 3 = (0.894737 + 1.333333) ÷ 3 = 0.742690;
    //     E_f = 0.742690 × 49 = 36.391813 → (36.391813 + 3) ÷ (49 + 6) = 71.62 %
    const r = combined({ aggregation: 'mean', methods: { combine: 'pooled' } });
    const jia = byName(r.communities, '甲社区');
    const rateF = (17 / 19 + (2 * 10) / 15) / 3;
    expect(jia.methods!.field.rate).toBeCloseTo(rateF, 12);
    expect(jia.methods!.field.earned).toBeCloseTo(rateF * 49, 12);
    expect(jia.rate).toBeCloseTo((rateF * 49 + 3) / 55, 12);
    expect(jia.rate).toBeCloseTo(0.716215, 6);
  });
});

describe('combineRound, weighted', () => {
  it('weighs each method rate and rescales over the methods that apply', () => {
    const r = combined({ methods: { combine: 'weighted', weights: { field: 70, document: 30 } } });
    // 甲: 0.7 × 37/49 + 0.3 × 0.5 = 0.528571 + 0.15 = 67.86 %
    expect(byName(r.communities, '甲社区').rate).toBeCloseTo(0.7 * (37 / 49) + 0.15, 12);
    // 乙: no field → documents alone, rescaled: 40 %
    expect(byName(r.communities, '乙社区').rate).toBeCloseTo(0.4, 12);
    // 丙: 0.7 × 1 + 0.3 × 0.5 = 85 %
    expect(byName(r.communities, '丙社区').rate).toBeCloseTo(0.85, 12);
    // district: 0.7 × 56/68 + 0.3 × 22/42 = 0.576471 + 0.157143 = 73.36 %
    expect(r.combined.district.total).toBeCloseTo(0.7 * (56 / 68) + 0.3 * (22 / 42), 12);
    expect(r.combined.district.total).toBeCloseTo(0.733613, 6);
  });

  it('gives no total when the only method that applies weighs nothing', () => {
    const r = combined({ methods: { combine: 'weighted', weights: { field: 70 } } });
    const yi = byName(r.communities, '乙社区');
    expect(yi.rate).toBeNull();
    expect(yi.unranked).toBe('no-score');
  });

  it('combineTotal leaves out a method with nothing applicable', () => {
    const none = { earned: 0, possible: 0, rate: null };
    expect(combineTotal({ combine: 'pooled' }, none, none)).toBeNull();
    expect(combineTotal({ combine: 'pooled' }, { earned: 9, possible: 10, rate: 0.9 }, none)).toBeCloseTo(
      0.9,
    );
  });
});

describe('methodsText: what the results header says a round counts', () => {
  // 2 field standards (10 + 5), a 材料审核 standard with a task (3) and one without (2), a 网上申报
  // standard with a task (1), a survey standard (4)
  const task = { kind: 'document', due: { daysFromStart: 10 } } as never;
  const standards = [
    { method: 'field' as const, points: 10 },
    { method: 'field' as const, points: 5 },
    { method: 'document' as const, points: 3, task },
    { method: 'document' as const, points: 2 },
    { method: 'online' as const, points: 1, task },
    { method: 'survey' as const, points: 4 },
  ];

  it('says a field-only round as before', () => {
    expect(methodsText(standards)).toBe(
      '计入方法：实地考察。测评体系中的材料审核 2 条（5 分）、网上申报 1 条（1 分）、问卷调查 1 条（4 分）本轮未计入，排名只反映实地考察',
    );
  });

  it('names both methods, the rule, the standards without a task and the tasks not counted yet', () => {
    expect(
      methodsText(standards, {
        methods: ['field', 'document'],
        rule: undefined,
        provisional: 2,
        waiting: 5,
      }),
    ).toBe(
      '计入方法：实地考察、材料审核（含网上申报）；测评体系未规定方法的合成方式，按合并计分：综合得分率 = (实地考察得分 + 材料审核得分) ÷ (实地考察应得分 + 材料审核应得分)。' +
        '测评体系中的材料审核（未设材料任务） 1 条（2 分）、问卷调查 1 条（4 分）本轮未计入。' +
        '2 项材料待评分，结果为暂定。5 项材料未到期限，未计入',
    );
  });

  it('says a document-only round leaves the field standards out, and a weighted rule', () => {
    const text = methodsText(standards, {
      methods: ['document'],
      rule: { combine: 'weighted', weights: { field: 70, document: 30 } },
      provisional: 0,
      waiting: 0,
    });
    expect(text).toContain(
      '计入方法：材料审核（含网上申报）；按权重：实地考察 70、材料审核（含网上申报） 30',
    );
    expect(text).toContain('实地考察 2 条（15 分）');
  });
});
