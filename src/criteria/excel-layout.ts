/**
 * A criteria version as a workbook, for offices that adapt the national 测评体系 in Excel: 版本信息
 * (the version and its rules as key/value rows), 点位类型, and 测评标准 — one row per standard with a ✓
 * column per site type, the site-type × standard matrix offices already keep. This module is the
 * layout both directions share: each sheet's columns, each 版本信息 row's JSON path and parser, and the
 * help text; excel-write.ts writes a version out, excel-read.ts reads one back.
 */
import {
  date,
  integer,
  number,
  oneOf,
  raw,
  text,
  tick,
  yesNo,
  type CellParser,
  type CellValue,
  type Column,
  type TableSpec,
} from '../excel/index.ts';
import type { Material, SiteType, TaskDue } from './schema.ts';
import {
  AGGREGATION_NAMES,
  AGGREGATION_OLD_WORDS,
  AGGREGATION_WORDS,
  COMBINE_NAMES,
  COMBINE_WORDS,
  DEADLINE_RULE_WORDS,
  MATERIAL_NAMES,
  MATERIAL_WORDS,
  METHOD_WORDS,
  NA_RULE_WORDS,
  REPEAT_MODE_WORDS,
  RESPONSIBLE_UNIT_WORDS,
  SCORING_MODE_WORDS,
} from '../labels.ts';

export type Row = Record<string, unknown> & { _row: number };

export const rate = number({ percent: true });
export const REPEAT_VALUE = 'rules.repeat.value';

interface InfoField {
  label: string;
  path: string;
  parse: CellParser;
  required: boolean;
}
const info = (label: string, path: string, parse: CellParser, required = false): InfoField => ({
  label,
  path,
  parse,
  required,
});

/** 版本信息's rows for rules.methods.weights, by method (网上申报 counts with 材料审核). */
export const WEIGHT_LABELS: Record<string, string> = {
  field: '实地考察权重',
  document: '材料审核权重',
  survey: '问卷调查权重',
};

/** The 版本信息 rows: label, JSON path in the version, parser, required. */
export const INFO: InfoField[] = [
  info('版本编码', 'code', text(), true),
  info('体系系列', 'family', text(), true),
  info('名称', 'name', text(), true),
  info('版本号', 'version', text(), true),
  info('生效日期', 'effectiveFrom', date()),
  info('说明', 'description', text()),
  info('不适用处理', 'rules.notApplicable', oneOf(NA_RULE_WORDS), true),
  info('汇总方式', 'rules.aggregation', oneOf(AGGREGATION_WORDS, AGGREGATION_OLD_WORDS), true),
  ...(['A', 'B', 'C', 'C#'] as const).map((g) => info(`等级得分比例${g}`, `rules.gradeShares.${g}`, rate)),
  info('当场整改', 'rules.onTheSpotFix.enabled', yesNo(), true),
  info('当场整改系数', 'rules.onTheSpotFix.factor', rate, true),
  info('反复出现规则', 'rules.repeat.mode', oneOf(REPEAT_MODE_WORDS), true),
  info('反复出现倍数或加扣分', REPEAT_VALUE, number()),
  info('红榜前N名', 'rules.redList.topN', integer(), true),
  info('红榜最低得分率', 'rules.redList.minRate', rate),
  info('黑榜低于得分率', 'rules.blackList.belowRate', rate),
  info('黑榜后N名', 'rules.blackList.bottomN', integer()),
  info('最低应得分', 'rules.minPossiblePoints', number(), true),
  info('方法合成', 'rules.methods.combine', oneOf(COMBINE_WORDS)),
  ...Object.entries(WEIGHT_LABELS).map(([m, label]) => info(label, `rules.methods.weights.${m}`, number())),
];

