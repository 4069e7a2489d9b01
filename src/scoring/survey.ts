/**
 * Scoring the survey standards (问卷调查) from residents' answers — pure functions, no I/O. The
 * service hands in the valid answers of a 社区 (flagged and voided ones already left out); everything
 * here works from sufficient statistics (n, Σx, Σx²) gathered in one pass, so 300 社区 × 100 answers
 * are scored in milliseconds and a 镇街's or the district's figures pool the 社区's tallies.
 *
 * Formulas (the 计分规则说明 page repeats them):
 *  - every scored question turns an answer into a value x in [0, 1]:
 *    知晓率-type (`knows`): x = 1 when the answer chose an option that counts ("knows"), else 0;
 *    for a multiple-choice question an answer counts when it picked ANY counting option;
 *    valued (`values`, e.g. 满意度 满意 100, 基本满意 80, 不满意 0): x = the option's value ÷ 100.
 *    An answer that skipped a question (only a non-required one gets this far: the public form refuses
 *    a missing required answer) or names an option without a value is left out of that question's n.
 *  - question rate = Σx ÷ n (null when n = 0).
 *  - standard rate = mean of its linked questions' rates, questions with n = 0 left out; none left → null.
 *  - points by rule: proportional → points × rate; target → full points when rate ≥ target, else
 *    points − perPoint × (percentage points below target), never below 0. The percentage points are
 *    rounded to 1e-9 before multiplying so 0.85 − 0.82 gives 3, not 3.0000000000000027; earned is
 *    rounded to 4 decimals like the other methods.
 *  - minimum sample: fewer than minValid valid answers → 样本不足 (insufficient); belowMinimum 'score'
 *    scores the rate there is, 'zero' earns 0. Never unscored: a standard with no rate (no answers at
 *    all, or every linked question skipped) earns 0 of its points — nothing collected is worth nothing.
 *  - pooling: a 镇街's and the district's rates come from the summed tallies of their 社区 (Σn, Σx,
 *    Σx² added), i.e. every answer weighs the same — not the mean of the 社区 rates.
 *  - margins (95 %, z = 1.96): a share uses the Wilson score interval
 *    (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) ÷ (1 + z²/n); a valued mean uses mean ± z·s/√n with the
 *    sample standard deviation s (n − 1), no interval when n < 2. Bounds are clamped to [0, 1].
 */

/**
 * What a question counts, in the questionnaire file's own field names (src/surveys/schema.ts), so a
 * loaded question can be handed in as it is: `knows` — option codes that count (知晓率-type, a share);
 * `values` — option code or scale point → 0–100 (满意度-type, a mean). A question with neither (text)
 * is not tallied. A valued question is single choice or a scale (the checker refuses values on
 * multiple choice); a scale point is given as its string key ("5").
 */
export interface SurveyQuestion {
  code: string;
  knows?: readonly string[] | undefined;
  values?: Readonly<Record<string, number>> | undefined;
}

/** One answer: per question code the option chosen (an array for multiple choice); absent = skipped. */
export type SurveyAnswer = Readonly<Record<string, string | readonly string[] | null | undefined>>;

/** Sufficient statistics of one question's values x in [0, 1]. */
export interface QuestionTally {
  n: number;
  sum: number;
  sumSq: number;
}

/** A 社区's (or a pooled area's) tallies: valid answers and per question code. */
export interface SurveyTally {
  answers: number;
  questions: Map<string, QuestionTally>;
}

export type SurveyRule = { mode: 'proportional' } | { mode: 'target'; target: number; perPoint: number };

export interface SampleRule {
  minValid: number;
  belowMinimum: 'score' | 'zero';
}

export interface SurveyStandard {
  code: string;
  points: number;
  rule: SurveyRule;
  /** codes of the scored questions linked to it */
  questionCodes: readonly string[];
}

export interface Interval {
  low: number;
  high: number;
}

export interface QuestionFigures {
  n: number;
  rate: number | null;
  /** 95 % margin, null when it cannot be given (n = 0, or n < 2 for a valued mean) */
  interval: Interval | null;
}

export interface SurveyStandardScore {
  rate: number | null;
  /** 样本不足: fewer valid answers than minValid */
  insufficient: boolean;
  earned: number;
  possible: number;
  answers: number;
}

const Z = 1.96;
const round4 = (n: number) => Math.round(n * 10000) / 10000;
const round9 = (n: number) => Math.round(n * 1e9) / 1e9;
const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

/**
 * A question made ready for the loop: option → x, whether an option without a value counts as 0 (a
 * share) or is left out (a valued question), and the tally it adds into.
 */
interface Scorer {
  code: string;
  share: boolean;
  x: Map<string, number>;
  tally: QuestionTally;
}

