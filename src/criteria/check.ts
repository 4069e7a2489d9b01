/**
 * Validates a criteria file beyond what its schema says, and turns every problem into one plain
 * Chinese line naming the JSON path. Used by `npm run criteria:check`, by the server at start, and
 * by the criteria import, so all three refuse the same files with the same words.
 */
import type { z } from 'zod';
import { criteriaVersionSchema, type CriteriaVersion, type Standard } from './schema.ts';
import { DEADLINE_UNIT_NAMES, METHOD_NAMES } from '../labels.ts';

export interface CriteriaIssue {
  /** JSON path like items[2].contents[0].standards[1].points */
  path: string;
  message: string;
}

/**
 * The largest 整改时限 per unit: a standard's deadlineDays is the amount in its deadlineUnit (calendar
 * days when absent, working days, or hours). The schema bounds it by 365; working days stop at 250 (about
 * a year of them). The office's per-source rules share these limits (services/deadlines.ts).
 */
export const STANDARD_DEADLINE_MAX = { calendar: 365, workdays: 250, hours: 720 } as const;

/** A standard's 整改时限 beyond its unit's limit. */
function deadlineIssues(s: Standard, base: string): CriteriaIssue[] {
  const unit = s.deadlineUnit ?? 'calendar';
  const max = STANDARD_DEADLINE_MAX[unit];
  if (s.deadlineDays <= max) return [];
  const message = `整改时限不能超过 ${max} ${DEADLINE_UNIT_NAMES[unit]}（现为 ${s.deadlineDays}）`;
  return [{ path: `${base}.deadlineDays`, message }];
}

export type CheckResult = { ok: true; version: CriteriaVersion } | { ok: false; issues: CriteriaIssue[] };

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(根)';
}

const TYPE_NAMES: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  boolean: '是/否（true 或 false）',
  object: '对象',
  array: '数组',
  undefined: '缺失',
  null: '空值',
};

/** A schema's refusals as { path, message } lines (criteria and questionnaire files alike). */
export function zodIssues(error: z.ZodError): CriteriaIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: zodIssueMessage(i) }));
}

/** zod's issues in Chinese; custom messages set in the schema are kept as they are. */
function zodIssueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `缺少必填字段（应为${expected}）`;
      return `类型错误：应为${expected}`;
    }
    case 'unrecognized_keys':
      return `不认识的字段：${issue.keys.join('、')}`;
    case 'invalid_value':
      // a schema's own words (deadlineUnit's) win over the generic list
      if (/[\u4e00-\u9fff]/.test(issue.message)) return issue.message;
      return `取值无效：只能是 ${issue.values.map((v) => JSON.stringify(v)).join(' / ')}`;
    case 'invalid_union':
      return issue.message && !issue.message.startsWith('Invalid')
        ? issue.message
        : '取值无效：不符合任何一种允许的写法';
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      return /[\u4e00-\u9fff]/.test(issue.message) ? issue.message : `取值无效（${issue.message}）`;
    default:
      return /[\u4e00-\u9fff]/.test(issue.message) ? issue.message : `取值无效（${issue.message}）`;
  }
}

/** A standard's 提交要求: only on document / online standards, each material listed once. */
function taskIssues(s: Standard, base: string): CriteriaIssue[] {
  if (!s.task) return [];
  if (s.method !== 'document' && s.method !== 'online')
    return [{ path: `${base}.task`, message: '只有材料审核和网上申报标准可以设置提交要求' }];
  const issues: CriteriaIssue[] = [];
  s.task.materials.forEach((m, i) => {
    if (s.task!.materials.indexOf(m) !== i)
      issues.push({ path: `${base}.task.materials[${i}]`, message: `提交材料 "${m}" 重复列出` });
  });
  return issues;
}

/**
 * A weighted combine needs a positive weight, and one on a method the version uses (field, document —
 * 网上申报 with it — or survey); a weight on a method without standards yet is allowed.
 */
function methodsIssues(version: CriteriaVersion, used: Set<string>): CriteriaIssue[] {
  const m = version.rules.methods;
  if (m?.combine !== 'weighted') return [];
  const positive = Object.entries(m.weights).filter(([, w]) => w !== undefined && w > 0);
  const path = 'rules.methods.weights';
  if (!positive.length) return [{ path, message: '方法加权时至少要有一种方法的权重大于0' }];
  if (!positive.some(([method]) => used.has(method))) {
    const names = positive.map(([method]) => METHOD_NAMES[method as keyof typeof METHOD_NAMES]);
    return [{ path, message: `权重大于0的方法（${names.join('、')}）在本版本中都没有测评标准` }];
  }
  return [];
}

