/**
 * Reads a criteria workbook (laid out in excel-layout.ts) back into a version. It rebuilds the
 * item/content tree from consecutive codes and runs the very checkCriteria behind `criteria:check`, so
 * a workbook and a JSON file are refused with the same words, here pointed at sheet, row and column.
 */
import {
  readWorkbook,
  tableOf,
  type CellValue,
  type Column,
  type ReadResult,
  isCellError,
} from '../excel/index.ts';
import { checkCriteria } from './check.ts';
import { COMBINE_NAMES } from '../labels.ts';
import type { CriteriaVersion, SiteType } from './schema.ts';
import {
  REPEAT_VALUE,
  WEIGHT_LABELS,
  INFO,
  INFO_SPEC,
  SITE_SPEC,
  MODES,
  C,
  STANDARD_COLUMNS,
  MODE_COLUMNS,
  standardSpec,
  getPath,
  setPath,
  type Row,
} from './excel-layout.ts';

export type CriteriaImport = { ok: true; version: CriteriaVersion } | { ok: false; errors: string[] };

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
    columns.find((c) => rest === c.key || rest.startsWith(`${c.key}.`) || rest.startsWith(`${c.key}[`)) ??
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
  readMethods(rules, origins, errors);
  return draft;
}

/** 方法合成 and its weights: weights only with 按方法加权, and 按方法加权 only with weights. */
function readMethods(rules: Record<string, unknown>, origins: Origins, errors: string[]) {
  const methods = rules.methods as { combine?: string; weights?: Record<string, number> } | undefined;
  if (!methods) return;
  const at = (label: string) => `「版本信息」第${origins.info.get(label)}行（${label}）`;
  if (methods.combine === undefined)
    errors.push(
      `${at(WEIGHT_LABELS[Object.keys(methods.weights!)[0]!]!)}：填写了方法权重时，“方法合成”应为“${COMBINE_NAMES.weighted}”`,
    );
  else if (methods.combine === 'pooled' && methods.weights)
    errors.push(`${at('方法合成')}：方法合成为“${COMBINE_NAMES.pooled}”时，各方法权重应留空`);
  else if (methods.combine === 'weighted') methods.weights ??= {};
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
  // 自然日 is the absent field (excel-layout.ts): an older version's JSON has no deadlineUnit
  if (standard.deadlineUnit === 'calendar') delete standard.deadlineUnit;
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