function scorerFor(q: SurveyQuestion, tally: SurveyTally): Scorer | null {
  const x = q.knows
    ? new Map(q.knows.map((o) => [o, 1]))
    : q.values
      ? new Map(Object.entries(q.values).map(([o, v]) => [o, v / 100]))
      : null;
  if (!x) return null;
  let t = tally.questions.get(q.code);
  if (!t) {
    t = { n: 0, sum: 0, sumSq: 0 };
    tally.questions.set(q.code, t);
  }
  return { code: q.code, share: !!q.knows, x, tally: t };
}

/** The value x in [0, 1] of one answer to one question, or −1 when it is left out of n. */
function valueOf(q: Scorer, given: string | readonly string[] | null | undefined): number {
  if (typeof given === 'string') return q.x.get(given) ?? (q.share ? 0 : -1);
  if (!given || given.length === 0) return -1;
  if (!q.share) return q.x.get(given[0]!) ?? -1;
  for (const o of given) if (q.x.has(o)) return 1;
  return 0;
}

export function emptyTally(): SurveyTally {
  return { answers: 0, questions: new Map() };
}

/**
 * Adds answers into a tally without making per-answer objects. The loop runs question by question
 * (one pass over the answers each) so reading `answer[code]` keeps one property name per loop, which
 * V8 handles far faster when cold than ten names interleaved (≈ 30 ms instead of ≈ 70 ms cold for
 * 300 社区 × 100 answers × 10 questions).
 *
 * `groups` (rate names over several questions): each answer's own mean over the group's questions it
 * answered is added as the pseudo-question `rate:<name>` — the values gathered in the same passes, in a
 * typed array per group, so a group costs no second reading of the answers.
 */
export function addAnswers(
  tally: SurveyTally,
  questions: readonly SurveyQuestion[],
  answers: readonly SurveyAnswer[],
  groups: readonly { name: string; questionCodes: readonly string[] }[] = [],
): SurveyTally {
  const scorers: Scorer[] = [];
  for (const q of questions) {
    const s = scorerFor(q, tally);
    if (s) scorers.push(s);
  }
  const n = answers.length;
  const multi = groups.filter((g) => g.questionCodes.length > 1);
  const sums = multi.map(() => new Float64Array(n));
  const counts = multi.map(() => new Uint8Array(n));
  tally.answers += n;
  for (const s of scorers) {
    const t = s.tally;
    const into = multi.flatMap((g, i) => (g.questionCodes.includes(s.code) ? [i] : []));
    for (let i = 0; i < n; i++) {
      const x = valueOf(s, answers[i]![s.code]);
      if (x < 0) continue;
      t.n++;
      t.sum += x;
      t.sumSq += x * x;
      for (const g of into) {
        sums[g]![i] = sums[g]![i]! + x;
        counts[g]![i] = counts[g]![i]! + 1;
      }
    }
  }
  multi.forEach((g, gi) => {
    const key = `rate:${g.name}`;
    const t = tally.questions.get(key) ?? { n: 0, sum: 0, sumSq: 0 };
    tally.questions.set(key, t);
    const sum = sums[gi]!;
    const count = counts[gi]!;
    for (let i = 0; i < n; i++) {
      if (!count[i]) continue;
      const x = sum[i]! / count[i]!;
      t.n++;
      t.sum += x;
      t.sumSq += x * x;
    }
  });
  return tally;
}

/**
 * An answer's scored values in one short string, one character per scored question in `questions`
 * order, written when the answer is stored (the questionnaire is frozen, so its values never change):
 * '-' when the answer is left out of that question's n, else the index (from '0') of x in that
 * question's `codeValues`. Scoring then reads a few characters instead of parsing the answer's JSON —
 * the difference between ≈ 50 ms and ≈ 10 ms for 30,000 answers. `tallyCode` and `addTallyCodes`
 * apply exactly `valueOf`'s rules (a test compares them on every demo answer).
 */
export function tallyCode(questions: readonly SurveyQuestion[], answer: SurveyAnswer): string {
  let out = '';
  for (const q of questions.filter((q) => q.knows || q.values)) {
    const s = scorerFor(q, emptyTally());
    const x = s ? valueOf(s, answer[q.code]) : -1;
    out += x < 0 ? '-' : String.fromCharCode(48 + codeValues(q).indexOf(x));
  }
  return out;
}

/** The values x a question's tally code indexes, in a fixed order: 0 and 1 for a share, else its option values. */
export function codeValues(q: SurveyQuestion): number[] {
  if (q.knows) return [0, 1];
  return [...new Set(Object.values(q.values ?? {}).map((v) => v / 100))].sort((a, b) => a - b);
}

