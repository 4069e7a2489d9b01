/** Round results as pages and workbooks show them: percentages, points, movement arrows, list marks. */
import type { AreaResult, SiteResult, Unranked } from '../../scoring/round.ts';
import { formatRate } from '../../scoring/standard.ts';

export function points(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export function movementText(m: number | null): string {
  if (m === null) return '—';
  if (m > 0) return `↑${m}`;
  if (m < 0) return `↓${-m}`;
  return '持平';
}

/** Why an entry is 未排名, in words (the rule's threshold is in the page header). */
export const UNRANKED_TEXT: Record<Unranked, string> = {
  'no-score': '尚无得分率',
  'too-few-points': '应得分不足',
};

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
}

export function presentArea(a: AreaResult, streetName = ''): AreaRow {
  return {
    id: a.id,
    name: a.name,
    street: streetName,
    rank: a.rank,
    rankCell: a.rank === null ? '未排名' : String(a.rank),
    place: a.rank === null ? `未排名（${UNRANKED_TEXT[a.unranked ?? 'no-score']}）` : `第 ${a.rank} 名`,
    rate: formatRate(a.rate),
    score: `${points(a.earned)} / ${points(a.possible)}`,
    passRate: formatRate(a.passRate),
    problems: a.problems,
    movement: movementText(a.movement),
    movementClass: a.movement === null || a.movement === 0 ? '' : a.movement > 0 ? 'up' : 'down',
    red: a.red,
    black: a.black,
    sites: `${a.evaluatedSiteCount}/${a.siteCount}`,
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
