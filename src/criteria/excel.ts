/**
 * A criteria version as a workbook, for offices that adapt the national 测评体系 in Excel: 版本信息
 * (the version and its rules as key/value rows), 点位类型, and 测评标准 — one row per standard with a ✓
 * column per site type, the site-type × standard matrix offices already keep. The import rebuilds the
 * item/content tree from consecutive codes and runs the very checkCriteria behind `criteria:check`, so
 * a workbook and a JSON file are refused with the same words, here pointed at sheet, row and column.
 */
import ExcelJS from 'exceljs';
import {
  RATE_FORMAT,
  addListValidation,
  addTableSheet,
  date,
  integer,
  number,
  oneOf,
  raw,
  readWorkbook,
  tableOf,
  text,
  tick,
  toBuffer,
  yesNo,
  type CellParser,
  type CellValue,
  type Column,
  type ReadResult,
  type TableSpec,
  isCellError,
} from '../excel/index.ts';
import { checkCriteria } from './check.ts';
import type { CriteriaVersion, SiteType } from './schema.ts';
import {
  AGGREGATION_NAMES,
  AGGREGATION_OLD_WORDS,
  AGGREGATION_WORDS,
  METHOD_WORDS,
  NA_RULE_WORDS,
  REPEAT_MODE_WORDS,
  RESPONSIBLE_UNIT_WORDS,
  SCORING_MODE_WORDS,
} from '../labels.ts';

type Row = Record<string, unknown> & { _row: number };
export type CriteriaImport = { ok: true; version: CriteriaVersion } | { ok: false; errors: string[] };

const rate = number({ percent: true });
const REPEAT_VALUE = 'rules.repeat.value';

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

/** The 版本信息 rows: label, JSON path in the version, parser, required. */
const INFO: InfoField[] = [
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
];

const RATE_HELP = '0～1 之间的小数，也可写百分数，如 0.9 或 90%';
const HELP: Record<string, string> = {
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
};

const INFO_SPEC: TableSpec = {
  name: '版本信息',
  sheetName: '版本信息',
  sheetRequired: true,
  columns: [
    { key: 'field', header: '项目', required: true, unique: true, parse: oneOf(INFO.map((f) => f.label)) },
    { key: 'value', header: '内容', parse: raw(), width: 50 },
    { key: 'help', header: '填写说明', width: 60 },
  ],
};

const SITE_SPEC: TableSpec = {
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
const MODES = oneOf<string>(SCORING_MODE_WORDS);
const UNITS = oneOf(RESPONSIBLE_UNIT_WORDS);
const col = (key: string, header: string, parse?: CellParser, required = false): Column => ({
  key,
  header,
  required,
  ...(parse ? { parse } : {}),
});

/** 测评标准 columns; a standard's columns are keyed by their JSON path inside the standard. */
const C = {
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
  deadline: col('deadlineDays', '整改时限（天）', integer(), true),
  unit: col('responsibleUnit.kind', '责任单位类别', UNITS, true),
  department: { ...col('responsibleUnit.department', '责任部门'), note: '责任单位类别为“部门”时填写' },
  guidance: col('guidance', '抽查方法'),
};
const STANDARD_COLUMNS = Object.values(C).filter((c) => !/^(item|content)\./.test(c.key));
const MODE_COLUMNS: Record<string, Column[]> = { deduction: [C.perCase], grade: [C.B, C.C, C['C#']] };

function standardSpec(siteTypes: SiteType[]): TableSpec {
  const sites = siteTypes.map((t) => ({ key: `site:${t.code}`, header: t.name, parse: tick(), width: 7 }));
  const unknownColumnHint = '点位类型列的列名须与「点位类型」表中的名称一致';
  const columns = [...Object.values(C), ...sites];
  const spec = { name: '测评标准', sheetName: '测评标准', sheetRequired: true, columns, unknownColumnHint };
  return { ...spec, maxRows: 1000 }; // a system has a few hundred standards; keeps the dropdown ranges small
}

function getPath(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], source);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys.at(-1)!] = value;
}

