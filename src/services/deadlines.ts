/**
 * Deadlines (整改时限) in calendar days, working days or hours. A deadline is computed once — when the
 * problem is raised or its time extended — and stored with the rule it was counted by, so a later change
 * of the calendar or of the office's rules never moves an open deadline.
 *
 * Rules come from the standard (a criteria version may say its 整改时限 counts working days or hours; by
 * default calendar days) for a round's and a document task's problems, and from the office's setting per
 * source (督查, 随手拍, 12345, 媒体) for problems from outside rounds; a 12345 order brings its own 时限.
 */
import { atomically, type Db } from '../db/connection.ts';
import type { DeadlineUnit, OutsideSource } from '../db/repos/problems.ts';
import { getSetting, setSetting } from '../db/repos/settings.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { workdayDeadlineYears } from '../db/repos/problem-work.ts';
import { addWorkdays } from '../calendar/workdays.ts';
import { InvalidInput } from '../errors.ts';
import { now } from '../util/clock.ts';
import { addDays, shanghaiDate } from '../util/time.ts';
import { DEADLINE_RULE_NAMES, DEADLINE_UNIT_NAMES, PROBLEM_SOURCE_NAMES } from '../labels.ts';
import { STANDARD_DEADLINE_MAX } from '../criteria/check.ts';
import { workCalendarOf } from './calendar.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export interface DeadlineRule {
  unit: DeadlineUnit;
  /** days (calendar or working) or hours; a positive whole number */
  amount: number;
}

