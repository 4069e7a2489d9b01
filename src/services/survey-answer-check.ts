/**
 * Checking what a person answered against a questionnaire version (pure: no database). Screening
 * answers: every 甄别题 answered with an offered option; the person passes when every answer is in its
 * `pass` list. Questions: a required one answered; single = one offered option; multiple = offered
 * options without repeats; scale = an integer point in range; text at most TEXT_MAX characters. Fields
 * the questionnaire does not ask are ignored. Every problem is refused at once, as a Chinese message by
 * question code (the form shows it beside the question).
 */
import { createHash } from 'node:crypto';
import { InvalidInput } from '../errors.ts';
import type { Questionnaire } from '../surveys/schema.ts';

/** A posted form: field → value, or the values of a field sent more than once (a multiple choice). */
export type FormBody = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What is stored: question code → option code, [option codes], scale point as text, or text. */
export type StoredAnswers = Record<string, string | string[]>;

/** The longest text answer kept (characters). */
export const TEXT_MAX = 500;

const values = (v: FormBody[string]): string[] =>
  v === undefined ? [] : (typeof v === 'string' ? [v] : [...v]).map((s) => s.trim()).filter((s) => s !== '');

/** Refuses once, with every question's message. */
const refuse = (fields: Record<string, string>, first: string): never => {
  throw new InvalidInput(first, fields);
};

/** The screening answers and whether the person may go on; refuses a missing or not offered option. */
export function checkScreening(
  q: Questionnaire,
  body: FormBody,
): { passed: boolean; answers: Record<string, string> } {
  const fields: Record<string, string> = {};
  const answers: Record<string, string> = {};
  let passed = true;
  for (const s of q.screening) {
    const given = values(body[s.code]);
    if (!given.length) fields[s.code] = '请选择一项';
    else if (given.length > 1) fields[s.code] = '只能选择一项';
    else if (!s.options.some((o) => o.code === given[0])) fields[s.code] = '所选的选项不在本题的选项中';
    else {
      answers[s.code] = given[0]!;
      if (!s.pass.includes(given[0]!)) passed = false;
    }
  }
  if (Object.keys(fields).length) refuse(fields, '请回答每一道甄别题后再继续');
  return { passed, answers };
}

/** The answers to the questions, checked; refuses with every problem by question code. */
export function checkQuestions(q: Questionnaire, body: FormBody): StoredAnswers {
  const fields: Record<string, string> = {};
  const answers: StoredAnswers = {};
  for (const question of q.questions) {
    const raw = body[question.code];
    const given = values(raw);
    if (!given.length) {
      if (question.required) fields[question.code] = '此题必须回答';
      continue;
    }
    const offered = new Set((question.options ?? []).map((o) => o.code));
    if (question.kind === 'single') {
      if (given.length > 1) fields[question.code] = '此题只能选择一项';
      else if (!offered.has(given[0]!)) fields[question.code] = '所选的选项不在本题的选项中';
      else answers[question.code] = given[0]!;
    } else if (question.kind === 'multiple') {
      if (given.some((g) => !offered.has(g))) fields[question.code] = '所选的选项不在本题的选项中';
      else if (new Set(given).size !== given.length || given.length > offered.size)
        fields[question.code] = '同一选项只能选择一次';
      else if (given.length > 1 && question.options?.some((o) => o.exclusive && given.includes(o.code)))
        fields[question.code] =
          `“${question.options.find((o) => o.exclusive && given.includes(o.code))!.label}”不能与其他选项同时选择`;
      else answers[question.code] = [...given].sort();
    } else if (question.kind === 'scale') {
      const scale = question.scale;
      const point = given.length === 1 && /^-?\d+$/.test(given[0]!) ? Number(given[0]) : NaN;
      if (!scale || !Number.isInteger(point) || point < scale.min || point > scale.max)
        fields[question.code] = scale ? `请选择 ${scale.min} 到 ${scale.max} 之间的一个分值` : '分值无效';
      else answers[question.code] = String(point);
    } else {
      const text = typeof raw === 'string' ? raw.trim() : given.join('\n');
      if ([...text].length > TEXT_MAX) fields[question.code] = `内容太长：最多 ${TEXT_MAX} 个字`;
      else answers[question.code] = text;
    }
  }
  if (Object.keys(fields).length) refuse(fields, '有题目没有答好，请看标出的题目');
  return answers;
}

/** The hash of the answers as stored, with keys in order (burst detection: identical answers). */
export function answersFingerprint(answers: StoredAnswers): string {
  const canonical = Object.keys(answers)
    .sort()
    .map((k) => [k, answers[k]]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
