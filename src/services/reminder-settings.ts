/**
 * The office's reminder settings (#21): the hour of the units' daily digest, the quiet hours in which no
 * reminder goes out (a window in Asia/Shanghai that may cross midnight, e.g. 22 → 7; equal hours mean no
 * quiet hours), and after how many days overdue a problem is copied to the 包联 leader. Kept in `settings`;
 * a stored value that is missing or out of range reads as its default. The form is refused whole.
 */
import { atomically, type Db } from '../db/connection.ts';
import { getSetting, setSetting } from '../db/repos/settings.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { InvalidInput, type FieldErrors } from '../errors.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export interface ReminderSettings {
  /** the Shanghai hour (0–23) at which each unit's digest of new problems and tasks goes out */
  digestHour: number;
  /** quiet hours: from quietStart:00 to quietEnd:00 Shanghai time (equal: none) */
  quietStart: number;
  quietEnd: number;
  /** days overdue after which a problem is copied to the 包联 leader */
  escalateDays: number;
}

type Key = keyof ReminderSettings;

/** Each setting: its key in `settings`, bounds, default, and its name in a refusal. */
const FIELDS: Record<Key, { key: string; min: number; max: number; default: number; name: string }> = {
  digestHour: { key: 'reminder_digest_hour', min: 0, max: 23, default: 8, name: '每日汇总时间' },
  quietStart: { key: 'reminder_quiet_start', min: 0, max: 23, default: 22, name: '免打扰开始时间' },
  quietEnd: { key: 'reminder_quiet_end', min: 0, max: 23, default: 7, name: '免打扰结束时间' },
  escalateDays: { key: 'reminder_escalate_days', min: 1, max: 30, default: 3, name: '逾期抄送包联领导天数' },
};

const KEYS = Object.keys(FIELDS) as Key[];

/** The settings in force (defaults 8, 22–7 and 3 until the office saves its own). */
export function reminderSettings(db: Db): ReminderSettings {
  const out = {} as ReminderSettings;
  for (const k of KEYS) {
    const f = FIELDS[k];
    const raw = getSetting(db, f.key);
    const n = raw === undefined ? NaN : Number(raw);
    out[k] = Number.isInteger(n) && n >= f.min && n <= f.max ? n : f.default;
  }
  return out;
}

/** A whole number within the field's bounds, or the field's message. */
function parseField(k: Key, typed: unknown): number | string {
  const f = FIELDS[k];
  const text = typeof typed === 'string' ? typed.trim() : typeof typed === 'number' ? String(typed) : '';
  const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  return n >= f.min && n <= f.max ? n : `${f.name}应为 ${f.min} 到 ${f.max} 之间的整数`;
}

/**
 * Saves the form (`digestHour`, `quietStart`, `quietEnd`, `escalateDays`): every field checked first — one
 * at fault and nothing is stored (the message names it; several: each by its field) — then the values that
 * changed written and audited together as `settings.reminders` (old → new).
 */
export function saveReminderSettings(db: Db, actor: Actor, form: Record<string, unknown>): void {
  canOrReject(db, actor, 'office.manage', null);
  const fields: FieldErrors = {};
  const typed = {} as ReminderSettings;
  for (const k of KEYS) {
    const v = parseField(k, form[k]);
    if (typeof v === 'string') fields[k] = v;
    else typed[k] = v;
  }
  const faults = Object.values(fields);
  if (faults.length)
    throw new InvalidInput(faults.length === 1 ? faults[0]! : '提醒设置有误，未保存', fields);

  atomically(db, () => {
    const old = reminderSettings(db);
    const detail: Record<string, { old: number; new: number }> = {};
    for (const k of KEYS) {
      if (old[k] === typed[k]) continue;
      setSetting(db, FIELDS[k].key, String(typed[k]));
      detail[k] = { old: old[k], new: typed[k] };
    }
    if (Object.keys(detail).length)
      appendAudit(db, {
        userId: auditUserId(actor),
        action: 'settings.reminders',
        entity: 'settings',
        detail,
      });
  });
}

/** Whether the Shanghai hour `h` falls in the quiet window [start, end) (which may cross midnight). */
export function inQuietHours(s: Pick<ReminderSettings, 'quietStart' | 'quietEnd'>, at: Date): boolean {
  const { quietStart: start, quietEnd: end } = s;
  if (start === end) return false;
  const h = shanghaiHour(at);
  return start < end ? h >= start && h < end : h >= start || h < end;
}

/**
 * The moment a reminder may go: `at` itself outside quiet hours, else the end of the window (quietEnd:00
 * Shanghai time, today's or tomorrow's, whichever comes next).
 */
export function afterQuietHours(s: Pick<ReminderSettings, 'quietStart' | 'quietEnd'>, at: Date): Date {
  if (!inQuietHours(s, at)) return at;
  const local = new Date(at.getTime() + SHANGHAI_MS);
  const end =
    Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), s.quietEnd) - SHANGHAI_MS;
  return new Date(end > at.getTime() ? end : end + 24 * 3_600_000);
}

const SHANGHAI_MS = 8 * 3_600_000;

function shanghaiHour(at: Date): number {
  return new Date(at.getTime() + SHANGHAI_MS).getUTCHours();
}
