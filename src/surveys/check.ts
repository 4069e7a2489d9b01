/**
 * Checks a questionnaire beyond its schema: codes and options are unique, what counts names real
 * options, every scored question names a `survey` standard of its criteria version and every linked
 * standard has both questions and a rule. Problems come out as the criteria checker's
 * { path, message } lines, so `criteria:check` prints both kinds of file the same way.
 */
import { zodIssues, type CriteriaIssue } from '../criteria/check.ts';
import type { IndexedCriteria } from '../criteria/load.ts';
import { questionnaireSchema, type Question, type Questionnaire } from './schema.ts';

export type QuestionnaireCheck =
  { ok: true; questionnaire: Questionnaire } | { ok: false; issues: CriteriaIssue[] };

function duplicates(codes: string[], base: (i: number) => string, what: string): CriteriaIssue[] {
  return codes.flatMap((c, i) =>
    codes.indexOf(c) !== i ? [{ path: base(i), message: `${what} "${c}" 重复` }] : [],
  );
}

/** The answers a question can have: option codes, or a scale's points as text ("1" … "5"). */
function answerCodes(q: Question): string[] {
  if (q.kind === 'scale' && q.scale) {
    const points: string[] = [];
    for (let p = q.scale.min; p <= q.scale.max; p++) points.push(String(p));
    return points;
  }
  return (q.options ?? []).map((o) => o.code);
}

function questionIssues(q: Question, base: string, criteria: IndexedCriteria | undefined): CriteriaIssue[] {
  const issues: CriteriaIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path: `${base}${path}`, message });
  if (q.kind === 'text') {
    if (q.standard) add('.standard', '文字题不计分，不能关联标准');
    if (q.knows || q.values) add(q.knows ? '.knows' : '.values', '文字题不计分，不能设置计分选项');
    if (q.options) add('.options', '文字题不需要选项');
    if (q.rate) add('.rate', '文字题不计算比率，不能设置 rate');
    return issues;
  }
  if (q.kind === 'scale') {
    if (!q.scale) add('.scale', '量表题需要设置 scale（最小值、最大值）');
    else if (q.scale.max <= q.scale.min) add('.scale.max', '量表最大值应大于最小值');
    if (q.options) add('.options', '量表题用 scale 设置刻度，不需要 options');
  } else {
    if (!q.options || q.options.length < 2) add('.options', '选择题至少需要两个选项');
    if (q.scale) add('.scale', '只有量表题可以设置 scale');
  }
  if (q.options)
    issues.push(
      ...duplicates(
        q.options.map((o) => o.code),
        (i) => `${base}.options[${i}].code`,
        '选项编码',
      ),
    );
  q.options?.forEach((o, i) => {
    if (o.exclusive && q.kind !== 'multiple')
      add(`.options[${i}].exclusive`, '只有多选题的选项可以设为“不能与其他选项同选”');
    if (o.exclusive && q.knows?.includes(o.code))
      add(`.options[${i}].exclusive`, `选项 "${o.code}" 不能与其他选项同选，不应计入 knows`);
  });
  const valid = new Set(answerCodes(q));
  if (q.knows && q.values) add('', '计分方式只能二选一：knows 或 values');
  if (q.knows?.length === 0) add('.knows', 'knows 至少要列出一个选项');
  q.knows?.forEach((c, i) => {
    if (!valid.has(c)) add(`.knows[${i}]`, `选项 "${c}" 不存在`);
  });
  if (q.kind === 'multiple' && q.values) add('.values', '多选题只能用 knows 计分');
  for (const key of Object.keys(q.values ?? {}))
    if (!valid.has(key))
      add(`.values.${key}`, q.kind === 'scale' ? `刻度 ${key} 不在量表范围内` : `选项 "${key}" 不存在`);
  if (q.values && q.kind !== 'multiple')
    for (const c of valid) if (!(c in q.values)) add('.values', `没有给选项 "${c}" 赋分值`);
  if (q.rate && !q.knows && !q.values) add('.rate', '计入比率的题目需要用 knows 或 values 说明怎样计算');
  if (q.standard) {
    if (!q.knows && !q.values) add('.standard', '计分题需要用 knows 或 values 说明怎样计分');
    const s = criteria?.byCode.get(q.standard);
    if (criteria && !s) add('.standard', `标准 "${q.standard}" 在测评体系 ${criteria.version.code} 中不存在`);
    else if (s && s.method !== 'survey') add('.standard', `标准 "${q.standard}" 不是问卷调查标准`);
  }
  return issues;
}

