/**
 * A criteria version's scoring rules in words, for the version's page, the 计分规则说明 page and the
 * results header. Each sentence is built only from what the version sets: a rule it leaves out is said
 * to be not used, never left as a dangling "或" (the 2025 version has a 黑榜 of the last 2 places and no
 * rate threshold). The wording follows what src/scoring does with each value.
 */
import type { CriteriaVersion, MethodsRule, Rules, Standard } from '../../criteria/schema.ts';
import type { RoundMethod } from '../../services/document-tasks.ts';
import {
  AGGREGATION_NAMES,
  METHOD_NAMES,
  RESULT_NAMES,
  ROUND_METHOD_LONG_NAMES,
  ROUND_METHOD_NAMES,
} from '../../labels.ts';

export interface RuleLine {
  label: string;
  text: string;
}

/** 0.85 → "85%", 0.875 → "87.5%" (no floating-point tails) */
export function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

const num = (n: number) => String(Math.round(n * 10000) / 10000);

export const NA_RULE_TEXT: Record<Rules['notApplicable'], string> = {
  exclude: '不适用的标准不计入得分，也不计入应得分',
  average:
    '不适用的标准按本轮其他社区该标准的平均得分率计分（一个镇街的直属点位算作一组，与社区同样对待）；其他社区没有该标准的有效答案时，不计入得分和应得分',
};

/** How sites combine into a 社区's and a 镇街's 得分率, with or without site-type weights. */
export function aggregationText(rules: Pick<Rules, 'aggregation' | 'siteTypeWeights'>): string {
  const weighted = Object.keys(rules.siteTypeWeights).length > 0;
  if (rules.aggregation === 'pooled')
    return weighted
      ? `${AGGREGATION_NAMES.pooled}：社区、镇街得分率 = Σ(权重 × 得分) ÷ Σ(权重 × 应得分)，对其下所有点位`
      : `${AGGREGATION_NAMES.pooled}：社区、镇街得分率 = Σ得分 ÷ Σ应得分，对其下所有点位`;
  return weighted
    ? `${AGGREGATION_NAMES.mean}：社区、镇街得分率 = Σ(权重 × 点位得分率) ÷ Σ权重，对其下有得分率的点位`
    : `${AGGREGATION_NAMES.mean}：社区、镇街得分率 = 其下有得分率的各点位得分率的平均值`;
}

export function weightsText(rules: Rules, siteTypeName: (code: string) => string): string {
  const entries = Object.entries(rules.siteTypeWeights);
  if (!entries.length) return '各类点位权重相同';
  return `${entries.map(([code, w]) => `${siteTypeName(code)} ${num(w)}`).join('、')}；其他点位类型为 1`;
}

export function onTheSpotText(rules: Rules): string {
  const f = rules.onTheSpotFix;
  if (!f.enabled) return '不减免：当场整改的问题与其他问题同样扣分';
  return `当场整改的问题每处按 ${num(f.factor)} 处计（合格制标准不合格但当场整改的，失分 × ${num(f.factor)}）`;
}

export function repeatText(rules: Rules): string {
  const r = rules.repeat;
  if (r.mode === 'none') return '不加重';
  const when = '上一轮（同一体系系列的上一个已结束轮次）同一点位同一标准也被扣分的';
  return r.mode === 'multiply'
    ? `${when}，本轮失分 × ${num(r.factor)}`
    : `${when}，本轮失分另加 ${num(r.points)} 分`;
}

export function redListText(rules: Rules): string {
  const { topN, minRate } = rules.redList;
  if (topN === 0) return '不设红榜';
  return minRate === undefined
    ? `名次在前 ${topN} 名`
    : `名次在前 ${topN} 名，且得分率不低于 ${percent(minRate)}`;
}

export function blackListText(rules: Rules): string {
  const { belowRate, bottomN } = rules.blackList;
  const parts: string[] = [];
  if (belowRate !== undefined) parts.push(`得分率低于 ${percent(belowRate)}`);
  if (bottomN !== undefined && bottomN > 0) parts.push(`处于最后 ${bottomN} 名（含并列）`);
  if (!parts.length) return '不设黑榜';
  const both = rules.redList.topN > 0 ? '；同时符合红榜条件的，只列入红榜' : '';
  return `${parts.join('，或')}${both}`;
}

/** Who is ranked: the results header and the rules pages say the same. */
export function rankingText(rules: Pick<Rules, 'minPossiblePoints'>): string {
  return rules.minPossiblePoints > 0
    ? `应得分合计不足 ${num(rules.minPossiblePoints)} 分的社区和镇街不参与排名，列为未排名`
    : '有得分率的社区和镇街都参与排名，没有得分率的列为未排名';
}

export function gradeSharesText(rules: Rules): string {
  const g = rules.gradeShares;
  return `A ${percent(g.A)} · B ${percent(g.B)} · C ${percent(g.C)} · C# ${percent(g['C#'])}`;
}

