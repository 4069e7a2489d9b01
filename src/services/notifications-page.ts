/**
 * The office's delivery log (/notifications, `office.manage`): one page of reminders sent or waiting —
 * failures and unknowns first, then the newest — filtered by status, event, unit and channel, each with
 * what the office may do with it (重发 for a failed, dead or unknown one). A robot's webhook address holds
 * its key: the page only ever gets it shortened (never the key in full), also inside an error message.
 */
import type { Db } from '../db/connection.ts';
import {
  ATTENTION_STATUSES,
  pageDeliveryLog,
  unitChannels,
  type DeliveryLogFilter,
  type DeliveryLogRow,
} from '../db/repos/deliveries-log.ts';
import type { DeliveryChannel, DeliveryEvent, DeliveryStatus } from '../db/repos/reminders.ts';
import { InvalidInput, type FieldErrors } from '../errors.ts';
import { DELIVERY_STATUS_NAMES, REMINDER_CHANNEL_NAMES, REMINDER_EVENT_NAMES } from '../labels.ts';
import { canOrReject, type Actor } from './access.ts';
import { shortUrl } from '../notify/address.ts';

/** Rows a page of the log shows. */
export const LOG_PAGE_SIZE = 50;

/** The query string as typed: '' for no filter. */
export interface LogQuery {
  status: string;
  event: string;
  unit: string;
  channel: string;
  page: string;
}

export interface LogLine {
  id: number;
  createdAt: string;
  sentAt: string | null;
  notBefore: string;
  unitName: string;
  event: DeliveryEvent;
  channel: DeliveryChannel;
  /** the e-mail address, or the webhook shortened (its key never in full) */
  address: string;
  status: DeliveryStatus;
  attempts: number;
  error: string;
  resendOf: number | null;
  /** the row that resent this one (it cannot be resent again) */
  resentAs: number | null;
  /** failed, dead or unknown: the office may send it again */
  resendable: boolean;
}

export interface UnitChoice {
  id: number;
  name: string;
  /** the channels it can be reached by, in words ('' when none) */
  channels: string;
  /** how many distinct contact e-mail addresses it has */
  emails: number;
}

export interface LogPage {
  filter: DeliveryLogFilter;
  query: LogQuery;
  lines: LogLine[];
  total: number;
  /** failed, dead or unknown among those filtered */
  attention: number;
  page: number;
  pages: number;
  units: UnitChoice[];
}

export const shortAddress = (channel: DeliveryChannel, address: string): string =>
  channel === 'email' ? address : shortUrl(address);

/** Any web address inside an error message (a robot's, quoted by a library) shortened the same way. */
const safeError = (error: string | null) =>
  error ? error.replace(/https?:\/\/[^\s"'<>，。；）]+/g, shortUrl) : '';

export function logLine(r: DeliveryLogRow): LogLine {
  return {
    id: r.id,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    notBefore: r.not_before,
    unitName: r.unit_name ?? '',
    event: r.event,
    channel: r.channel,
    address: shortAddress(r.channel, r.address),
    status: r.status,
    attempts: r.attempts,
    error: safeError(r.last_error),
    resendOf: r.resend_of,
    resentAs: r.resent_as,
    resendable: ATTENTION_STATUSES.includes(r.status) && r.resent_as === null,
  };
}

/** The units to choose from, each with its channels in words (企业微信群机器人、2 个邮箱). */
export function unitChoices(db: Db): UnitChoice[] {
  return unitChannels(db).map((u) => ({
    id: u.id,
    name: u.name,
    channels: [u.robot_kind ? REMINDER_CHANNEL_NAMES[u.robot_kind] : '', u.emails ? `${u.emails} 个邮箱` : '']
      .filter(Boolean)
      .join('、'),
    emails: u.emails,
  }));
}

/** One of a label table's codes, or the field's message. */
function code<K extends string>(names: Record<K, string>, typed: string): K | null | undefined {
  if (!typed) return null;
  return Object.hasOwn(names, typed) ? (typed as K) : undefined;
}

/** GET /notifications: a page of the log; a filter or page that is not offered is a 400 with its field. */
export function deliveryLogPage(db: Db, actor: Actor, q: LogQuery): LogPage {
  canOrReject(db, actor, 'office.manage', null);
  const units = unitChoices(db);
  const fields: FieldErrors = {};
  const status = code(DELIVERY_STATUS_NAMES, q.status);
  if (status === undefined) fields.status = '状态无效';
  const event = code(REMINDER_EVENT_NAMES, q.event);
  if (event === undefined) fields.event = '提醒类型无效';
  const channel = code(REMINDER_CHANNEL_NAMES, q.channel);
  if (channel === undefined) fields.channel = '渠道无效';
  let unitId: number | null = null;
  if (q.unit) {
    unitId = /^\d{1,12}$/.test(q.unit) ? Number(q.unit) : NaN;
    if (!units.some((u) => u.id === unitId)) fields.unit = '单位无效';
  }
  const page = q.page ? (/^\d{1,6}$/.test(q.page) ? Number(q.page) : 0) : 1;
  if (page < 1) fields.page = '页码无效';
  if (Object.keys(fields).length) throw new InvalidInput('筛选条件无效', fields);

  const filter: DeliveryLogFilter = {
    status: status ?? null,
    event: event ?? null,
    unitId,
    channel: channel ?? null,
  };
  const { rows, total, attention } = pageDeliveryLog(db, filter, LOG_PAGE_SIZE, (page - 1) * LOG_PAGE_SIZE);
  return {
    filter,
    query: q,
    lines: rows.map(logLine),
    total,
    attention,
    page,
    pages: Math.max(1, Math.ceil(total / LOG_PAGE_SIZE)),
    units,
  };
}