const RATE_HELP = '0～1 之间的小数，也可写百分数，如 0.9 或 90%';
export const HELP: Record<string, string> = {
  版本编码: '字母、数字、点、下划线或连字符；已使用的版本不能修改，改动请换新编码',
  体系系列: '同一系列的各版本前后相承，“反复出现”在同一系列内认定',
  版本号: '如 2026.1',
  生效日期: '如 2026-01-01，可不填',
  说明: '可不填',
  不适用处理: '排除：不计入实得分和应得分；取平均：按其他社区该标准的平均得分率计分',
  汇总方式: `点位→社区→镇街：${AGGREGATION_NAMES.pooled}（Σ实得分÷Σ应得分）或${AGGREGATION_NAMES.mean}（各点位得分率的平均）`,
  等级得分比例A: `各档得分占分值的比例，${RATE_HELP}；四档都不填时为 1、0.66、0.33、0`,
  当场整改: '是否认可当场整改（是/否）',
  当场整改系数: `当场整改的问题按几成扣分，0.5 即扣一半；${RATE_HELP}`,
  反复出现规则: '同一点位同一标准连续两轮出现问题时：无、加倍或加扣',
  反复出现倍数或加扣分: '规则为“加倍”时填倍数（如 2），为“加扣”时填每处加扣的分值，为“无”时留空',
  红榜最低得分率: `可不填；${RATE_HELP}`,
  黑榜低于得分率: `与“黑榜后N名”至少填一项；${RATE_HELP}`,
  黑榜后N名: '与“黑榜低于得分率”至少填一项',
  最低应得分: '应得分低于此值的社区不参与排名',
  方法合成: `各测评方法如何合成总分：${COMBINE_NAMES.pooled}（Σ实得分÷Σ应得分）或${COMBINE_NAMES.weighted}（按下面三行的权重）；可不填`,
  实地考察权重: '方法合成为“按方法加权”时填写，如 70；各权重不小于0，至少一项大于0',
  材料审核权重: '网上申报与材料审核合并计算，如 30',
  问卷调查权重: '可不填',
};

export const INFO_SPEC: TableSpec = {
  name: '版本信息',
  sheetName: '版本信息',
  sheetRequired: true,
  columns: [
    { key: 'field', header: '项目', required: true, unique: true, parse: oneOf(INFO.map((f) => f.label)) },
    { key: 'value', header: '内容', parse: raw(), width: 50 },
    { key: 'help', header: '填写说明', width: 60 },
  ],
};

export const SITE_SPEC: TableSpec = {
  name: '点位类型',
  sheetName: '点位类型',
  sheetRequired: true,
  columns: [
    { key: 'code', header: '编码', required: true, unique: true },
    { key: 'name', header: '名称', required: true, unique: true },
    { key: 'description', header: '说明' },
    { key: 'weight', header: '权重', parse: number(), note: '社区内该类点位的权重，不填即为 1' },
  ],
};

const METHODS = oneOf(METHOD_WORDS);

/** 提交材料: labels joined by 、 (commas and spaces read too) → material codes, in the order written. */
function materials(): CellParser<Material[]> {
  const allowed = Object.keys(MATERIAL_WORDS);
  return Object.assign(
    (raw: Exclude<CellValue, null>) => {
      const words = String(raw)
        .split(/[、,，;；\s]+/)
        .filter(Boolean);
      const unknown = words.filter((w) => !(w in MATERIAL_WORDS));
      if (unknown.length || !words.length)
        return { error: `只能填写：${allowed.join('、')}，多项用“、”分隔（现为“${String(raw)}”）` };
      return words.map((w) => MATERIAL_WORDS[w]!);
    },
    {
      hint: `从 ${allowed.join('、')} 中选，多项用“、”分隔`,
      format: (list: Material[]) => list.map((m) => MATERIAL_NAMES[m]).join('、'),
    },
  );
}

/** 提交期限: a date (2026-03-31) or 开始后N天 (days after the round starts). */
function due(): CellParser<TaskDue> {
  const asDate = date();
  return Object.assign(
    (raw: Exclude<CellValue, null>, ctx: { row: number }) => {
      const days = typeof raw === 'string' ? /^(?:测评)?开始后\s*(\d+)\s*天$/.exec(raw.trim()) : null;
      if (days) return { daysFromStart: Number(days[1]) };
      const ymd = asDate(raw, ctx);
      return typeof ymd === 'string'
        ? { date: ymd }
        : { error: `应为日期（如 2026-03-31）或“开始后N天”（如 开始后20天）（现为“${String(raw)}”）` };
    },
    {
      hint: '日期（如 2026-03-31）或“开始后N天”',
      format: (d: TaskDue) => ('date' in d ? d.date : `开始后${d.daysFromStart}天`),
    },
  );
}
export const MODES = oneOf<string>(SCORING_MODE_WORDS);
const UNITS = oneOf(RESPONSIBLE_UNIT_WORDS);
const col = (key: string, header: string, parse?: CellParser, required = false): Column => ({
  key,
  header,
  required,
  ...(parse ? { parse } : {}),
});

