/**
 * The home pages' work queues in words: each count with the list it opens, deadlines as 逾期 n 天 /
 * 还剩 n 天, an inspector's sites in three piles (sent back, not done, done) grouped by 镇街 and 社区.
 */
import type {
  HomePage,
  InspectorWork,
  OfficeWork,
  SheetPile,
  UnitProblem,
  UnitWork,
} from '../../services/home.ts';
import { TASK_DUE_SOON_DAYS } from '../../services/home.ts';
import type { ProblemListRow } from '../../db/repos/problems.ts';
import type { RequestDecisionRow } from '../../db/repos/problem-work.ts';
import { DECISION_NAMES, PROBLEM_SOURCE_NAMES, PROBLEM_STATUS_NAMES, REQUEST_NAMES } from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';
import { problemPlace } from '../../services/problem-places.ts';
import { deadlineWords } from '../../services/deadlines.ts';
import { groupAssignedSites, presentRound, type SiteGroup } from './rounds.ts';
import { presentLeaderHome } from './home-leader.ts';

export interface WorkTile {
  label: string;
  value: number;
  href: string;
  /** a line under the label, e.g. the round's name */
  note?: string;
  /** drawn as a warning when not zero (overdue, sent back) */
  urgent?: boolean;
}

/** Whole days from `from` to `to` (both 'YYYY-MM-DD'); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A deadline as the person who must meet it reads it. */
export function deadlineText(deadline: string, today: string): { text: string; overdue: boolean } {
  const left = daysBetween(today, deadline);
  if (left < 0) return { text: `逾期 ${-left} 天`, overdue: true };
  if (left === 0) return { text: '今天到期', overdue: false };
  return { text: `还剩 ${left} 天`, overdue: false };
}

/** 材料待审核: one tile per open round with submitted tasks, else one (0) for the newest round collecting them. */
function taskReviewTiles(work: OfficeWork): WorkTile[] {
  const label = '材料待审核';
  if (work.taskReview.length)
    return work.taskReview.map((r) => ({
      label,
      value: r.submitted,
      href: `/rounds/${r.round_id}/tasks?state=submitted`,
      note: r.round_name,
    }));
  const round = work.documentRounds[0];
  return round
    ? [{ label, value: 0, href: `/rounds/${round.id}/tasks?state=submitted`, note: round.name }]
    : [];
}

export function presentOfficeHome(work: OfficeWork) {
  const p = work.problems;
  const review: WorkTile[] = work.review.length
    ? work.review.map((r) => ({
        label: '待审核测评表',
        value: r.submitted,
        href: `/rounds/${r.round_id}/review?status=submitted`,
        note: r.round_name,
      }))
    : [{ label: '待审核测评表', value: 0, href: '/rounds' }];
  const tiles: WorkTile[] = [
    ...review,
    { label: `待处理${REQUEST_NAMES.dispute}`, value: p.dispute, href: '/problems?request=dispute' },
    { label: `待处理${REQUEST_NAMES.transfer}`, value: p.transfer, href: '/problems?request=transfer' },
    { label: `待处理${REQUEST_NAMES.extension}`, value: p.extension, href: '/problems?request=extension' },
    { label: '逾期未整改', value: p.overdue, href: '/problems?overdue=1', urgent: true },
    { label: '待复查', value: p.fixed, href: '/problems?status=fixed' },
    ...taskReviewTiles(work),
    ...work.surveyFlagged.map((r) => ({
      label: '待核实问卷',
      value: r.flagged,
      href: `/rounds/${r.round_id}/surveys/answers?state=flagged`,
      note: r.round_name,
    })),
  ];
  // what arrived from outside rounds: residents' 随手拍 to triage, 12345 orders in the loop
  const outside: WorkTile[] = [
    { label: `${PROBLEM_SOURCE_NAMES.report}待受理`, value: work.reportsNew, href: '/reports', urgent: true },
    {
      label: `${PROBLEM_SOURCE_NAMES.hotline}待整改`,
      value: work.hotline.open,
      href: '/problems?source=hotline&status=open',
    },
    {
      label: `${PROBLEM_SOURCE_NAMES.hotline}逾期`,
      value: work.hotline.overdue,
      href: '/problems?source=hotline&overdue=1',
      urgent: true,
    },
  ];
  const years = work.unknownYears;
  const calendarWarning = years.length
    ? `${years.join('、')} 年的节假日尚未录入：这些整改时限暂按周末计算`
    : null;
  const closing = work.closing.map((r) => {
    const left = daysBetween(work.today, r.ends_on);
    return {
      id: r.id,
      name: r.name,
      endsOn: r.ends_on,
      when: left < 0 ? `已过结束日期 ${-left} 天` : left === 0 ? '今天结束' : `还剩 ${left} 天`,
      late: left < 0,
      unfinished: r.unfinished,
      href: `/rounds/${r.id}/assignments`,
    };
  });
  const rounds = work.rounds.map(presentRound);
  return { title: '工作台', tiles, outside, calendarWarning, closing, rounds };
}

const PILE_TITLES: Record<SheetPile, { title: string; short: string }> = {
  returned: { title: '已退回，请修改后重新提交', short: '已退回' },
  unfinished: { title: '未完成（未开始或填写中）', short: '未完成' },
  done: { title: '已提交 / 已通过', short: '已提交' },
};