/** Cross-reference checks on a questionnaire that already matches the schema. */
export function checkQuestionnaireConsistency(
  q: Questionnaire,
  criteriaByCode: ReadonlyMap<string, IndexedCriteria>,
): CriteriaIssue[] {
  const issues: CriteriaIssue[] = [];
  const criteria = criteriaByCode.get(q.criteriaCode);
  if (!criteria) issues.push({ path: 'criteriaCode', message: `测评体系版本 "${q.criteriaCode}" 不存在` });

  const allCodes = [...q.screening.map((s) => s.code), ...q.questions.map((x) => x.code)];
  const n = q.screening.length;
  issues.push(
    ...duplicates(allCodes, (i) => (i < n ? `screening[${i}].code` : `questions[${i - n}].code`), '题目编码'),
  );

  q.screening.forEach((s, i) => {
    const base = `screening[${i}]`;
    issues.push(
      ...duplicates(
        s.options.map((o) => o.code),
        (j) => `${base}.options[${j}].code`,
        '选项编码',
      ),
    );
    const valid = new Set(s.options.map((o) => o.code));
    s.pass.forEach((c, j) => {
      if (!valid.has(c)) issues.push({ path: `${base}.pass[${j}]`, message: `选项 "${c}" 不存在` });
    });
    if (!s.pass.some((c) => valid.has(c)))
      issues.push({ path: `${base}.pass`, message: '没有任何选项能通过这道甄别题，所有人都会被拒绝' });
  });

  q.questions.forEach((x, i) => issues.push(...questionIssues(x, `questions[${i}]`, criteria)));

  const linked = new Set(q.questions.flatMap((x) => (x.standard && x.kind !== 'text' ? [x.standard] : [])));
  q.questions.forEach((x, i) => {
    if (x.standard && x.kind !== 'text' && !(x.standard in q.standards))
      issues.push({
        path: `questions[${i}].standard`,
        message: `标准 "${x.standard}" 在 standards 中没有计分规则`,
      });
  });
  for (const code of Object.keys(q.standards)) {
    const s = criteria?.byCode.get(code);
    if (criteria && !s)
      issues.push({
        path: `standards.${code}`,
        message: `标准 "${code}" 在测评体系 ${criteria.version.code} 中不存在`,
      });
    else if (s && s.method !== 'survey')
      issues.push({ path: `standards.${code}`, message: `标准 "${code}" 不是问卷调查标准` });
    else if (!linked.has(code))
      issues.push({ path: `standards.${code}`, message: `没有题目关联标准 "${code}"，计分规则无从计算` });
  }
  return issues;
}

export function checkQuestionnaire(
  data: unknown,
  criteriaByCode: ReadonlyMap<string, IndexedCriteria>,
): QuestionnaireCheck {
  const parsed = questionnaireSchema.safeParse(data, { reportInput: true });
  if (!parsed.success)
    return {
      ok: false,
      issues: zodIssues(parsed.error),
    };
  const issues = checkQuestionnaireConsistency(parsed.data, criteriaByCode);
  return issues.length ? { ok: false, issues } : { ok: true, questionnaire: parsed.data };
}

/** Parses JSON text too, so a syntax error gets the same treatment. */
export function checkQuestionnaireText(
  textContent: string,
  criteriaByCode: ReadonlyMap<string, IndexedCriteria>,
): QuestionnaireCheck {
  let data: unknown;
  try {
    data = JSON.parse(textContent);
  } catch (err) {
    return { ok: false, issues: [{ path: '(文件)', message: `不是有效的 JSON：${(err as Error).message}` }] };
  }
  return checkQuestionnaire(data, criteriaByCode);
}