/** 测评标准 columns; a standard's columns are keyed by their JSON path inside the standard. */
export const C = {
  itemCode: col('item.code', '项目编码', undefined, true),
  itemName: col('item.name', '测评项目', undefined, true),
  contentCode: col('content.code', '内容编码', undefined, true),
  contentName: col('content.name', '测评内容', undefined, true),
  code: { ...col('code', '标准编码', undefined, true), unique: true },
  text: col('text', '测评标准', undefined, true),
  points: col('points', '分值', number(), true),
  method: col('method', '测评方法', METHODS, true),
  mode: col('scoring.mode', '计分方式', MODES, true),
  perCase: col('scoring.perCase', '每处扣分', number()),
  B: col('scoring.thresholds.B', 'B档问题数', integer()),
  C: col('scoring.thresholds.C', 'C档问题数', integer()),
  'C#': col('scoring.thresholds.C#', 'C#档问题数', integer()),
  photo: col('photoRequired', '须拍照', yesNo(), true),
  deadline: { ...col('deadlineDays', '整改时限（天）', integer(), true), aliases: ['整改时限'] },
  // 自然日 is the absent deadlineUnit: read back, the field is left out again (excel-read.ts), so a
  // version round-trips to exactly its JSON
  deadlineUnit: {
    ...col('deadlineUnit', '整改时限单位', oneOf(DEADLINE_RULE_WORDS)),
    note: '自然日、工作日或小时；不填即为自然日',
  },
  unit: col('responsibleUnit.kind', '责任单位类别', UNITS, true),
  department: { ...col('responsibleUnit.department', '责任部门'), note: '责任单位类别为“部门”时填写' },
  guidance: col('guidance', '抽查方法'),
  materials: { ...col('task.materials', '提交材料', materials()), note: '材料审核、网上申报标准填写' },
  period: col('task.period', '材料期间'),
  requirement: col('task.requirement', '材料要求'),
  due: { ...col('task.due', '提交期限', due()), note: '日期（如 2026-03-31）或“开始后N天”' },
};
export const STANDARD_COLUMNS = Object.values(C).filter((c) => !/^(item|content)\./.test(c.key));
export const MODE_COLUMNS: Record<string, Column[]> = { deduction: [C.perCase], grade: [C.B, C.C, C['C#']] };

export const TASK_COLUMNS = [C.materials, C.period, C.requirement, C.due];

/** With the unit column the amount is not always in days: its header says 整改时限 (both read). */
const DEADLINE_IN_UNIT: Column = { ...C.deadline, header: '整改时限', aliases: ['整改时限（天）'] };

/**
 * The 测评标准 sheet. Reading always knows the 提交要求 and 整改时限单位 columns (an older workbook simply
 * lacks them); writing adds them only for a version that sets a task, or a unit other than calendar days
 * on some standard, so versions without either export as before.
 */
export function standardSpec(siteTypes: SiteType[], taskColumns = true, unitColumn = true): TableSpec {
  const sites = siteTypes.map((t) => ({ key: `site:${t.code}`, header: t.name, parse: tick(), width: 7 }));
  const unknownColumnHint = '点位类型列的列名须与「点位类型」表中的名称一致';
  const own = Object.values(C)
    .filter((c) => taskColumns || !TASK_COLUMNS.includes(c))
    .filter((c) => unitColumn || c !== C.deadlineUnit)
    .map((c) => (unitColumn && c === C.deadline ? DEADLINE_IN_UNIT : c));
  const columns = [...own, ...sites];
  const spec = { name: '测评标准', sheetName: '测评标准', sheetRequired: true, columns, unknownColumnHint };
  return { ...spec, maxRows: 1000 }; // a system has a few hundred standards; keeps the dropdown ranges small
}

export function getPath(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], source);
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys.at(-1)!] = value;
}
