/**
 * The district page's figures in words and numbers: each method's points and 得分率, the 综合得分率,
 * the tasks not counted yet, the survey's valid answers, and where the most points were lost (per 测评项目
 * over the methods, and the worst standards). Formatting only: services/results-tasks.ts computes them.
 */
import { formatRate } from '../../scoring/standard.ts';
import type { ResultsBase } from '../../services/results-pages.ts';
import type { DistrictFigures } from '../../services/results-tasks.ts';
import { ROUND_METHOD_LONG_NAMES, ROUND_METHOD_NAMES } from '../../labels.ts';
import { barChart } from '../../charts/svg.ts';
import { points } from './results.ts';

/** how many of the worst standards the page lists */
const WORST_STANDARDS = 15;

export function presentDistrict(page: ResultsBase & DistrictFigures) {
  const d = page.district;
  const survey = page.results.combined?.surveyDistrict ?? null;
  const has = (m: 'document' | 'survey') => page.methodLines.some((l) => l.method === m);
  const text = (code: string) => page.criteria.byCode.get(code)?.text ?? '';
  return {
    total: formatRate(d.total),
    totalScore: `${points(d.field.earned + d.document.earned + d.survey.earned)} / ${points(d.possible)}`,
    survey: survey
      ? {
          answers: survey.answers,
          insufficient: survey.insufficient,
          href: `/rounds/${page.round.id}/surveys/results`,
        }
      : null,
    documents: has('document'),
    tasks: d.tasks,
    methods: page.methodLines.map((m) => ({
      name: ROUND_METHOD_LONG_NAMES[m.method],
      standards: m.standards,
      // a field standard's points count once per site of its types: their sum over the version means nothing
      versionPoints: m.method === 'field' ? '—' : points(m.versionPoints),
      earned: points(m.figures.earned),
      possible: points(m.figures.possible),
      rate: formatRate(m.figures.rate),
      notCounted:
        (m.method === 'survey' && survey?.insufficient ? '有效问卷不足最低样本量（样本不足）' : '') ||
        [
          m.provisionalPoints > 0 ? `待评分 ${points(m.provisionalPoints)} 分` : '',
          m.waitingPoints > 0 ? `未到期限 ${points(m.waitingPoints)} 分` : '',
        ]
          .filter(Boolean)
          .join('，') ||
        '—',
    })),
    itemsChart: barChart(
      `各测评项目失分（${page.methodLines.map((m) => ROUND_METHOD_NAMES[m.method]).join(' + ')}）`,
      page.lossItems.map((i) => ({ label: i.name, value: i.total })),
      { unit: '分' },
    ),
    lossItems: page.lossItems.map((i) => ({
      ...i,
      fieldText: points(i.field),
      documentText: points(i.document),
      surveyText: points(i.survey),
      totalText: points(i.total),
    })),
    lossStandards: page.lossStandards.slice(0, WORST_STANDARDS).map((s) => ({
      ...s,
      text: text(s.code),
      methodName: ROUND_METHOD_LONG_NAMES[s.method],
      lostText: points(s.lost),
      // a survey standard is scored once, from the district's pooled answers
      countText: s.method === 'survey' ? `有效问卷 ${s.counted} 份` : `${s.failures} / ${s.counted}`,
    })),
  };
}
