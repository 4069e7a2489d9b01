// The rules one answer must meet, shared by the server and the tablet (scoring/answer-rules.ts), and
// the photo door's type check on a file's first bytes as the tablet runs it (photos/intake-rules.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnswer, minCases } from '../../src/scoring/answer-rules.ts';
import { SNIFF_BYTES, typeRefusal } from '../../src/photos/intake-rules.ts';
import { ROOT } from '../helpers/run.ts';

const deduction = { code: 'A01-2', scoring: { mode: 'deduction' as const, perCase: 0.5 } };
const graded = { code: 'B02-1', scoring: { mode: 'grade' as const, thresholds: { B: 1, C: 3, 'C#': 5 } } };
const passfail = { code: 'C03-1', scoring: { mode: 'passfail' as const } };
const fixOn = { onTheSpotFix: { enabled: true, factor: 0.5 } };
const fixOff = { onTheSpotFix: { enabled: false, factor: 0.5 } };

describe('one answer', () => {
  it('refuses a 不符合 with 0 cases, cases on a 符合 / 不适用, and more fixed than found', () => {
    expect(checkAnswer({ result: 'fail', cases: 0, fixedCases: 0, note: '' }, deduction, fixOn)).toEqual({
      ok: false,
      reason: '选择“不符合”时至少记录1处问题',
    });
    expect(checkAnswer({ result: 'ok', cases: 2, fixedCases: 0, note: '' }, deduction, fixOn)).toEqual({
      ok: false,
      reason: '选择“符合”时问题数应为0',
    });
    expect(checkAnswer({ result: 'na', cases: 1, fixedCases: 0, note: '' }, deduction, fixOn)).toEqual({
      ok: false,
      reason: '选择“不适用”时问题数应为0',
    });
    expect(checkAnswer({ result: 'fail', cases: 2, fixedCases: 3, note: '' }, deduction, fixOn)).toEqual({
      ok: false,
      reason: '当场整改数不能多于问题数',
    });
  });

  it('grades by cases (B at 1, C at 3, C# at 5), counts a pass/fail failure as one case, trims the note', () => {
    const fail = (cases: number) =>
      checkAnswer({ result: 'fail', cases, fixedCases: 0, note: ' 两处 ' }, graded, fixOn);
    expect(fail(1)).toEqual({
      ok: true,
      answer: { result: 'fail', cases: 1, fixedCases: 0, grade: 'B', note: '两处' },
    });
    expect(fail(4)).toMatchObject({ answer: { grade: 'C' } });
    expect(fail(5)).toMatchObject({ answer: { grade: 'C#' } });
    expect(checkAnswer({ result: 'ok', cases: 0, fixedCases: 0, note: '' }, graded, fixOn)).toMatchObject({
      answer: { grade: 'A' },
    });
    expect(checkAnswer({ result: 'fail', cases: 0, fixedCases: 4, note: '' }, passfail, fixOn)).toMatchObject(
      { answer: { cases: 1, fixedCases: 1, grade: null } },
    );
    // 当场整改 not enabled by the version: dropped, not refused
    expect(
      checkAnswer({ result: 'fail', cases: 3, fixedCases: 2, note: '' }, deduction, fixOff),
    ).toMatchObject({ answer: { cases: 3, fixedCases: 0 } });
  });

  it('sets the stepper floor at 1 for a counted 不符合 only', () => {
    expect(minCases('fail', 'deduction')).toBe(1);
    expect(minCases('fail', 'grade')).toBe(1);
    expect(minCases('fail', 'passfail')).toBe(0);
    expect(minCases('ok', 'deduction')).toBe(0);
    expect(minCases(null, 'deduction')).toBe(0);
  });
});

describe("a photo's first bytes, as the tablet reads them", () => {
  const head = (name: string) =>
    new Uint8Array(readFileSync(join(ROOT, 'tests/fixtures/photos', name)).subarray(0, SNIFF_BYTES));

  it('accepts a JPEG and refuses an iPhone HEIC with the advice', () => {
    expect(typeRefusal(head('orientation-portrait_1.jpg'))).toEqual({ mime: 'image/jpeg' });
    const heic = typeRefusal(head('heic-IMG_5195.HEIC'));
    expect('refusal' in heic && heic.refusal).toContain('兼容性最佳');
    expect(typeRefusal(new TextEncoder().encode('GIF89a......'))).toEqual({
      refusal: '不支持 GIF 格式，请上传 JPEG、PNG 或 WebP 格式的照片',
    });
    expect(typeRefusal(new Uint8Array())).toEqual({ refusal: '文件为空' });
  });
});