export async function criteriaToWorkbook(version: CriteriaVersion): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const { repeat, siteTypeWeights } = version.rules;
  const repeatValue =
    repeat.mode === 'multiply' ? repeat.factor : repeat.mode === 'add' ? repeat.points : null;
  const infoRows = INFO.map((f) => {
    const v = f.path === REPEAT_VALUE ? repeatValue : getPath(version, f.path);
    return { field: f.label, value: v == null ? null : (f.parse.format?.(v) ?? v), help: HELP[f.label] };
  });
  const infoSheet = addTableSheet(wb, INFO_SPEC, infoRows);
  // 项目 from its list (a short range: exceljs expands a validation to every cell it covers when loading),
  // and each 内容 cell as its row's value: rates as percentages, fixed choices as a dropdown
  const labels = INFO.map((f) => f.label);
  addListValidation(wb, infoSheet, `A2:A${INFO.length + 11}`, labels, '项目');
  INFO.forEach((f, i) => {
    const ref = `B${i + 2}`;
    if (f.parse === rate) infoSheet.getCell(ref).numFmt = RATE_FORMAT;
    if (f.parse.allowed) addListValidation(wb, infoSheet, ref, f.parse.allowed, f.label);
  });
  addTableSheet(
    wb,
    SITE_SPEC,
    version.siteTypes.map((t) => ({ ...t, weight: siteTypeWeights[t.code] })),
  );
  const rows = version.items.flatMap((item) =>
    item.contents.flatMap((content) =>
      content.standards.map((s) => ({
        ...Object.fromEntries(STANDARD_COLUMNS.map((c) => [c.key, getPath(s, c.key)])),
        ...Object.fromEntries(s.siteTypes.map((t) => [`site:${t}`, true])),
        'item.code': item.code,
        'item.name': item.name,
        'content.code': content.code,
        'content.name': content.name,
      })),
    ),
  );
  addTableSheet(wb, standardSpec(version.siteTypes), rows, { dropdowns: true, autoFilter: true });
  return toBuffer(wb);
}

type Group = { row: number; code: string; name: string };

/** Where each part of the version came from, to point checkCriteria's JSON paths at rows. */
interface Origins {
  info: Map<string, number>;
  sites: Row[];
  siteNames: Map<string, string>;
  items: (Group & { contents: (Group & { standards: Row[] })[] })[];
}

/** The column a JSON path (relative to a standard, content or item) was read from. */
function headerFor(rest: string | undefined, columns: Column[]): string {
  if (!rest) return '';
  const hit =
    columns.find((c) => rest === c.key || rest.startsWith(`${c.key}.`)) ??
    columns.find((c) => c.key.startsWith(`${rest}.`));
  return hit ? `「${hit.header}」` : '';
}

/** One checkCriteria issue → '「测评标准」第12行（标准 C01-2）「分值」：分值必须大于0'. */
function locate(path: string, message: string, at: Origins, version: CriteriaVersion): string {
  const tree = /^items\[(\d+)\](?:\.contents\[(\d+)\](?:\.standards\[(\d+)\])?)?(?:\.(.+))?$/.exec(path);
  if (tree) {
    const [i, j, k] = [1, 2, 3].map((n) => Number(tree[n] ?? -1)) as [number, number, number];
    const rest = tree[4];
    const item = at.items[i];
    const content = item?.contents[j];
    const row = content?.standards[k];
    if (row) {
      const m = /^siteTypes\[(\d+)\]/.exec(rest ?? '');
      const type = m && version.items[i]?.contents[j]?.standards[k]?.siteTypes[Number(m[1])];
      const header = type
        ? `「${at.siteNames.get(type) ?? type}」`
        : rest === 'siteTypes'
          ? '「适用点位类型（✓ 列）」'
          : headerFor(rest, STANDARD_COLUMNS);
      return `「测评标准」第${row._row}行（标准 ${String(row.code)}）${header}：${message}`;
    }
    const node = content ?? item;
    const level = content ? 'content' : 'item';
    const columns = [C.itemCode, C.itemName, C.contentCode, C.contentName].filter((c) =>
      c.key.startsWith(level),
    );
    const header = headerFor(rest && `${level}.${rest}`, columns);
    if (node)
      return `「测评标准」第${node.row}行（${content ? '测评内容' : '测评项目'} ${node.code}）${header}：${message}`;
  }
  const site = /^siteTypes\[(\d+)\](?:\.(.+))?$/.exec(path);
  const siteRow = site ? at.sites[Number(site[1])] : undefined;
  if (site && siteRow)
    return `「点位类型」第${siteRow._row}行（${String(siteRow.code)}）${headerFor(site[2], SITE_SPEC.columns)}：${message}`;
  const weight = /^rules\.siteTypeWeights\.(.+)$/.exec(path);
  const weightRow = weight ? at.sites.find((r) => r.code === weight[1]) : undefined;
  if (weightRow) return `「点位类型」第${weightRow._row}行（${String(weightRow.code)}）「权重」：${message}`;
  if (path === 'siteTypes') return `「点位类型」：${message}`;
  if (path === 'items') return `「测评标准」：${message}`;
  const infoPath = /^rules\.repeat\.(factor|points)$/.test(path) ? REPEAT_VALUE : path;
  const field =
    INFO.find((f) => f.path === infoPath || infoPath.startsWith(`${f.path}.`)) ??
    INFO.find((f) => f.path.startsWith(`${infoPath}.`));
  if (!field) return `${path}：${message}`;
  const row = at.info.get(field.label);
  return row
    ? `「版本信息」第${row}行（${field.label}）：${message}`
    : `「版本信息」“${field.label}”：${message}`;
}

