/**
 * The office's rules for problems from outside rounds (/problem-settings): the deadline rule per source
 * (督查, 随手拍, 12345 when an order brings no 时限 of its own, 媒体), the distance beyond which a location
 * counts as outside the district, and how long residents' phone numbers are kept. The form is read whole
 * and refused whole: one bad field and nothing is stored. Each value that changed is audited. A change
 * applies to problems raised from now on — a stored deadline never moves (deadlines.ts).
 */
import { atomically, type Db } from '../db/connection.ts';
import { OUTSIDE_SOURCES, type DeadlineUnit, type OutsideSource } from '../db/repos/problems.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { InvalidInput, type FieldErrors } from '../errors.ts';
import { PROBLEM_SOURCE_NAMES } from '../labels.ts';
import {
  DEADLINE_MAX,
  parseDeadlineRule,
  ruleText,
  setSourceDeadlineRule,
  sourceDeadlineRule,
  type DeadlineRule,
} from './deadlines.ts';
import {
  outsideDistrictMeters,
  reportPhoneDays,
  setOutsideDistrictMeters,
  setReportPhoneDays,
} from './outside-problems.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

/** The bounds of the two numbers on the page. */
export const OUTSIDE_METRES = { min: 100, max: 50_000 } as const;
export const PHONE_DAYS = { min: 1, max: 365 } as const;

/** The form's fields as typed (strings): `unit.<source>`, `amount.<source>`, `metres`, `phoneDays`. */
export type ProblemSettingsForm = Record<string, string>;

export interface ProblemSettingsPage {
  /** each source's rule in force, and in words (3 个工作日) */
  sources: { source: OutsideSource; name: string; rule: DeadlineRule; words: string }[];
  metres: number;
  phoneDays: number;
  /** the largest amount per unit (shown beside the field) */
  max: Record<DeadlineUnit, number>;
}

/** What the page shows: the rules and numbers in force now. */
export function problemSettingsPage(db: Db, actor: Actor): ProblemSettingsPage {
  canOrReject(db, actor, 'office.manage', null);
  return {
    sources: OUTSIDE_SOURCES.map((source) => {
      const rule = sourceDeadlineRule(db, source);
      return { source, name: PROBLEM_SOURCE_NAMES[source], rule, words: ruleText(rule) };
    }),
    metres: outsideDistrictMeters(db),
    phoneDays: reportPhoneDays(db),
    max: DEADLINE_MAX,
  };
}

/** The page's values as the form writes them, to fill the form on a first visit. */
export function problemSettingsForm(page: ProblemSettingsPage): ProblemSettingsForm {
  const form: ProblemSettingsForm = { metres: String(page.metres), phoneDays: String(page.phoneDays) };
  for (const s of page.sources) {
    form[`unit.${s.source}`] = s.rule.unit;
    form[`amount.${s.source}`] = String(s.rule.amount);
  }
  return form;
}

/** A whole number within bounds, or the field's message. */
function wholeNumber(typed: string | undefined, min: number, max: number, what: string): number | string {
  const text = (typed ?? '').trim();
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : `${what}应为 ${min} 到 ${max} 之间的整数`;
}

/**
 * Saves the form: every field checked first (refused with a message by each field at fault, nothing
 * stored), then each value that changed written and audited in one transaction. Returns how many changed.
 */
export function saveProblemSettings(db: Db, actor: Actor, form: ProblemSettingsForm): number {
  canOrReject(db, actor, 'office.manage', null);
  const fields: FieldErrors = {};
  const rules = new Map<OutsideSource, DeadlineRule>();
  for (const source of OUTSIDE_SOURCES) {
    try {
      const field = `${PROBLEM_SOURCE_NAMES[source]}的整改时限`;
      rules.set(source, parseDeadlineRule(form[`unit.${source}`], form[`amount.${source}`], field));
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      fields[`rule.${source}`] = err.message;
    }
  }
  const metres = wholeNumber(form.metres, OUTSIDE_METRES.min, OUTSIDE_METRES.max, '辖区外判定距离（米）');
  if (typeof metres === 'string') fields.metres = metres;
  const days = wholeNumber(form.phoneDays, PHONE_DAYS.min, PHONE_DAYS.max, '电话号码保留天数');
  if (typeof days === 'string') fields.phoneDays = days;
  if (Object.keys(fields).length) throw new InvalidInput('设置有误，未保存', fields);

  return atomically(db, () => {
    let changed = 0;
    for (const [source, rule] of rules) {
      const old = sourceDeadlineRule(db, source);
      if (old.unit === rule.unit && old.amount === rule.amount) continue;
      setSourceDeadlineRule(db, actor, source, rule);
      changed++;
    }
    const userId = auditUserId(actor);
    /** One number: written and audited (old → new under `key`) when it differs. */
    const number = (
      old: number,
      now: number,
      set: (db: Db, n: number) => void,
      action: string,
      key: string,
    ) => {
      if (old === now) return;
      set(db, now);
      appendAudit(db, { userId, action, entity: 'settings', detail: { [key]: { old, new: now } } });
      changed++;
    };
    number(
      outsideDistrictMeters(db),
      metres as number,
      setOutsideDistrictMeters,
      'settings.outside_district',
      'metres',
    );
    number(
      reportPhoneDays(db),
      days as number,
      setReportPhoneDays,
      'settings.report_phone_days',
      'phoneDays',
    );
    return changed;
  });
}
