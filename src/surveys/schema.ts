/**
 * The questionnaire file format (调查问卷): a versioned JSON file of its own in criteria/questionnaires/,
 * linked to one criteria version by `criteriaCode`. The criteria files are frozen once a round has used
 * them, so the rule that turns a survey standard's rate into points lives here, in the questionnaire:
 * a new rule is a new questionnaire version, linked to the same criteria version. Only the shape is
 * checked here; cross-references (options, standards of the criteria version) are in check.ts.
 */
import { z } from 'zod';

const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, '编码只能包含字母、数字、点、下划线和连字符');
const text = z.string().trim().min(1, '不能为空');

/** 选项: an answer a person can pick. */
export const optionSchema = z.strictObject({
  code,
  label: text,
  /** a multiple-choice option that cannot be picked with others (e.g. 都没有参加过) */
  exclusive: z.boolean().optional(),
});

/** A scale question's points (e.g. 1–5); `labels` names some points, keyed by the point ("1", "5"). */
export const scaleSchema = z.strictObject({
  min: z.int('应为整数'),
  max: z.int('应为整数'),
  labels: z.record(z.string(), text).optional(),
});

/** 甄别题: asked first; a person whose answer is not in `pass` is thanked and done. */
export const screeningSchema = z.strictObject({
  code,
  text,
  options: z.array(optionSchema).min(2, '至少需要两个选项'),
  /** option codes that let the person go on */
  pass: z.array(code),
});

export const questionKindSchema = z.enum(['single', 'multiple', 'scale', 'text']);

/**
 * 题目. A scored question names a `survey` standard and says what counts: `knows` (option codes meaning
 * knows / supports / takes part — the question's rate is the share of answers with one of them) or
 * `values` (option code, or scale point, → 0–100; the rate is the mean value ÷ 100). `knows` without a
 * standard gives an unscored rate (e.g. 知晓率) shown in the results. Text questions are never scored.
 */
export const questionSchema = z.strictObject({
  code,
  text,
  kind: questionKindSchema,
  required: z.boolean().default(true),
  options: z.array(optionSchema).optional(),
  scale: scaleSchema.optional(),
  standard: code.optional(),
  /**
   * the rate it counts toward in the results (知晓率, 支持率, 参与率, 满意度 …): a rate is the mean of its
   * questions' rates, shown per 社区, 镇街 and the district; needs `knows` or `values`
   */
  rate: text.optional(),
  knows: z.array(code).optional(),
  values: z
    .record(z.string(), z.number().min(0, '分值应在0到100之间').max(100, '分值应在0到100之间'))
    .optional(),
});

/**
 * How a survey standard's rate becomes points: 按比例 (points × rate), or 达标扣分 (full points at a rate
 * ≥ target, `perPoint` points off per percentage point below, never below 0).
 */
export const surveyRuleSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('proportional') }),
  z.strictObject({
    mode: z.literal('target'),
    target: z.number().min(0, '目标比例应在0到1之间').max(1, '目标比例应在0到1之间'),
    perPoint: z.number().positive('每低1个百分点扣分应大于0'),
  }),
]);

export const questionnaireSchema = z.strictObject({
  code,
  name: text,
  version: text,
  /** the criteria version whose survey standards this questionnaire serves */
  criteriaCode: code,
  /** who answers: 居民 / 商户 / 学生家长 / 外来务工 … */
  population: text,
  /** one line shown to residents above the questions */
  intro: text,
  /** short privacy notice */
  privacy: text,
  /** answers finished faster than this are flagged */
  minSeconds: z.int('应为整数').min(0, '不能小于0'),
  /** valid answers per 社区 for a rate to count as 足样本 */
  minValid: z.int('应为整数').min(1, '至少为1'),
  /** below minValid: scored on the answers there are ('score'), or 0 points ('zero') */
  belowMinimum: z.enum(['score', 'zero']),
  /** default sample target per 社区; the office may change it per round */
  targetPerCommunity: z.int('应为整数').min(1, '至少为1'),
  screening: z.array(screeningSchema).min(1, '至少需要一道甄别题'),
  questions: z.array(questionSchema).min(1, '至少需要一道题目'),
  /** scoring rule per linked survey standard, keyed by standard code */
  standards: z.record(code, surveyRuleSchema),
});

export type Option = z.infer<typeof optionSchema>;
export type ScreeningQuestion = z.infer<typeof screeningSchema>;
export type Question = z.infer<typeof questionSchema>;
export type QuestionKind = z.infer<typeof questionKindSchema>;
export type SurveyRule = z.infer<typeof surveyRuleSchema>;
export type Questionnaire = z.infer<typeof questionnaireSchema>;