export interface ComputedDeadline {
  /** YYYY-MM-DD in Asia/Shanghai */
  deadline: string;
  /** HH:MM (Asia/Shanghai) for a rule in hours, else null */
  time: string | null;
  rule: DeadlineUnit;
  amount: number;
  /** years the count passed through whose holidays nobody knows (weekends only were counted there) */
  unknownYears: number[];
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/**
 * The largest amount a rule may have, per unit: a year of calendar or working days, 30 days in hours.
 * The same limits bound a criteria version's standards (criteria/check.ts), so a standard's rule is
 * always one the office could also set.
 */
export const DEADLINE_MAX: Record<DeadlineUnit, number> = STANDARD_DEADLINE_MAX;

/** The deadline `rule` gives counted from `from` (default: now, by the app's clock). */
export function computeDeadline(db: Db, rule: DeadlineRule, from: Date = now()): ComputedDeadline {
  const { unit, amount } = rule;
  if (!Number.isInteger(amount) || amount < 1) throw new RangeError(`deadline amount must be ≥ 1: ${amount}`);
  if (unit === 'hours') {
    const at = new Date(from.getTime() + amount * 3600 * 1000 + SHANGHAI_OFFSET_MS).toISOString();
    return { deadline: at.slice(0, 10), time: at.slice(11, 16), rule: unit, amount, unknownYears: [] };
  }
  const today = shanghaiDate(from);
  if (unit === 'calendar')
    return { deadline: addDays(today, amount), time: null, rule: unit, amount, unknownYears: [] };
  const { date, unknownYears } = addWorkdays(workCalendarOf(db), today, amount);
  return { deadline: date, time: null, rule: unit, amount, unknownYears };
}

/** A standard's 整改时限 as a rule: calendar days unless its version says working days or hours. */
export const standardDeadlineRule = (s: {
  deadlineDays: number;
  deadlineUnit?: 'workdays' | 'hours' | undefined;
}): DeadlineRule => ({ unit: s.deadlineUnit ?? 'calendar', amount: s.deadlineDays });

/** A computed deadline as insertProblem takes it. */
export const deadlineFields = (d: ComputedDeadline) => ({
  deadline: d.deadline,
  deadlineTime: d.time,
  deadlineRule: d.rule,
  deadlineAmount: d.amount,
});

/** The rule's words: 3 个工作日, 7 天, 24 小时. */
export const ruleText = (r: { unit: DeadlineUnit; amount: number }): string =>
  `${r.amount} ${DEADLINE_UNIT_NAMES[r.unit]}`;

/** A stored deadline in words: 2026-12-08, or 2026-12-03 14:00 for one in hours. */
export const deadlineWords = (p: { deadline: string; deadline_time: string | null }): string =>
  p.deadline_time ? `${p.deadline} ${p.deadline_time}` : p.deadline;

/** A deadline's order: the date, then the time (a deadline without one ends with its day). */
export const deadlineSortKey = (p: { deadline: string; deadline_time: string | null }): string =>
  `${p.deadline} ${p.deadline_time ?? '24:00'}`;

/** The office's default rule per source of problems from outside rounds. */
export const DEFAULT_SOURCE_RULES: Record<OutsideSource, DeadlineRule> = {
  inspection: { unit: 'workdays', amount: 5 },
  report: { unit: 'workdays', amount: 5 },
  hotline: { unit: 'workdays', amount: 5 },
  media: { unit: 'workdays', amount: 3 },
};

const settingKey = (source: OutsideSource) => `deadline_rule.${source}`;

/** The rule the office set for problems from this source (or the default). */
export function sourceDeadlineRule(db: Db, source: OutsideSource): DeadlineRule {
  const raw = getSetting(db, settingKey(source));
  if (raw) {
    try {
      const r = JSON.parse(raw) as DeadlineRule;
      const known = !!r && Object.hasOwn(DEADLINE_MAX, r.unit);
      if (known && Number.isInteger(r.amount) && r.amount >= 1 && r.amount <= DEADLINE_MAX[r.unit])
        return { unit: r.unit, amount: r.amount };
    } catch {
      // a damaged setting falls back to the default
    }
  }
  return DEFAULT_SOURCE_RULES[source];
}

/**
 * Reads a rule from a form (unit: calendar / workdays / hours; amount: a whole number in range), or
 * refuses in words naming the field.
 */
export function parseDeadlineRule(unitIn: unknown, amountIn: unknown, field = '整改时限'): DeadlineRule {
  const unit = typeof unitIn === 'string' ? unitIn.trim() : '';
  if (!Object.hasOwn(DEADLINE_MAX, unit))
    throw new InvalidInput(`${field}：请选择按自然日、工作日或小时计算`);
  const u = unit as DeadlineUnit;
  const text =
    typeof amountIn === 'string' ? amountIn.trim() : typeof amountIn === 'number' ? String(amountIn) : '';
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > DEADLINE_MAX[u])
    throw new InvalidInput(
      `${field}：请填写 1 到 ${DEADLINE_MAX[u]} 之间的整数（${DEADLINE_RULE_NAMES[u]}）`,
    );
  return { unit: u, amount: Number(text) };
}

/** Sets the office's rule for a source (office only; audited). */
export function setSourceDeadlineRule(db: Db, actor: Actor, source: OutsideSource, rule: DeadlineRule): void {
  canOrReject(db, actor, 'office.manage', null);
  const old = sourceDeadlineRule(db, source);
  atomically(db, () => {
    setSetting(db, settingKey(source), JSON.stringify({ unit: rule.unit, amount: rule.amount }));
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'deadline_rule.set',
      entity: 'setting',
      entityId: null,
      detail: { source: PROBLEM_SOURCE_NAMES[source], rule: { old: ruleText(old), new: ruleText(rule) } },
    });
  });
}

/** Whether an open problem's stored deadline has passed (a deadline in hours: to the minute). */
export function deadlinePassed(
  p: { deadline: string; deadline_time: string | null },
  at: Date = now(),
): boolean {
  const today = shanghaiDate(at);
  if (p.deadline < today) return true;
  if (p.deadline > today || p.deadline_time === null) return false;
  const hhmm = new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16);
  return p.deadline_time < hhmm;
}

/**
 * Years in which open problems' working-day deadlines fall that nobody has entered (the office home
 * page warns: there weekends only were counted).
 */
export function unknownDeadlineYears(db: Db): number[] {
  const calendar = workCalendarOf(db);
  return workdayDeadlineYears(db).filter((y) => !calendar.knows(y));
}