/** A sheet's read failure as lines prefixed with the sheet (unless the message names it already). */
function sheetErrors(sheet: string, r: Extract<ReadResult<unknown>, { ok: false }>): string[] {
  if (r.fatal) return [r.fatal.includes(`「${sheet}」`) ? r.fatal : `「${sheet}」${r.fatal}`];
  return r.messages.map((m) => `「${sheet}」${m}`);
}

/** 版本信息 rows → the version's scalar fields and rules, parsed by each row's own parser. */
function readInfo(rows: Row[], origins: Origins, errors: string[]): Record<string, unknown> {
  // Both 黑榜 settings are optional, but the list itself is not: checkCriteria asks for one of them.
  const draft: Record<string, unknown> = { rules: { blackList: {} } };
  for (const row of rows) {
    const field = INFO.find((f) => f.label === row.field)!;
    origins.info.set(field.label, row._row);
    const cell = row.value as CellValue | undefined;
    if (cell === undefined || cell === null) {
      if (field.required) errors.push(`「版本信息」第${row._row}行（${field.label}）：内容不能为空`);
      continue;
    }
    const value = field.parse(cell, { row: row._row });
    if (isCellError(value)) errors.push(`「版本信息」第${row._row}行（${field.label}）：${value.error}`);
    else setPath(draft, field.path, value);
  }
  for (const f of INFO)
    if (f.required && !origins.info.has(f.label)) errors.push(`「版本信息」缺少“${f.label}”这一行`);
  const rules = draft.rules as Record<string, unknown>;
  const repeat = rules.repeat as { mode?: string; value?: number } | undefined;
  if (repeat) {
    const { mode, value } = repeat;
    if (mode === 'none' && value !== undefined)
      errors.push(
        `「版本信息」第${origins.info.get('反复出现倍数或加扣分')}行（反复出现倍数或加扣分）：反复出现规则为“无”时应留空`,
      );
    rules.repeat =
      mode === 'multiply' ? { mode, factor: value } : mode === 'add' ? { mode, points: value } : { mode };
  }
  return draft;
}

/** 测评标准 rows → item and content groups (runs of one code) holding their standards' rows. */
function groupStandards(rows: Row[], errors: string[]): Origins['items'] {
  const items: Origins['items'] = [];
  const started = new Map<string, number>();
  const fail = (row: Row, column: Column, message: string) =>
    errors.push(`「测评标准」第${row._row}行（标准 ${String(row.code)}）「${column.header}」：${message}`);
  function next<G extends Group>(list: G[], row: Row, level: 'item' | 'content', make: (g: Group) => G): G {
    const [codeColumn, nameColumn] =
      level === 'item' ? [C.itemCode, C.itemName] : [C.contentCode, C.contentName];
    const [code, name, what] = [String(row[codeColumn.key]), String(row[nameColumn.key]), nameColumn.header];
    const last = list.at(-1);
    if (last?.code === code) {
      if (last.name !== name)
        fail(row, nameColumn, `与第${last.row}行同一${what} ${code} 的名称“${last.name}”不一致`);
      return last;
    }
    const first = started.get(`${level}:${code}`);
    if (first) fail(row, codeColumn, `${what} ${code} 已在第${first}行出现，同一${what}的标准须连续排列`);
    started.set(`${level}:${code}`, row._row);
    list.push(make({ row: row._row, code, name }));
    return list.at(-1)!;
  }
  for (const row of rows) {
    const item = next(items, row, 'item', (g) => ({ ...g, contents: [] }));
    next(item.contents, row, 'content', (g) => ({ ...g, standards: [] as Row[] })).standards.push(row);
  }
  return items;
}

