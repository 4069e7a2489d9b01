/** Round results as pages and workbooks show them: percentages, points, movement arrows, list marks. */
import type { AreaResult, SiteResult } from '../../scoring/round.ts';
import { formatRate } from '../../scoring/standard.ts';

export const AGGREGATION_TEXT = {
  pooled: '汇总计算：得分率 = Σ(权重×得分) ÷ Σ(权重×应得分)',
  mean: '平均计算：得分率 = 各点位得分率的加权平均',
} as const;

export const NA_TEXT = {
  exclude: '不适用项不计入得分和应得分',
  average: '不适用项按其他社区该标准的平均得分率计分',
} as const;

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
  rank: string;
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
    rank: a.rank === null ? '未排名' : String(a.rank),
    rate: formatRate(a.rate),
    score: `${points(a.earned)} / ${points(a.possible)}`,
    passRate: formatRate(a.passRate),
    problems: a.problems,
    movement: movementText(a.movement),
    movementClass: a.movement === null || a.movement === 0 ? '' : a.movement > 0 ? 'up' : 'down',
    red: a.red,
    black: a.black,
    sites: `${a.scoredSiteCount}/${a.siteCount}`,
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