/** Checks a parsed version for what the schema cannot express. */
export function checkConsistency(version: CriteriaVersion): CriteriaIssue[] {
  const issues: CriteriaIssue[] = [];
  const siteTypeCodes = new Set<string>();
  version.siteTypes.forEach((t, i) => {
    if (siteTypeCodes.has(t.code))
      issues.push({ path: `siteTypes[${i}].code`, message: `点位类型编码 "${t.code}" 重复` });
    siteTypeCodes.add(t.code);
  });
  for (const key of Object.keys(version.rules.siteTypeWeights)) {
    if (!siteTypeCodes.has(key))
      issues.push({
        path: `rules.siteTypeWeights.${key}`,
        message: `权重中的点位类型 "${key}" 未在 siteTypes 中定义`,
      });
  }
  const bl = version.rules.blackList;
  if (bl.belowRate === undefined && bl.bottomN === undefined)
    issues.push({ path: 'rules.blackList', message: '黑榜规则至少要设 belowRate 或 bottomN 之一' });

  const seen = new Map<string, string>();
  const claim = (codeValue: string, path: string) => {
    const first = seen.get(codeValue);
    if (first) issues.push({ path, message: `编码 "${codeValue}" 重复（已在 ${first} 使用）` });
    else seen.set(codeValue, path);
  };
  const used = new Set<string>();
  const methodsUsed = new Set<string>();
  version.items.forEach((item, i) => {
    claim(item.code, `items[${i}].code`);
    item.contents.forEach((content, j) => {
      claim(content.code, `items[${i}].contents[${j}].code`);
      content.standards.forEach((s, k) => {
        const base = `items[${i}].contents[${j}].standards[${k}]`;
        claim(s.code, `${base}.code`);
        const inSheet = new Set<string>();
        s.siteTypes.forEach((t, m) => {
          if (!siteTypeCodes.has(t))
            issues.push({ path: `${base}.siteTypes[${m}]`, message: `未知的点位类型 "${t}"` });
          if (inSheet.has(t))
            issues.push({ path: `${base}.siteTypes[${m}]`, message: `点位类型 "${t}" 重复列出` });
          inSheet.add(t);
          used.add(t);
        });
        if (s.method === 'field' && s.siteTypes.length === 0)
          issues.push({ path: `${base}.siteTypes`, message: `实地考察标准 ${s.code} 不适用于任何点位类型` });
        if (s.method !== 'field' && s.siteTypes.length > 0)
          issues.push({
            path: `${base}.siteTypes`,
            message: `非实地考察标准 ${s.code} 不在点位上测评，siteTypes 应为空`,
          });
        if (s.scoring.mode === 'grade') {
          const t = s.scoring.thresholds;
          if (!(t.B < t.C && t.C < t['C#']))
            issues.push({
              path: `${base}.scoring.thresholds`,
              message: `等级门槛必须依次增大（B < C < C#），现为 B=${t.B}、C=${t.C}、C#=${t['C#']}`,
            });
        }
        issues.push(...taskIssues(s, base), ...deadlineIssues(s, base));
        methodsUsed.add(s.method === 'online' ? 'document' : s.method);
        if (s.scoring.mode === 'deduction' && s.scoring.perCase > s.points)
          issues.push({
            path: `${base}.scoring.perCase`,
            message: `每处扣分 ${s.scoring.perCase} 大于该标准分值 ${s.points}`,
          });
      });
    });
  });
  issues.push(...methodsIssues(version, methodsUsed));
  const shares = version.rules.gradeShares;
  if (!(shares.A >= shares.B && shares.B >= shares.C && shares.C >= shares['C#']))
    issues.push({ path: 'rules.gradeShares', message: '等级得分比例必须依次不增（A ≥ B ≥ C ≥ C#）' });
  return issues;
}

/** Parses and checks an already-decoded JSON value. */
export function checkCriteria(data: unknown): CheckResult {
  const parsed = criteriaVersionSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return {
      ok: false,
      issues: zodIssues(parsed.error),
    };
  }
  const issues = checkConsistency(parsed.data);
  return issues.length ? { ok: false, issues } : { ok: true, version: parsed.data };
}

/** Parses JSON text too, so a syntax error gets the same treatment. */
export function checkCriteriaText(textContent: string): CheckResult {
  let data: unknown;
  try {
    data = JSON.parse(textContent);
  } catch (err) {
    return {
      ok: false,
      issues: [{ path: '(文件)', message: `不是有效的 JSON：${(err as Error).message}` }],
    };
  }
  return checkCriteria(data);
}

export function formatIssues(file: string, issues: CriteriaIssue[]): string {
  return issues.map((i) => `${file}: ${i.path}: ${i.message}`).join('\n');
}
