// What a review form gives for each scoring mode, and what the page says each choice costs, worked by
// hand from criteria/district-2026-2.json: B01-D1 2 points, deduction 0.5 a missing month; C01-D1 1
// point 合格制; A03-D2 2 points, grade by missing activities (B ≥ 1, C ≥ 2, C# ≥ 3; shares A 1, B 0.66,
// C 0.33, C# 0).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexCriteria } from '../../src/criteria/load.ts';
import type { CriteriaVersion } from '../../src/criteria/schema.ts';
import { parseScore } from '../../src/services/task-review.ts';
import { readQueueFilter } from '../../src/services/task-board.ts';
import { countTask } from '../../src/services/document-tasks.ts';
import { scoringRule } from '../../src/web/presenters/task-review.ts';
import { InvalidInput } from '../../src/errors.ts';
import { ROOT } from '../helpers/run.ts';

const version = indexCriteria(
  JSON.parse(readFileSync(join(ROOT, 'criteria/district-2026-2.json'), 'utf8')) as CriteriaVersion,
);
const rules = version.version.rules;
const std = (code: string) => version.byCode.get(code)!;
const refusal = (run: () => unknown): InvalidInput => {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidInput) return err;
    throw err;
  }
  throw new Error('not refused');
};
const scored = (code: string, form: { result?: string; cases?: string }) => {
  const s = parseScore(std(code), form);
  const count = countTask(
    { status: 'scored', due_on: '2026-12-31', extended_to: null, ...s },
    std(code),
    rules,
  );
  return count.kind === 'scored' ? count.score : null;
};

describe('the score form by mode', () => {
  it('B01-D1 (deduction): 3 missing months → 2 − 0.5 × 3 = 0.5; 5 → 2.5 capped at 2 → 0; 合格 → 2', () => {
    expect(parseScore(std('B01-D1'), { result: 'fail', cases: '3' })).toEqual({ result: 'fail', cases: 3 });
    expect(scored('B01-D1', { result: 'fail', cases: '3' })).toMatchObject({ earned: 0.5, lost: 1.5 });
    expect(scored('B01-D1', { result: 'fail', cases: '5' })).toMatchObject({ earned: 0, lost: 2 });
    // a count typed beside 合格 is not kept
    expect(parseScore(std('B01-D1'), { result: 'ok', cases: '3' })).toEqual({ result: 'ok', cases: 0 });
    expect(scored('B01-D1', { result: 'ok' })).toMatchObject({ earned: 2, lost: 0 });
  });

  it('B01-D1 refuses 不合格 without a whole count of at least 1', () => {
    for (const cases of ['', '0', '1.5', '-1', 'abc', undefined])
      expect(refusal(() => parseScore(std('B01-D1'), { result: 'fail', cases })).fields.cases).toBe(
        '不合格时请填写缺项数（至少1项）',
      );
    expect(refusal(() => parseScore(std('B01-D1'), {})).fields.result).toBe('请选择合格或不合格');
  });

  it('C01-D1 (合格制): 不合格 loses the whole point, any count is ignored', () => {
    expect(parseScore(std('C01-D1'), { result: 'fail', cases: '4' })).toEqual({ result: 'fail', cases: 0 });
    expect(scored('C01-D1', { result: 'fail' })).toMatchObject({ earned: 0, lost: 1 });
    expect(scored('C01-D1', { result: 'ok' })).toMatchObject({ earned: 1, lost: 0 });
  });

  it('A03-D2 (grade): 0 → A 2; 1 → B 2 × 0.66 = 1.32; 2 → C 0.66; 3 or more → C# 0', () => {
    expect(parseScore(std('A03-D2'), { cases: '0' })).toEqual({ result: 'ok', cases: 0 });
    expect(scored('A03-D2', { cases: '0' })).toMatchObject({ grade: 'A', earned: 2 });
    expect(scored('A03-D2', { cases: '1' })).toMatchObject({ grade: 'B', earned: 1.32, lost: 0.68 });
    expect(scored('A03-D2', { cases: '2' })).toMatchObject({ grade: 'C', earned: 0.66, lost: 1.34 });
    expect(scored('A03-D2', { cases: '7' })).toMatchObject({ grade: 'C#', earned: 0, lost: 2 });
    expect(refusal(() => parseScore(std('A03-D2'), { cases: '' })).fields.cases).toBe(
      '请填写缺少的次数（0 或正整数）',
    );
  });
});

describe('the scoring rule as the review page shows it', () => {
  it('deduction: one line per missing item until the points are gone', () => {
    const rule = scoringRule(std('B01-D1'), rules);
    expect(rule.words).toBe('扣分制：每缺 1 项扣 0.5 分（0.5 × 缺项数），扣完 2 分为止。');
    expect(rule.costs.map((c) => [c.input, c.lost, c.earned])).toEqual([
      ['缺 1 项', 0.5, 1.5],
      ['缺 2 项', 1, 1],
      ['缺 3 项', 1.5, 0.5],
      ['缺 4 项', 2, 0],
    ]);
  });

  it('grade: each grade from its threshold with its points', () => {
    const rule = scoringRule(std('A03-D2'), rules);
    expect(rule.costs.map((c) => [c.input, c.grade, c.earned])).toEqual([
      ['不缺', 'A', 2],
      ['缺 1 次及以上', 'B', 1.32],
      ['缺 2 次及以上', 'C', 0.66],
      ['缺 3 次及以上', 'C#', 0],
    ]);
  });

  it('合格制: in words, no table', () => {
    expect(scoringRule(std('C01-D1'), rules)).toEqual({
      words: '合格制：合格得 1 分，不合格得 0 分（扣 1 分）。',
      costs: [],
    });
  });
});

describe('the queue’s filter', () => {
  it('keeps what names something and reads anything else as all', () => {
    expect(readQueueFilter({ unit: '12', item: 'B01', state: 'overdue' })).toEqual({
      unit: '12',
      item: 'B01',
      state: 'overdue',
    });
    expect(readQueueFilter({ unit: 'none' }).unit).toBe('none');
    expect(readQueueFilter({ unit: "1'", item: '<x>', state: 'void', extra: '1' })).toEqual({
      unit: '',
      item: '',
      state: '',
    });
    expect(readQueueFilter({ unit: ['1', '2'] })).toEqual({ unit: '', item: '', state: '' });
  });
});
