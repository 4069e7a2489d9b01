/**
 * The criteria file format (测评体系版本): one JSON file per version in criteria/.
 *
 * A version is the tree 测评项目 (item) → 测评内容 (content) → 测评标准 (standard), the site types
 * (点位类型) the standards apply to, and the version-wide rules that decide how answers become scores.
 * Everything DOMAIN.md says "varies" lives here rather than in code. The zod schema is the single
 * source of truth: criteria/schema.json is generated from it (npm run criteria:schema) and a test keeps
 * the two in sync. What a schema cannot say (duplicate codes, unknown site types, …) is checked in check.ts.
 */
import { z } from 'zod';

const code = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/,
    '编码只能由字母、数字、点、下划线和连字符组成，且不超过40个字符',
  );
const text = (max: number) => z.string().trim().min(1, '不能为空').max(max, `不能超过${max}个字符`);

/** 点位类型: a kind of inspection site (居民小区, 农贸市场, …). */
export const siteTypeSchema = z
  .object({
    code,
    name: text(40),
    description: z.string().max(400).optional(),
  })
  .strict();

/** How one standard is scored on site. */
export const scoringSchema = z.discriminatedUnion('mode', [
  /** 扣分: points minus perCase for each case found, never below 0. */
  z
    .object({
      mode: z.literal('deduction'),
      perCase: z.number().positive('每处扣分必须大于0'),
    })
    .strict(),
  /**
   * 状态描述法: A / B / C / C# by the number of cases found. Each threshold is the smallest case count
   * that gives that grade (A is 0 cases); the thresholds must rise strictly.
   */
  z
    .object({
      mode: z.literal('grade'),
      thresholds: z
        .object({
          B: z.number().int().min(1),
          C: z.number().int().min(1),
          'C#': z.number().int().min(1),
        })
        .strict(),
    })
    .strict(),
  /** 合格 / 不合格. */
  z.object({ mode: z.literal('passfail') }).strict(),
]);

/** Who must fix a problem found under a standard (责任单位的类别). */
export const responsibleUnitSchema = z.discriminatedUnion('kind', [
  /** the responsible unit recorded on the site itself */
  z.object({ kind: z.literal('site') }).strict(),
  /** the 社区 the site belongs to (its 居委会) */
  z.object({ kind: z.literal('community') }).strict(),
  /** the 镇街 the site belongs to */
  z.object({ kind: z.literal('street') }).strict(),
  /** a department, by the department name its unit records (城管局, 市场监管局, …) */
  z.object({ kind: z.literal('department'), department: text(40) }).strict(),
  /** 区级: the district itself answers (e.g. the 创城办 for the district) */
  z.object({ kind: z.literal('district') }).strict(),
]);

export const methodSchema = z.enum(['field', 'document', 'survey', 'online']);

/**
 * What a 材料审核 / 网上申报 standard asks units for: 规范文件 (policy), 情况说明 (account), 实景图片
 * (photos), 统计表格 (tables), 工作台账 (ledger), 其他 (other).
 */
export const materialSchema = z.enum(['policy', 'account', 'photos', 'tables', 'ledger', 'other']);

/** A task's deadline: days after the round starts, or a fixed date — exactly one of the two. */
export const taskDueSchema = z.union(
  [
    z
      .object({
        daysFromStart: z.number().int().min(1, '提交期限至少1天').max(365, '提交期限不能超过365天'),
      })
      .strict(),
    z.object({ date: z.iso.date('提交期限日期必须是 YYYY-MM-DD 格式') }).strict(),
  ],
  { error: '提交期限只能写 daysFromStart（测评开始后天数）或 date（日期）二者之一' },
);

/**
 * 提交要求: what a unit uploads for a document / online standard, the period it covers (近一年,
 * 每季度 …), the requirement in words, and the deadline. Materials are listed once each (check.ts).
 */
export const taskSchema = z
  .object({
    materials: z.array(materialSchema).min(1, '至少要列出一种提交材料'),
    period: text(40).optional(),
    requirement: text(400).optional(),
    due: taskDueSchema,
  })
  .strict();

/** 测评标准: the unit an inspector answers. */
export const standardSchema = z
  .object({
    code,
    text: text(400),
    points: z.number().positive('分值必须大于0'),
    method: methodSchema,
    siteTypes: z.array(code),
    scoring: scoringSchema,
    guidance: z.string().max(400).optional(),
    photoRequired: z.boolean(),
    /** 整改时限: the amount in deadlineUnit (days, working days or hours, despite the name) */
    deadlineDays: z.number().int().min(1, '整改时限至少1天').max(365, '整改时限不能超过365天'),
    /**
     * What deadlineDays counts: working days (holidays and 调休 make-up days followed) or hours. Absent:
     * calendar days, as in every version written before this field (no default, so they parse unchanged).
     * Working days stop at 250 (check.ts); the workbook's column 整改时限单位 (自然日 / 工作日 / 小时).
     */
    deadlineUnit: z
      .enum(['workdays', 'hours'], { error: '整改时限单位只能是 workdays（工作日）或 hours（小时）' })
      .optional(),
    responsibleUnit: responsibleUnitSchema,
    /** only on document / online standards (check.ts); absent: nothing is asked of units yet */
    task: taskSchema.optional(),
  })
  .strict();