/** The methods a version's standards use, in round-method terms (网上申报 under 材料审核). */
function versionMethods(version: CriteriaVersion): RoundMethod[] {
  const used = new Set(
    version.items.flatMap((i) => i.contents.flatMap((c) => c.standards.map((s) => s.method))),
  );
  if (used.has('online')) used.add('document');
  return (['field', 'document', 'survey'] as const).filter((m) => used.has(m));
}

/** Every rule of a version, in the order the computation applies them. */
export function ruleLines(version: CriteriaVersion): RuleLine[] {
  const rules = version.rules;
  const names = new Map(version.siteTypes.map((t) => [t.code, t.name]));
  const siteTypeName = (code: string) => names.get(code) ?? code;
  return [
    { label: RESULT_NAMES.na, text: NA_RULE_TEXT[rules.notApplicable] },
    { label: '等级得分', text: gradeSharesText(rules) },
    { label: '当场整改', text: onTheSpotText(rules) },
    { label: '反复出现', text: repeatText(rules) },
    { label: '汇总方式', text: aggregationText(rules) },
    { label: '点位类型权重', text: weightsText(rules, siteTypeName) },
    { label: '参与排名', text: rankingText(rules) },
    { label: '红榜', text: redListText(rules) },
    { label: '黑榜', text: blackListText(rules) },
    ...(rules.methods
      ? [{ label: '方法合成', text: combineText(rules.methods, versionMethods(version)) }]
      : []),
  ];
}

/**
 * How the methods combine into the 综合得分率, in words (absent from the version: pooled, said so); the
 * pooled formula names the round's methods (field and documents when not given).
 */
export function combineText(
  rule: MethodsRule | undefined,
  methods: readonly RoundMethod[] = ['field', 'document'],
): string {
  const r = rule ?? { combine: 'pooled' as const };
  const sum = (what: string) => methods.map((m) => `${ROUND_METHOD_NAMES[m]}${what}`).join(' + ');
  const text =
    r.combine === 'pooled'
      ? `合并计分：综合得分率 = (${sum('得分')}) ÷ (${sum('应得分')})`
      : `按权重：${(['field', 'document', 'survey'] as const)
          .filter((m) => (r.weights[m] ?? 0) > 0)
          .map((m) => `${ROUND_METHOD_LONG_NAMES[m]} ${num(r.weights[m]!)}`)
          .join('、')}；综合得分率 = Σ(权重 × 方法得分率) ÷ Σ权重，只计有应得分的方法（权重按其余方法折算）`;
  return rule ? text : `测评体系未规定方法的合成方式，按${text}`;
}

/** What a round counts beyond its field sheets: the methods and its document tasks not counted yet. */
export interface CountedMethods {
  methods: readonly RoundMethod[];
  rule: MethodsRule | undefined;
  /** submitted tasks not yet scored (暂定), tasks still within their deadline */
  provisional: number;
  waiting: number;
}

/**
 * Which methods a round's results count, and what the version asks by the others that they leave out:
 * a field-only ranking says so, so nobody takes it for the whole score. A round that collects documents
 * counts 材料审核 and 网上申报 standards that state a task, a round with a survey its 问卷调查 standards;
 * the others are named as left out, with the tasks not counted yet (待评分: the results are 暂定; 未到期限).
 */
export function methodsText(
  standards: readonly Pick<Standard, 'method' | 'points' | 'task'>[],
  counted?: CountedMethods,
): string {
  const withDocuments = counted?.methods.includes('document') ?? false;
  const withSurvey = counted?.methods.includes('survey') ?? false;
  const withField = counted ? counted.methods.includes('field') : true;
  const leftOut = (['field', 'document', 'online', 'survey'] as const)
    .map((method) => {
      const of = standards.filter(
        (s) =>
          s.method === method &&
          (method === 'field'
            ? !withField
            : method === 'survey'
              ? !withSurvey
              : !withDocuments || s.task === undefined),
      );
      const points = of.reduce((sum, s) => sum + s.points, 0);
      const what = withDocuments && (method === 'document' || method === 'online') ? '（未设材料任务）' : '';
      return of.length ? `${METHOD_NAMES[method]}${what} ${of.length} 条（${num(points)} 分）` : '';
    })
    .filter(Boolean);
  if (!counted || (!withDocuments && !withSurvey)) {
    const text = `计入方法：${METHOD_NAMES.field}`;
    return leftOut.length
      ? `${text}。测评体系中的${leftOut.join('、')}本轮未计入，排名只反映${METHOD_NAMES.field}`
      : text;
  }
  const names = counted.methods.map((m) => ROUND_METHOD_LONG_NAMES[m]);
  const parts = [`计入方法：${names.join('、')}；${combineText(counted.rule, counted.methods)}`];
  if (leftOut.length) parts.push(`测评体系中的${leftOut.join('、')}本轮未计入`);
  if (counted.provisional > 0) parts.push(`${counted.provisional} 项材料待评分，结果为暂定`);
  if (counted.waiting > 0) parts.push(`${counted.waiting} 项材料未到期限，未计入`);
  return parts.join('。');
}
