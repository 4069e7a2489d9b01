/**
 * Scoring one standard and one site — pure functions, no I/O, shared by the server and the tablet
 * (bundled into the sheet's script), so the live 得分率 on the tablet is the server's number.
 *
 * Formulas (the help page repeats them):
 *  - effective cases  e = (cases − fixed) + fixed × f, where f is the on-the-spot-fix factor when the
 *    version enables 当场整改, else e = cases;
 *  - loss by mode: deduction  perCase × e;  grade  points × (1 − share(grade(e))), grade(e) = the highest
 *    grade whose case threshold e reaches (A below B's threshold);  pass/fail  points when failed
 *    (× f when the failure was fixed on the spot);
 *  - repeat (反复出现, found again from the previous round): multiply → loss × factor, add → loss + points;
 *  - earned = max(0, points − loss); possible = points.
 *  - 不适用: with the exclude rule the standard is left out of earned and possible; with the average rule
 *    it earns points × the other communities' mean rate on that standard (computed across a round in the
 *    rankings; on the tablet it is shown as excluded, marked provisional).
 *  - site 得分率 = Σ earned ÷ Σ possible (null when possible is 0); 及格率 = share of applicable
 *    answered standards that earned their full points.
 */
import type { Grade, Rules, Scoring } from '../criteria/schema.ts';

export type Result = 'ok' | 'fail' | 'na';

export interface AnswerInput {
  result: Result;
  cases: number;
  fixedCases: number;
}

/** The part of a standard scoring needs. */
export interface ScoredStandard {
  code: string;
  points: number;
  scoring: Scoring;
}

export type ScoringRules = Pick<Rules, 'gradeShares' | 'onTheSpotFix' | 'repeat' | 'notApplicable'>;

export interface StandardScore {
  /** false for 不适用 under the exclude rule: neither earned nor possible */
  applicable: boolean;
  earned: number;
  possible: number;
  grade: Grade | null;
  /** points lost (0 when met) */
  lost: number;
}

const round4 = (n: number) => Math.round(n * 10000) / 10000;

export function effectiveCases(a: AnswerInput, rules: ScoringRules): number {
  const fixed = Math.min(a.fixedCases, a.cases);
  return rules.onTheSpotFix.enabled ? a.cases - fixed + fixed * rules.onTheSpotFix.factor : a.cases;
}

export function gradeFor(cases: number, thresholds: { B: number; C: number; 'C#': number }): Grade {
  if (cases >= thresholds['C#']) return 'C#';
  if (cases >= thresholds.C) return 'C';
  if (cases >= thresholds.B) return 'B';
  return 'A';
}

export function scoreStandard(
  s: ScoredStandard,
  a: AnswerInput,
  rules: ScoringRules,
  repeated = false,
): StandardScore {
  if (a.result === 'na') return { applicable: false, earned: 0, possible: 0, grade: null, lost: 0 };
  let loss = 0;
  let grade: Grade | null = null;
  if (a.result === 'fail') {
    const e = effectiveCases(a, rules);
    switch (s.scoring.mode) {
      case 'deduction':
        loss = s.scoring.perCase * e;
        break;
      case 'grade':
        grade = gradeFor(e, s.scoring.thresholds);
        loss = s.points * (1 - rules.gradeShares[grade]);
        break;
      case 'passfail': {
        const fixed = rules.onTheSpotFix.enabled && a.fixedCases > 0;
        loss = s.points * (fixed ? rules.onTheSpotFix.factor : 1);
        break;
      }
    }
    if (repeated && loss > 0) {
      if (rules.repeat.mode === 'multiply') loss *= rules.repeat.factor;
      else if (rules.repeat.mode === 'add') loss += rules.repeat.points;
    }
  } else if (s.scoring.mode === 'grade') {
    grade = 'A';
  }
  const earned = round4(Math.max(0, s.points - loss));
  return { applicable: true, earned, possible: s.points, grade, lost: round4(s.points - earned) };
}

export interface SiteScore {
  earned: number;
  possible: number;
  /** earned ÷ possible, null when nothing applicable was scored */
  rate: number | null;
  /** share of applicable answered standards fully met, null when none */
  passRate: number | null;
  answered: number;
  applicable: number;
}

/** Scores a site's answered standards (unanswered ones are left out; the caller shows progress). */
export function scoreSite(
  standards: ScoredStandard[],
  answers: ReadonlyMap<string, AnswerInput>,
  rules: ScoringRules,
  repeatedCodes: ReadonlySet<string> = new Set(),
): SiteScore {
  let earned = 0;
  let possible = 0;
  let met = 0;
  let applicable = 0;
  let answered = 0;
  for (const s of standards) {
    const a = answers.get(s.code);
    if (!a) continue;
    answered++;
    const score = scoreStandard(s, a, rules, repeatedCodes.has(s.code));
    if (!score.applicable) continue;
    applicable++;
    earned += score.earned;
    possible += score.possible;
    if (score.lost === 0) met++;
  }
  return {
    earned: round4(earned),
    possible: round4(possible),
    rate: possible > 0 ? earned / possible : null,
    passRate: applicable > 0 ? met / applicable : null,
    answered,
    applicable,
  };
}

/** 得分率 as a page shows it: two decimals and %, or — when there is nothing to divide. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(2)}%`;
}