/** 测评内容 */
export const contentSchema = z
  .object({
    code,
    name: text(200),
    standards: z.array(standardSchema).min(1, '每个测评内容至少要有一条测评标准'),
  })
  .strict();

/** 测评项目 */
export const itemSchema = z
  .object({
    code,
    name: text(100),
    contents: z.array(contentSchema).min(1, '每个测评项目至少要有一个测评内容'),
  })
  .strict();

const rate = z.number().min(0, '比率不能小于0').max(1, '比率不能大于1');
const methodWeight = z.number().min(0, '方法权重不能小于0');

/**
 * How the methods combine into a total: pooled points (Σ earned ÷ Σ possible over every method), or
 * fixed weights per method (网上申报 counts with 材料审核 under `document`). At least one weight is
 * positive and covers a method the version uses (check.ts); a weight may be set before its standards.
 */
export const methodsRuleSchema = z.discriminatedUnion('combine', [
  z.object({ combine: z.literal('pooled') }).strict(),
  z
    .object({
      combine: z.literal('weighted'),
      weights: z
        .object({
          field: methodWeight.optional(),
          document: methodWeight.optional(),
          survey: methodWeight.optional(),
        })
        .strict(),
    })
    .strict(),
]);

/** Version-wide scoring rules. */
export const rulesSchema = z
  .object({
    /** 不适用: leave out of earned and possible, or earn the other communities' mean rate on that standard */
    notApplicable: z.enum(['exclude', 'average']),
    /** site → community → 镇街: pool the points, or average the rates */
    aggregation: z.enum(['pooled', 'mean']),
    /** weight of each site type inside a community (types not listed weigh 1) */
    siteTypeWeights: z.record(code, z.number().positive('权重必须大于0')),
    /** share of points A / B / C / C# earn */
    gradeShares: z
      .object({ A: rate, B: rate, C: rate, 'C#': rate })
      .strict()
      .default({ A: 1, B: 0.66, C: 0.33, 'C#': 0 }),
    /** 当场整改: a case fixed on the spot counts `factor` of a case (0.5 = costs half) */
    onTheSpotFix: z.object({ enabled: z.boolean(), factor: rate }).strict(),
    /** 反复出现: a deduction repeated from the previous round costs more */
    repeat: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('none') }).strict(),
      z.object({ mode: z.literal('multiply'), factor: z.number().min(1, '倍数不能小于1') }).strict(),
      z.object({ mode: z.literal('add'), points: z.number().positive('加扣分值必须大于0') }).strict(),
    ]),
    /** 红榜: the top `topN` ranked places (optionally only those at or above minRate) */
    redList: z.object({ topN: z.number().int().min(0), minRate: rate.optional() }).strict(),
    /** 黑榜: ranked places below `belowRate`, and/or the last `bottomN` */
    blackList: z.object({ belowRate: rate.optional(), bottomN: z.number().int().min(0).optional() }).strict(),
    /** a community with fewer possible points than this is 未排名 */
    minPossiblePoints: z.number().min(0),
    /** how methods combine; absent: only field standards count (as every version before it) */
    methods: methodsRuleSchema.optional(),
  })
  .strict();

/** 测评体系版本: one criteria file. */
export const criteriaVersionSchema = z
  .object({
    $schema: z.string().optional(),
    code,
    /** versions of one family follow each other; repeats are found across rounds of one family */
    family: code,
    name: text(100),
    version: text(40),
    effectiveFrom: z.iso.date('生效日期必须是 YYYY-MM-DD 格式').optional(),
    description: z.string().max(2000).optional(),
    siteTypes: z.array(siteTypeSchema).min(1, '至少要有一个点位类型'),
    rules: rulesSchema,
    items: z.array(itemSchema).min(1, '至少要有一个测评项目'),
  })
  .strict();

export type SiteType = z.infer<typeof siteTypeSchema>;
export type Scoring = z.infer<typeof scoringSchema>;
export type ResponsibleUnitRule = z.infer<typeof responsibleUnitSchema>;
export type Material = z.infer<typeof materialSchema>;
export type TaskDue = z.infer<typeof taskDueSchema>;
export type Task = z.infer<typeof taskSchema>;
export type MethodsRule = z.infer<typeof methodsRuleSchema>;
export type Standard = z.infer<typeof standardSchema>;
export type Content = z.infer<typeof contentSchema>;
export type Item = z.infer<typeof itemSchema>;
export type Rules = z.infer<typeof rulesSchema>;
export type CriteriaVersion = z.infer<typeof criteriaVersionSchema>;
export type Grade = 'A' | 'B' | 'C' | 'C#';