/** One 测评标准 row → a standard, as written (checkCriteria judges the values). */
function toStandard(row: Row, siteTypes: SiteType[], errors: string[]): Record<string, unknown> {
  const fail = (column: Column, message: string) =>
    errors.push(`「测评标准」第${row._row}行（标准 ${String(row.code)}）「${column.header}」：${message}`);
  const standard: Record<string, unknown> = {
    siteTypes: siteTypes.filter((t) => row[`site:${t.code}`] === true).map((t) => t.code),
  };
  for (const c of STANDARD_COLUMNS) if (row[c.key] !== undefined) setPath(standard, c.key, row[c.key]);
  const mode = row[C.mode.key] as string;
  for (const [other, columns] of Object.entries(MODE_COLUMNS))
    for (const c of other === mode ? [] : columns)
      if (row[c.key] !== undefined) fail(c, `计分方式为“${String(MODES.format?.(mode))}”时应留空`);
  if (mode === 'grade')
    setPath(standard, 'scoring.thresholds', getPath(standard, 'scoring.thresholds') ?? {});
  const kind = row[C.unit.key];
  if (kind === 'department') setPath(standard, C.department.key, row[C.department.key] ?? '');
  else if (row[C.department.key] !== undefined) fail(C.department, '责任单位类别为“部门”时才填写');
  return standard;
}

/** A workbook back to a checked version, or every problem with sheet, row and column. */
export async function criteriaFromWorkbook(buf: Buffer): Promise<CriteriaImport> {
  // checked, inflated and parsed once; the three tables are then taken from the sheets in memory
  const book = await readWorkbook(buf);
  if (!book.ok) return { ok: false, errors: [book.reason] };
  const errors: string[] = [];
  const info = tableOf<Row>(book, INFO_SPEC);
  if (!info.ok) errors.push(...sheetErrors('版本信息', info));
  const sites = tableOf<Row>(book, SITE_SPEC);
  if (!sites.ok) return { ok: false, errors: [...errors, ...sheetErrors('点位类型', sites)] };
  const siteTypes: SiteType[] = sites.rows.map((r) => ({
    code: String(r.code),
    name: String(r.name),
    ...(r.description === undefined ? {} : { description: String(r.description) }),
  }));
  const standards = tableOf<Row>(book, standardSpec(siteTypes));
  if (!standards.ok) errors.push(...sheetErrors('测评标准', standards));
  if (!info.ok || !standards.ok) return { ok: false, errors };

  const missing = siteTypes.filter((t) => !standards.columns.includes(`site:${t.code}`)).map((t) => t.name);
  if (missing.length) errors.push(`「测评标准」缺少点位类型列：${missing.join('、')}`);
  const origins: Origins = {
    info: new Map(),
    sites: sites.rows,
    siteNames: new Map(siteTypes.map((t) => [t.code, t.name])),
    items: [],
  };
  const draft = readInfo(info.rows, origins, errors);
  draft.siteTypes = siteTypes;
  const weights = sites.rows.filter((r) => r.weight !== undefined).map((r) => [String(r.code), r.weight]);
  (draft.rules as Record<string, unknown>).siteTypeWeights = Object.fromEntries(weights);
  origins.items = groupStandards(standards.rows, errors);
  draft.items = origins.items.map((item) => ({
    code: item.code,
    name: item.name,
    contents: item.contents.map((content) => ({
      code: content.code,
      name: content.name,
      standards: content.standards.map((row) => toStandard(row, siteTypes, errors)),
    })),
  }));
  if (errors.length) return { ok: false, errors };

  const checked = checkCriteria(draft);
  if (checked.ok) return checked;
  return {
    ok: false,
    errors: checked.issues.map((i) => locate(i.path, i.message, origins, draft as CriteriaVersion)),
  };
}
