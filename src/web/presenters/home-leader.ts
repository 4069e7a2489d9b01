/**
 * A 包联 leader's home page in words: counts that open the board, each 社区's 得分率 and 名次 as the
 * results pages word them, problems with their 来源 and deadline (逾期 / 还剩 n 天; one in hours with
 * its time), and the 记录问题 button.
 */
import type { LeaderProblem, LeaderWork } from '../../services/home-leader.ts';
import { deadlineWords } from '../../services/deadlines.ts';
import { problemPlace } from '../../services/problem-places.ts';
import { PROBLEM_SOURCE_NAMES, PROBLEM_STATUS_NAMES } from '../../labels.ts';
import { presentArea } from './results.ts';
import { deadlineText, type WorkTile } from './home.ts';

/** How many open problems the leader's home lists (on a phone) before linking to the whole board. */
export const LEADER_OPEN_SHOWN = 10;

function presentProblem(p: LeaderProblem, today: string) {
  const days = deadlineText(p.deadline, today);
  const place = problemPlace(p, new Map());
  return {
    id: p.id,
    href: `/problems/${p.id}`,
    source: PROBLEM_SOURCE_NAMES[p.source],
    what: place.isDocument ? `${place.name} · ${p.standard_code ?? ''}` : place.name,
    place: place.area,
    description: p.description,
    unit: p.unit_name ?? '未指定责任单位',
    deadline: deadlineWords(p),
    // a deadline in hours passes during its day
    deadlineText: p.overdue && !days.overdue ? '已逾期' : days.text,
    overdue: p.overdue,
    status: PROBLEM_STATUS_NAMES[p.status],
    mineToReinspect: p.mineToReinspect,
  };
}

export function presentLeaderHome(work: LeaderWork) {
  const show = (p: LeaderProblem) => presentProblem(p, work.today);
  const open = work.open.map(show);
  const tiles: WorkTile[] = [
    { label: PROBLEM_STATUS_NAMES.open, value: open.length, href: '/problems?status=open' },
    {
      label: '其中逾期',
      value: open.filter((p) => p.overdue).length,
      href: '/problems?overdue=1',
      urgent: true,
    },
    { label: '待复查', value: work.fixed.length, href: '/problems?status=fixed' },
  ];
  const area = (c: LeaderWork['communities'][number]) => (c.result ? presentArea(c.result) : null);
  return {
    title: '包联社区',
    unitName: work.unitName,
    tiles,
    round: work.round
      ? { id: work.round.id, name: work.round.name, href: `/rounds/${work.round.id}/results` }
      : null,
    rankedCommunities: work.rankedCommunities,
    communities: work.communities.map((c) => ({
      name: c.name,
      street: c.streetName,
      result: area(c),
      href: work.round && c.result ? `/rounds/${work.round.id}/results/communities/${c.id}` : null,
    })),
    open: open.slice(0, LEADER_OPEN_SHOWN),
    openTotal: open.length,
    fixed: work.fixed.map(show),
    recorded: work.recorded.map(show),
    recordedTotal: work.recordedTotal,
  };
}
