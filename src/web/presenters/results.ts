/**
 * Round results as pages and workbooks show them: percentages, points, movement arrows, list marks, the
 * header's rules in words, the link up one level and the charts. Formatting only: the data comes from
 * services/results-pages.ts.
 */
import type { AreaResult, SiteResult } from '../../scoring/round.ts';
import { formatRate } from '../../scoring/standard.ts';
import type { ResultsBase, UpLevel } from '../../services/results-pages.ts';
import type { TrendPoint } from '../../services/trends.ts';
import {
  RANK_NAMES,
  ROUND_METHOD_LONG_NAMES,
  ROUND_STATUS_NAMES,
  TASK_LEVEL_NAMES,
  TASK_STATE_NAMES,
  UNRANKED_NAMES,
} from '../../labels.ts';
import type { PlaceTask } from '../../services/results-tasks.ts';
import { NA_RULE_TEXT, aggregationText, methodsText, rankingText } from './rules.ts';
import { rateLineChart } from '../../charts/svg.ts';
import { roundMethods, type RoundMethod } from '../../services/document-tasks.ts';

export function points(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export function movementText(m: number | null): string {
  if (m === null) return '—';
  if (m > 0) return `↑${m}`;
  if (m < 0) return `↓${-m}`;
  return '持平';
}

export interface AreaRow {
  id: number;
  name: string;
  street: string;
  /** null: 未排名 */
  rank: number | null;
  /** the 名次 column: "3" or "未排名" */
  rankCell: string;
  /** in a sentence: "第 3 名" or "未排名（应得分不足）" */
  place: string;
  rate: string;
  score: string;
  passRate: string;
  problems: number;
  movement: string;
  movementClass: string;
  red: boolean;
  black: boolean;
  sites: string;
  /** a round counting several methods: each method's 得分率 (rate is then the 综合得分率) */
  methods: {
    field: string;
    document: string;
    survey: string;
    /** the survey standards' points, "得分 / 应得分" */
    surveyScore: string;
    /** tasks submitted, not yet scored */
    pending: number;
    waiting: number;
  } | null;
}

export function presentArea(a: AreaResult, streetName = ''): AreaRow {
  return {
    id: a.id,
    name: a.name,
    street: streetName,
    rank: a.rank,
    rankCell: a.rank === null ? RANK_NAMES.unranked : String(a.rank),
    place:
      a.rank === null
        ? `${RANK_NAMES.unranked}（${UNRANKED_NAMES[a.unranked ?? 'no-score']}）`
        : `第 ${a.rank} 名`,
    rate: formatRate(a.rate),
    score: `${points(a.earned)} / ${points(a.possible)}`,
    passRate: formatRate(a.passRate),
    problems: a.problems,
    movement: movementText(a.movement),
    movementClass: a.movement === null || a.movement === 0 ? '' : a.movement > 0 ? 'up' : 'down',
    red: a.red,
    black: a.black,
    sites: `${a.evaluatedSiteCount}/${a.siteCount}`,
    methods: a.methods
      ? {
          field: formatRate(a.methods.field.rate),
          document: formatRate(a.methods.document.rate),
          survey: formatRate(a.methods.survey.rate),
          surveyScore: `${points(a.methods.survey.earned)} / ${points(a.methods.survey.possible)}`,
          pending: a.methods.tasks.provisional,
          waiting: a.methods.tasks.waiting,
        }
      : null,
  };
}

export interface SiteRow {
  id: number;
  name: string;
  typeName: string;
  rate: string;
  score: string;
  passRate: string;
  problems: number;
  answered: number;
}

export function presentSite(s: SiteResult, typeName: string): SiteRow {
  return {
    id: s.id,
    name: s.name,
    typeName,
    rate: formatRate(s.rate),
    score: `${points(s.earned)} / ${points(s.possible)}`,
    passRate: formatRate(s.passRate),
    problems: s.problems,
    answered: s.answered,
  };
}

/** A site's row with its type's name (the code itself for a type no longer listed). */
export const presentSiteOf = (base: Pick<ResultsBase, 'siteTypeNames'>, s: SiteResult): SiteRow =>
  presentSite(s, base.siteTypeNames.get(s.siteType) ?? s.siteType);

export interface ResultsHeader {
  round: ResultsBase['round'];
  statusName: string;
  provisional: boolean;
  counted: string;
  criteria: string;
  criteriaId: number;
  /** which methods are counted, and what the version's other methods weigh (left out) */
  methods: string;
  /** the round counts several methods: tables show each method's 得分率 beside the 综合得分率 */
  multi: boolean;
  /** the methods whose 得分率 the tables show, in order, with their column names */
  methodColumns: { method: RoundMethod; name: string }[];
  /** the round collects documents (tables show 待评分材料; pages list tasks) */
  documents: boolean;
  /** the round runs a survey (pages show its points) */
  survey: boolean;
  /** the survey results page, for those who see the whole district (the office) */
  surveyResultsHref: string | null;
  aggregation: string;
  na: string;
  ranking: string;
  previous: string | null;
}

/** The header every results page opens with: 暂定 or 最终, what is counted, the rules in words. */
export function presentHeader(base: ResultsBase): ResultsHeader {
  const { round, sheetCounts: counts } = base;
  const version = base.criteria.version;
  const combined = base.results.combined;
  const methods = roundMethods(round);
  return {
    round,
    statusName: ROUND_STATUS_NAMES[round.status],
    provisional: base.provisional,
    counted:
      (base.provisional
        ? `暂定结果：计入已提交 ${counts.submitted ?? 0} 份、已审核 ${counts.approved ?? 0} 份测评表`
        : `最终结果：计入已审核 ${counts.approved ?? 0} 份测评表`) +
      (combined && methods.includes('document')
        ? `，已评分 ${combined.district.tasks.scored} 项、逾期未交 ${combined.district.tasks.overdue} 项材料任务`
        : '') +
      (combined?.surveyDistrict ? `，有效问卷 ${combined.surveyDistrict.answers} 份` : ''),
    criteria: `${version.name}（${version.version}）`,
    criteriaId: round.criteria_version_id,
    methods: methodsText(
      base.criteria.standards,
      combined
        ? {
            methods,
            rule: version.rules.methods,
            provisional: combined.district.tasks.provisional,
            waiting: combined.district.tasks.waiting,
          }
        : undefined,
    ),
    multi: combined !== undefined,
    methodColumns: methods.map((m) => ({ method: m, name: ROUND_METHOD_LONG_NAMES[m] })),
    documents: combined !== undefined && methods.includes('document'),
    survey: combined?.surveyDistrict != null,
    surveyResultsHref:
      combined?.surveyDistrict && base.scope.all ? `/rounds/${round.id}/surveys/results` : null,
    aggregation: aggregationText(version.rules),
    na: NA_RULE_TEXT[version.rules.notApplicable],
    ranking: rankingText(version.rules),
    previous: base.previous?.name ?? null,
  };
}

/** Up one level — to the 社区, else the 镇街, else the rankings — as far as the user may see. */
export function backLink(roundId: number, up: UpLevel): { href: string; label: string } {
  const base = `/rounds/${roundId}/results`;
  if (up === null) return { href: base, label: '← 返回结果与排名' };
  const path = up.kind === 'community' ? 'communities' : 'streets';
  return { href: `${base}/${path}/${up.id}`, label: `← ${up.name}` };
}

/** 红榜 or 黑榜 entries, 镇街 first, each saying which kind it is */
export const onList = (streets: AreaRow[], communities: AreaRow[], list: 'red' | 'black') => [
  ...streets.filter((s) => s[list]).map((s) => ({ ...s, kind: '镇街' })),
  ...communities.filter((c) => c[list]).map((c) => ({ ...c, kind: '社区' })),
];

/** A 社区's or 镇街's 得分率 over the rounds, as a line chart. */
export const trendChart = (name: string, points: TrendPoint[]): string =>
  rateLineChart(
    points.some((p) => p.combined)
      ? `${name} 得分率趋势（计入多种测评方法的轮次为综合得分率）`
      : `${name} 得分率趋势`,
    points.map((p) => p.label),
    [{ name, values: points.map((p) => p.rate) }],
  );

/** A document task's row under a 社区, a 镇街 or the district: its state, points and files. */
export function presentTask(t: PlaceTask) {
  const score =
    t.kind === 'scored' || t.kind === 'overdue'
      ? `${points(t.earned)} / ${points(t.possible)}`
      : t.kind === 'provisional'
        ? `待评分（${points(t.possible)} 分）`
        : `未到期限（${points(t.possible)} 分）`;
  return {
    id: t.id,
    code: t.code,
    text: t.standard?.text ?? '',
    item: t.standard?.item.name ?? '',
    who: t.level === 'department' ? (t.department ?? '') : TASK_LEVEL_NAMES[t.level],
    state: TASK_STATE_NAMES[t.state],
    stateClass: t.state,
    score,
    href: t.reviewer ? `/rounds/${t.roundId}/tasks/${t.id}` : `/tasks/${t.id}`,
    files: t.files.map((f) => ({ name: f.name, href: `/documents/${f.id}` })),
  };
}