export function presentInspectorHome(work: InspectorWork, q: string) {
  const open = work.rounds.map(({ round, counts, criteria, sites }) => {
    const piles = (['returned', 'unfinished', 'done'] as const).map((pile) => {
      const rows = sites.filter((s) => s.pile === pile);
      const bySite = new Map(rows.map((s) => [s.site_id, s]));
      const groups: SiteGroup[] = groupAssignedSites(round.id, rows, (siteId) => {
        const s = bySite.get(siteId)!;
        return {
          status: s.progress?.status ?? 'none',
          answered: s.progress?.answered ?? 0,
          total: s.total,
          revision: s.progress?.revision ?? 0,
        };
      });
      const notes = new Map(rows.map((s) => [s.site_id, s.progress?.returned_reason ?? '']));
      return { pile, ...PILE_TITLES[pile], count: rows.length, groups, notes };
    });
    return {
      round: presentRound({ round, counts, criteria }),
      piles,
    };
  });
  return {
    title: '我的点位',
    open,
    q,
    reinspect: { label: '待复查的整改', value: work.toReinspect, href: '/problems?status=fixed' },
    interviews: work.interviews,
  };
}

/** What a problem is about: its site, or for a problem from a document task (no site) 材料 and its standard. */
const problemWhat = (p: {
  source: ProblemListRow['source'];
  site_name: string | null;
  standard_code: string | null;
  address?: string;
}) =>
  p.source === 'document'
    ? `材料 · ${p.standard_code ?? ''}`
    : (p.site_name ?? `${PROBLEM_SOURCE_NAMES[p.source]} · ${p.address || '未填写地点'}`);

function presentOpenProblem(p: UnitProblem, today: string) {
  const d = deadlineText(p.deadline, today);
  const place = problemPlace(p, new Map());
  return {
    id: p.id,
    href: `/problems/${p.id}`,
    site: problemWhat(p),
    place: place.isDocument ? place.area : [p.street_name, p.community_name].filter(Boolean).join(' · '),
    description: p.description,
    deadline: deadlineWords(p),
    // a deadline in hours passes during its day
    deadlineText: p.overdue && !d.overdue ? '已逾期' : d.text,
    overdue: p.overdue,
    request: p.request ? REQUEST_NAMES[p.request] : '',
    requestNote: p.request_note,
    requestDeadline: p.request_deadline ?? '',
  };
}

function presentDecision(d: RequestDecisionRow) {
  const name = DECISION_NAMES[d.action] ?? { kind: '', answer: d.action, granted: false };
  const data = d.data ? (JSON.parse(d.data) as { to?: unknown }) : {};
  const answer =
    d.action === 'extend' && typeof data.to === 'string' ? `${name.answer}，新时限 ${data.to}` : name.answer;
  return {
    problemId: d.problem_id,
    // after a transfer away the problem is another unit's: no link the unit could not open
    href: d.still_ours ? `/problems/${d.problem_id}` : null,
    at: formatShanghai(d.at),
    kind: name.kind,
    answer,
    granted: name.granted,
    note: d.note,
    site: problemWhat(d),
  };
}

/** How many open problems the unit's home lists before linking to the whole board. */
export const UNIT_OPEN_SHOWN = 20;

export function presentUnitHome(work: UnitWork) {
  const open = work.open.map((p) => presentOpenProblem(p, work.today));
  const overdue = open.filter((p) => p.overdue).length;
  const tiles: WorkTile[] = [
    { label: PROBLEM_STATUS_NAMES.open, value: open.length, href: '/problems?status=open' },
    { label: '其中逾期', value: overdue, href: '/problems?overdue=1', urgent: true },
    { label: PROBLEM_STATUS_NAMES.fixed, value: work.fixed, href: '/problems?status=fixed' },
    { label: '待处理的申请', value: work.pending.length, href: '/problems?request=any' },
  ];
  const t = work.tasks;
  // a unit with no 材料任务 in an open round sees no such tiles
  const taskTiles: WorkTile[] = t.total
    ? [
        { label: `材料任务 ${TASK_DUE_SOON_DAYS} 天内到期`, value: t.dueSoon, href: '/tasks', urgent: true },
        { label: '材料逾期未交', value: t.overdue, href: '/tasks', urgent: true },
        { label: '材料退回补充', value: t.returned, href: '/tasks', urgent: true },
      ]
    : [];
  return {
    title: '本单位',
    unitName: work.unitName,
    tiles,
    taskTiles,
    taskTotal: t.total,
    open: open.slice(0, UNIT_OPEN_SHOWN),
    openTotal: open.length,
    pending: work.pending.map((p) => presentOpenProblem(p, work.today)),
    decisions: work.decisions.map(presentDecision),
    results: work.results.map((r) => ({
      id: r.id,
      name: r.name,
      dates: `${r.starts_on} 至 ${r.ends_on}`,
      href: `/rounds/${r.id}/results`,
    })),
  };
}

/** The template of the page `homePage` chose, and what it shows. */
export function presentHome(home: HomePage): { view: string; locals: object } {
  if (home.page === 'office') return { view: 'home/office', locals: presentOfficeHome(home.work) };
  if (home.page === 'inspector')
    return { view: 'home/inspector', locals: presentInspectorHome(home.work, home.q) };
  if (home.page === 'leader') return { view: 'home/leader', locals: presentLeaderHome(home.work) };
  return { view: 'home/unit', locals: presentUnitHome(home.work) };
}
