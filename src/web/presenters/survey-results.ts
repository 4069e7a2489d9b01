/**
 * The survey results page in words: rates as percentages with one decimal, their 95 % margin as
 * "±x.x 个百分点" when it is symmetric (a mean) or "区间 low–high" when not (Wilson's interval for a
 * share), points as earned / possible, 样本不足 and 未达目标 marked. Nothing here asks the database.
 */
import type { RateFigures, SurveyArea } from '../../scoring/survey-round.ts';
import type { Interval, SurveyRule } from '../../scoring/survey.ts';
import type { ReportCommunity, SurveyReport } from '../../services/survey-report.ts';
import { formatShanghai, nowIso } from '../../util/time.ts';

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
/** points with at most two decimals */
const pts = (n: number) => String(Math.round(n * 100) / 100);

/** A rate's 95 % margin in words, '' when there is none. */
export function marginText(rate: number | null, interval: Interval | null): string {
  if (rate === null || !interval) return '';
  const below = rate - interval.low;
  const above = interval.high - rate;
  if (Math.abs(below - above) < 0.0005) return `±${(above * 100).toFixed(1)} 个百分点`;
  return `区间 ${pct(interval.low)}–${pct(interval.high)}`;
}

export function ruleText(points: number, rule: SurveyRule): string {
  if (rule.mode === 'proportional') return `${pts(points)} 分 × 比率`;
  return `比率 ≥ ${pct(rule.target)} 得满分 ${pts(points)} 分，每低 1 个百分点扣 ${pts(rule.perPoint)} 分，扣完为止`;
}

export interface RateCell {
  rate: string;
  margin: string;
  n: number;
}

export interface StandardCell {
  rate: string;
  points: string;
}

export interface AreaRow {
  name: string;
  streetName: string;
  answers: number;
  insufficient: boolean;
  rates: RateCell[];
  standards: StandardCell[];
  points: string;
}

function rateCell(r: RateFigures): RateCell {
  return { rate: r.rate === null ? '—' : pct(r.rate), margin: marginText(r.rate, r.interval), n: r.n };
}

function areaRow(report: SurveyReport, name: string, streetName: string, area: SurveyArea): AreaRow {
  return {
    name,
    streetName,
    answers: area.answers,
    insufficient: area.insufficient,
    rates: area.rates.map(rateCell),
    standards: report.standards.map((s) => {
      const score = area.standards.get(s.code)!;
      return {
        rate: score.rate === null ? '—' : pct(score.rate),
        points: `${pts(score.earned)} / ${pts(score.possible)}`,
      };
    }),
    points: `${pts(area.earned)} / ${pts(area.possible)}`,
  };
}

export interface ProgressRow {
  name: string;
  /** the office's answers list cut to this 社区's answers waiting to be checked, when there are some */
  flaggedHref: string | null;
  streetName: string;
  valid: number;
  target: number;
  done: string;
  behind: boolean;
  flagged: number;
  voided: number;
  screened: number;
  interviewer: number;
}

function progressRow(roundId: number, c: ReportCommunity): ProgressRow {
  return {
    name: c.name,
    flaggedHref: c.counts.flagged
      ? `/rounds/${roundId}/surveys/answers?community=${c.id}&state=flagged`
      : null,
    streetName: c.streetName,
    valid: c.area.answers,
    target: c.target,
    done: `${Math.floor((c.area.answers / c.target) * 100)}%`,
    behind: c.area.answers < c.target,
    flagged: c.counts.flagged,
    voided: c.counts.voided,
    screened: c.counts.screened,
    interviewer: c.counts.interviewer,
  };
}

export function presentSurveyReport(report: SurveyReport) {
  const q = report.survey.questionnaire;
  return {
    round: { id: report.round.id, name: report.round.name },
    questionnaire: {
      name: q.name,
      version: q.version,
      minValid: q.minValid,
      belowMinimum: q.belowMinimum === 'score' ? '按已有答卷计分' : '计 0 分',
    },
    rateNames: report.survey.rates.map((r) => r.name),
    standards: report.standards.map((s) => ({
      code: s.code,
      text: s.text,
      rule: ruleText(s.points, s.rule),
    })),
    district: areaRow(report, '全区', '', report.district),
    streets: report.streets.map((s) => areaRow(report, s.name, '', s.area)),
    communities: report.communities.map((c) => areaRow(report, c.name, c.streetName, c.area)),
    progress: report.communities.map((c) => progressRow(report.round.id, c)),
    behind: report.behind.map((c) => progressRow(report.round.id, c)),
    days: report.days.map((d) => ({ day: d.day, n: d.n, cumulative: d.cumulative })),
    madeAt: formatShanghai(nowIso()),
  };
}

export type SurveyResultsView = ReturnType<typeof presentSurveyReport>;