/** Adds answers given as tally codes (see tallyCode), with the groups' per-answer means as addAnswers does. */
export function addTallyCodes(
  tally: SurveyTally,
  questions: readonly SurveyQuestion[],
  codes: readonly string[],
  groups: readonly { name: string; questionCodes: readonly string[] }[] = [],
): SurveyTally {
  const scored = questions.filter((q) => q.knows || q.values);
  const tallies = scored.map((q) => {
    let t = tally.questions.get(q.code);
    if (!t) tally.questions.set(q.code, (t = { n: 0, sum: 0, sumSq: 0 }));
    return t;
  });
  const xs = scored.map(codeValues);
  const multi = groups
    .filter((g) => g.questionCodes.length > 1)
    .map((g) => {
      const key = `rate:${g.name}`;
      let t = tally.questions.get(key);
      if (!t) tally.questions.set(key, (t = { n: 0, sum: 0, sumSq: 0 }));
      return { t, members: scored.flatMap((q, j) => (g.questionCodes.includes(q.code) ? [j] : [])) };
    });
  const values = new Float64Array(scored.length);
  tally.answers += codes.length;
  for (const code of codes) {
    for (let j = 0; j < scored.length; j++) {
      const c = code.charCodeAt(j);
      if (c === 45 || Number.isNaN(c)) {
        values[j] = -1;
        continue;
      }
      const x = xs[j]![c - 48]!;
      values[j] = x;
      const t = tallies[j]!;
      t.n++;
      t.sum += x;
      t.sumSq += x * x;
    }
    for (const g of multi) {
      let sum = 0;
      let count = 0;
      for (const j of g.members) {
        if (values[j]! < 0) continue;
        sum += values[j]!;
        count++;
      }
      if (!count) continue;
      const x = sum / count;
      g.t.n++;
      g.t.sum += x;
      g.t.sumSq += x * x;
    }
  }
  return tally;
}

/** The tally of one 社区's valid answers. */
export function tallyAnswers(
  questions: readonly SurveyQuestion[],
  answers: readonly SurveyAnswer[],
): SurveyTally {
  return addAnswers(emptyTally(), questions, answers);
}

/** Pools 社区 tallies into a 镇街's or the district's: every answer weighs the same. */
export function poolTallies(tallies: Iterable<SurveyTally>): SurveyTally {
  const pooled = emptyTally();
  for (const t of tallies) {
    pooled.answers += t.answers;
    for (const [code, q] of t.questions) {
      const p = pooled.questions.get(code);
      if (p) {
        p.n += q.n;
        p.sum += q.sum;
        p.sumSq += q.sumSq;
      } else pooled.questions.set(code, { ...q });
    }
  }
  return pooled;
}

export function questionRate(t: QuestionTally | undefined): number | null {
  return t && t.n > 0 ? t.sum / t.n : null;
}

/** Wilson score interval (95 %) for k of n. */
export function wilsonInterval(k: number, n: number): Interval | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = Z * Z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: clamp01(centre - half), high: clamp01(centre + half) };
}

/** mean ± 1.96·s/√n with the sample standard deviation; null when n < 2. */
export function meanInterval(t: QuestionTally): Interval | null {
  if (t.n < 2) return null;
  const mean = t.sum / t.n;
  const variance = Math.max(0, (t.sumSq - t.n * mean * mean) / (t.n - 1));
  const half = (Z * Math.sqrt(variance)) / Math.sqrt(t.n);
  return { low: clamp01(mean - half), high: clamp01(mean + half) };
}

export function questionFigures(q: SurveyQuestion, tally: SurveyTally): QuestionFigures {
  const t = tally.questions.get(q.code) ?? { n: 0, sum: 0, sumSq: 0 };
  const interval = q.knows ? wilsonInterval(t.sum, t.n) : meanInterval(t);
  return { n: t.n, rate: questionRate(t), interval };
}

/** Mean of the linked questions' rates, questions with n = 0 left out; null when none is left. */
export function standardRate(questionCodes: readonly string[], tally: SurveyTally): number | null {
  let sum = 0;
  let count = 0;
  for (const code of questionCodes) {
    const r = questionRate(tally.questions.get(code));
    if (r === null) continue;
    sum += r;
    count++;
  }
  return count > 0 ? sum / count : null;
}

/** Points a rate earns by the standard's rule (see the formulas above). */
export function pointsFromRate(points: number, rule: SurveyRule, rate: number): number {
  if (rule.mode === 'proportional') return round4(points * rate);
  const below = round9((rule.target - rate) * 100);
  if (below <= 0) return points;
  return round4(Math.max(0, points - rule.perPoint * below));
}

/** Scores one survey standard from a 社区's (or pooled area's) tally. */
export function scoreSurveyStandard(
  s: SurveyStandard,
  tally: SurveyTally,
  sample: SampleRule,
): SurveyStandardScore {
  const rate = standardRate(s.questionCodes, tally);
  const insufficient = tally.answers < sample.minValid;
  const zero = rate === null || (insufficient && sample.belowMinimum === 'zero');
  const earned = zero ? 0 : pointsFromRate(s.points, s.rule, rate);
  return { rate, insufficient, earned, possible: s.points, answers: tally.answers };
}
