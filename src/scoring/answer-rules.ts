/**
 * What makes one answer valid for its standard — pure, no I/O, so the server (services/sheets.ts, the
 * office's corrections) and the tablet (bundled into the sheet's script) refuse exactly the same
 * answers with the same words: a 不符合 counts at least one case, a 符合 / 不适用 none, 当场整改 never
 * more than the cases found. A tablet that used its own copy of these rules once produced a 不符合 with
 * 0 cases that the server refused after the inspector had left the site.
 */
import type { Grade, Rules, Scoring } from '../criteria/schema.ts';
import { gradeFor, type Result } from './standard.ts';
import { RESULT_NAMES } from '../labels.ts';

export interface AnswerValues {
  result: Result;
  cases: number;
  fixedCases: number;
  note: string;
}

/** An answer as it is stored: cases and 当场整改 made consistent with the result and the mode. */
export interface CheckedAnswer extends AnswerValues {
  grade: Grade | null;
}

export type AnswerCheck = { ok: true; answer: CheckedAnswer } | { ok: false; reason: string };

/** The smallest case count a result allows in this mode (the tablet's − button stops there). */
export function minCases(result: Result | null, mode: Scoring['mode']): number {
  return result === 'fail' && mode !== 'passfail' ? 1 : 0;
}

/** Checks one answer against its standard's mode and the version's 当场整改 rule. */
export function checkAnswer(
  a: AnswerValues,
  standard: { code: string; scoring: Scoring },
  rules: Pick<Rules, 'onTheSpotFix'>,
): AnswerCheck {
  // (no destructuring: the tablet bundle's Safari 14 target cannot take it)
  let cases = a.cases;
  let fixedCases = a.fixedCases;
  if (a.result !== 'fail') {
    if (cases > 0) return { ok: false, reason: `选择“${RESULT_NAMES[a.result]}”时问题数应为0` };
    cases = 0;
    fixedCases = 0;
  } else if (standard.scoring.mode === 'passfail') {
    cases = 1;
    fixedCases = Math.min(fixedCases, 1);
  } else if (cases < 1) {
    return { ok: false, reason: '选择“不符合”时至少记录1处问题' };
  }
  if (fixedCases > cases) return { ok: false, reason: '当场整改数不能多于问题数' };
  if (!rules.onTheSpotFix.enabled) fixedCases = 0;
  const grade =
    standard.scoring.mode === 'grade'
      ? a.result === 'fail'
        ? gradeFor(cases, standard.scoring.thresholds)
        : a.result === 'ok'
          ? 'A'
          : null
      : null;
  return { ok: true, answer: { result: a.result, cases, fixedCases, grade, note: a.note.trim() } };
}

/** An answer the server refused, in words for a message: "标准 A01-2：选择“不符合”时至少记录1处问题". */
export function describeRefused(r: { standard: string; reason: string }): string {
  return r.standard ? `标准 ${r.standard}：${r.reason}` : r.reason;
}
