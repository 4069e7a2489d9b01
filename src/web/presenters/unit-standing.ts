/**
 * "Who is keeping up" in words: rates as percentages (66.7%), each deadline unit's average time to fix
 * ("2.5 个工作日"), the period and 来源 as the filter form shows them.
 */
import type { FixTime, StandingPage, StandingRow } from '../../services/unit-standing.ts';
import { DEADLINE_UNIT_NAMES, PROBLEM_SOURCE_NAMES, UNIT_KIND_NAMES } from '../../labels.ts';
import { percent } from './rules.ts';

const rate = (r: number | null) => (r === null ? '—' : percent(r));

/** 2.5 个工作日, 3 天, 12.3 小时: one decimal, none when whole. */
export const fixTimeText = (t: FixTime): string =>
  `${Math.round(t.average * 10) / 10} ${DEADLINE_UNIT_NAMES[t.unit]}`;

export const PERIOD_NAMES = { month: '本月', '30d': '近30天', range: '自定义日期' } as const;

function presentRow(r: StandingRow, place: number) {
  return {
    place,
    name: r.name,
    kind: UNIT_KIND_NAMES[r.kind],
    communities: r.communities.join('、'),
    problems: r.problems,
    closed: r.closed,
    fixRate: rate(r.fixRate),
    overdue: r.overdue,
    repeats: r.repeats,
    fixTimes: r.fixTimes.map(fixTimeText),
    tasks: r.tasksDue ? `${r.tasksOnTime}/${r.tasksDue}` : '—',
    taskRate: rate(r.taskRate),
    scoreRate: rate(r.scoreRate),
  };
}

export type StandingLine = ReturnType<typeof presentRow>;

/** The page's query string again (the workbook link keeps the same filter). */
export function standingQuery(p: StandingPage): string {
  const q = new URLSearchParams({ period: p.filter.period });
  if (p.filter.period === 'range') {
    q.set('from', p.filter.from);
    q.set('to', p.filter.to);
  }
  if (p.filter.source) q.set('source', p.filter.source);
  return q.toString();
}

export function presentStanding(p: StandingPage) {
  return {
    form: { period: p.filter.period, from: p.filter.from, to: p.filter.to, source: p.filter.source ?? '' },
    periodText: `${p.filter.from} 至 ${p.filter.to}`,
    sourceText: p.filter.source ? PROBLEM_SOURCE_NAMES[p.filter.source] : '全部来源',
    periodNames: PERIOD_NAMES,
    sourceNames: PROBLEM_SOURCE_NAMES,
    round: p.round ? { name: p.round.name, href: `/rounds/${p.round.id}/results` } : null,
    units: p.units.map((r, i) => presentRow(r, i + 1)),
    liaisons: p.liaisons.map((r, i) => presentRow(r, i + 1)),
    leader: p.leader,
    query: standingQuery(p),
  };
}
