// Scoring one standard and one site, with hand-computed expected values for every mode and rule edge.
import { describe, expect, it } from 'vitest';
import {
  scoreSite,
  scoreStandard,
  gradeFor,
  formatRate,
  type ScoringRules,
} from '../../src/scoring/standard.ts';

const rules: ScoringRules = {
  notApplicable: 'exclude',
  gradeShares: { A: 1, B: 0.66, C: 0.33, 'C#': 0 },
  onTheSpotFix: { enabled: true, factor: 0.5 },
  repeat: { mode: 'multiply', factor: 2 },
};
const ded = { code: 'D', points: 3, scoring: { mode: 'deduction' as const, perCase: 1 } };
const grd = {
  code: 'G',
  points: 4,
  scoring: { mode: 'grade' as const, thresholds: { B: 1, C: 2, 'C#': 3 } },
};
const pf = { code: 'P', points: 2, scoring: { mode: 'passfail' as const } };
const a = (result: 'ok' | 'fail' | 'na', cases = 0, fixedCases = 0) => ({ result, cases, fixedCases });

describe('scoreStandard', () => {
  it.each([
    ['deduction met', ded, a('ok'), false, 3],
    ['deduction 1 case', ded, a('fail', 1), false, 2],
    ['deduction 2 cases, 1 fixed on the spot (1 + 0.5)', ded, a('fail', 2, 1), false, 1.5],
    ['deduction more cases than the points allow', ded, a('fail', 7), false, 0],
    ['deduction repeated doubles the loss', ded, a('fail', 1), true, 1],
    ['grade A when met', grd, a('ok'), false, 4],
    ['grade B at 1 case', grd, a('fail', 1), false, 2.64],
    ['grade C at 2 cases', grd, a('fail', 2), false, 1.32],
    ['grade C# at 3 or more', grd, a('fail', 9), false, 0],
    ['grade with 2 cases, 1 fixed → 1.5 → B', grd, a('fail', 2, 1), false, 2.64],
    ['pass', pf, a('ok'), false, 2],
    ['fail', pf, a('fail', 1), false, 0],
    ['fail fixed on the spot costs half', pf, a('fail', 1, 1), false, 1],
  ])('%s', (_n, s, ans, repeated, earned) => {
    const r = scoreStandard(s, ans, rules, repeated);
    expect(r.earned).toBeCloseTo(earned, 4);
    expect(r.possible).toBe(s.points);
  });

  it('leaves 不适用 out of earned and possible', () => {
    expect(scoreStandard(ded, a('na'), rules)).toMatchObject({ applicable: false, earned: 0, possible: 0 });
  });

  it('adds fixed points for a repeat under the add rule, never below 0', () => {
    const add: ScoringRules = { ...rules, repeat: { mode: 'add', points: 1 } };
    expect(scoreStandard(ded, a('fail', 1), add, true).earned).toBe(1);
    expect(scoreStandard(ded, a('fail', 3), add, true).earned).toBe(0);
  });

  it('ignores on-the-spot fixes when the version has no such rule', () => {
    const off: ScoringRules = { ...rules, onTheSpotFix: { enabled: false, factor: 1 } };
    expect(scoreStandard(ded, a('fail', 2, 2), off).earned).toBe(1);
  });

  it('grades by thresholds', () => {
    const t = { B: 1, C: 3, 'C#': 5 };
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => gradeFor(n, t))).toEqual(['A', 'B', 'B', 'C', 'C', 'C#', 'C#']);
  });
});

describe('scoreSite', () => {
  it('pools earned over possible on answered, applicable standards', () => {
    const answers = new Map([
      ['D', a('fail', 1)],
      ['G', a('ok')],
      ['P', a('na')],
    ]);
    const s = scoreSite([ded, grd, pf], answers, rules);
    expect(s).toMatchObject({ earned: 6, possible: 7, answered: 3, applicable: 2 });
    expect(s.rate).toBeCloseTo(6 / 7, 10);
    expect(s.passRate).toBe(0.5);
    expect(formatRate(s.rate)).toBe('85.71%');
  });

  it('gives — for a site with no answers or only 不适用', () => {
    expect(scoreSite([ded], new Map(), rules).rate).toBeNull();
    const na = scoreSite(
      [ded, pf],
      new Map([
        ['D', a('na')],
        ['P', a('na')],
      ]),
      rules,
    );
    expect(na.rate).toBeNull();
    expect(formatRate(na.rate)).toBe('—');
  });
});
