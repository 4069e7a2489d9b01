/**
 * The outbox of reminders (#21). A reminder is queued as one delivery row per channel and address — the
 * unit's group robot gets the markdown, each contact's e-mail address the plain text — and the UNIQUE
 * (event_key, channel, address) key makes it impossible to queue the same reminder twice. Nothing is queued
 * to go in quiet hours: it waits for the morning. Sending (deliverDue) paces each robot to 20 messages in
 * any 60 s, marks a row 'sending' and commits that BEFORE handing it to the channel, so a process that dies
 * mid-send leaves a row that start-up turns to 'unknown' (repos/reminders.ts#sendingToUnknown) rather than
 * one that would go again. A clear failure is retried after 1, 5, 15 and 60 minutes, then given up (dead);
 * an unknown outcome is never repeated by itself — the office may resend it (resendDelivery).
 * A test message from the office (event 'test') is not a reminder: it ignores quiet hours.
 */
import { atomically, type Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  claimDelivery,
  dueDeliveries,
  dueDeliveriesAmong,
  findDelivery,
  findRobot,
  insertDelivery,
  listContacts,
  postponeDeliveries,
  resendOf,
  sendTimesToAddressSince,
  updateDelivery,
  type DeliveryEvent,
  type DeliveryRow,
  type DeliveryStatus,
} from '../db/repos/reminders.ts';
import type { Channels, SendOutcome } from '../notify/types.ts';
import { Conflict, NotFound } from '../errors.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';
import { shortUrl } from '../notify/address.ts';
import {
  afterQuietHours,
  inQuietHours,
  reminderSettings,
  type ReminderSettings,
} from './reminder-settings.ts';

/** A robot accepts about 20 messages a minute (企业微信 and 钉钉 both document it). */
export const ROBOT_PER_MINUTE = 20;
const WINDOW_MS = 60_000;
/** Minutes before the 2nd, 3rd, 4th and 5th attempt after a clear failure; the 5th failure is the last. */
export const BACKOFF_MINUTES = [1, 5, 15, 60] as const;
export const MAX_ATTEMPTS = BACKOFF_MINUTES.length + 1;
/** How many addresses are sent to at once (each address in order). */
const CONCURRENCY = 16;
const DEFAULT_TIMEOUT_MS = 15_000;
/** Rows read per round of deliverDue. */
const BATCH = 200;
const ERROR_MAX = 500;

export interface Reminder {
  /** names the event, e.g. 'overdue:p12': the same key is never queued twice to one address */
  eventKey: string;
  event: DeliveryEvent;
  unitId: number;
  subject: string;
  /** for the group robot (already cut to its limit) */
  markdown: string;
  /** for e-mail */
  text: string;
}

/** When a message queued now may go: now, or the end of the quiet hours for a reminder. */
function firstMoment(db: Db, event: DeliveryEvent, now: Date): Date {
  return event === 'test' ? now : afterQuietHours(reminderSettings(db), now);
}

/** Which channels this server has: without a mail server (SMTP_URL unset) no e-mail is queued at all. */
export interface QueueOptions {
  email: boolean;
}

/**
 * Queues a reminder to the unit's robot and to each of its contacts' e-mail addresses (the same address
 * once) when e-mail is on. Returns the new deliveries' ids: [] when the unit has no channel or the
 * reminder already went.
 */
export function queueReminder(db: Db, r: Reminder, now: Date, opts: QueueOptions): number[] {
  const robot = findRobot(db, r.unitId);
  const emails = new Map<string, string>();
  for (const c of opts.email ? listContacts(db, r.unitId) : []) {
    const email = c.email?.trim();
    if (email && !emails.has(email.toLowerCase())) emails.set(email.toLowerCase(), email);
  }
  if (!robot && !emails.size) return [];
  const common = {
    eventKey: r.eventKey,
    event: r.event,
    unitId: r.unitId,
    subject: r.subject,
    notBefore: firstMoment(db, r.event, now).toISOString(),
    createdAt: now.toISOString(),
  };
  return atomically(db, () => {
    const ids: (number | null)[] = [];
    if (robot)
      ids.push(
        insertDelivery(db, { ...common, channel: robot.kind, address: robot.webhook, body: r.markdown }),
      );
    for (const address of emails.values())
      ids.push(insertDelivery(db, { ...common, channel: 'email', address, body: r.text }));
    return ids.filter((id): id is number => id !== null);
  });
}

export interface DeliverTally {
  sent: number;
  /** clear failures, retried later or given up */
  failed: number;
  unknown: number;
}

/**
 * Sends every delivery due at `now` (queued, or failed and past its backoff), addresses side by side and
 * each address's messages in order — or only those of `only` (a test message the office waits for, not
 * the backlog). In quiet hours reminders are moved to the morning instead.
 */
export async function deliverDue(
  db: Db,
  channels: Channels,
  now: Date,
  opts: { timeoutMs?: number; only?: readonly number[] } = {},
): Promise<DeliverTally> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const only = opts.only ?? null;
  const settings = reminderSettings(db);
  const tally: DeliverTally = { sent: 0, failed: 0, unknown: 0 };
  const seen = new Set<number>();
  for (;;) {
    // `only`: read by id, not from the head of the queue (200 reminders ahead must not hide a test message)
    const due = (
      only ? dueDeliveriesAmong(db, now.toISOString(), only) : dueDeliveries(db, now.toISOString(), BATCH)
    ).filter((d) => !seen.has(d.id));
    if (!due.length) return tally;
    for (const d of due) seen.add(d.id);
    let ready = due;
    if (inQuietHours(settings, now)) {
      ready = due.filter((d) => d.event === 'test');
      const waiting = due.filter((d) => d.event !== 'test').map((d) => d.id);
      atomically(db, () => postponeDeliveries(db, waiting, afterQuietHours(settings, now).toISOString()));
    }
    const byAddress = new Map<string, DeliveryRow[]>();
    for (const d of ready) byAddress.set(d.address, [...(byAddress.get(d.address) ?? []), d]);
    const send = { db, channels, now, timeoutMs, settings, tally };
    await inParallel([...byAddress.values()], CONCURRENCY, (rows) => sendInOrder(send, rows));
  }
}

interface SendRun {
  db: Db;
  channels: Channels;
  now: Date;
  timeoutMs: number;
  settings: ReminderSettings;
  tally: DeliverTally;
}

/** One address's messages, oldest first; a robot's beyond its 20 a minute wait for a free slot. */
async function sendInOrder(run: SendRun, rows: DeliveryRow[]): Promise<void> {
  const { db, now } = run;
  for (let i = 0; i < rows.length; i++) {
    const d = rows[i]!;
    if (d.channel !== 'email') {
      const recent = sendTimesToAddressSince(
        db,
        d.address,
        new Date(now.getTime() - WINDOW_MS).toISOString(),
      );
      if (recent.length >= ROBOT_PER_MINUTE) {
        // a slot frees when the send that fills the window to 20 turns 60 s old
        const free = new Date(Date.parse(recent[recent.length - ROBOT_PER_MINUTE]!) + WINDOW_MS);
        const ids = rows.slice(i).map((r) => r.id);
        atomically(db, () => postponeDeliveries(db, ids, afterQuietHours(run.settings, free).toISOString()));
        return;
      }
    }
    // committed before the channel is called: a crash from here on leaves 'sending', read as unknown
    if (!claimDelivery(db, d.id, now.toISOString())) continue;
    const outcome = await sendOne(run, d);
    record(run, d, outcome);
  }
}

/**
 * The channel's answer, or unknown when it throws or outlives its own timeout by a margin (a channel must
 * not block the outbox).
 */
async function sendOne(run: SendRun, d: DeliveryRow): Promise<SendOutcome> {
  const robot = d.unit_id !== null && d.channel === 'dingtalk' ? findRobot(run.db, d.unit_id) : undefined;
  const secret = robot && robot.kind === 'dingtalk' && robot.webhook === d.address ? robot.secret : null;
  const message = { channel: d.channel, address: d.address, secret, subject: d.subject, body: d.body };
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ outcome: 'unknown', error: '发送超时，是否送达未知' }),
      run.timeoutMs + Math.min(run.timeoutMs, 5_000),
    );
  });
  try {
    return await Promise.race([
      run.channels[d.channel].send(message, { timeoutMs: run.timeoutMs, now: run.now }),
      stuck,
    ]);
  } catch (err) {
    return { outcome: 'unknown', error: `发送出错，是否送达未知：${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** What an attempt's outcome leaves on the row (attempts was counted when it was claimed). */
function record(run: SendRun, d: DeliveryRow, result: SendOutcome): void {
  const { db, now, tally } = run;
  if (result.outcome === 'sent') {
    updateDelivery(db, d.id, { status: 'sent', last_error: null });
    tally.sent++;
    return;
  }
  const error = result.error.slice(0, ERROR_MAX);
  if (result.outcome === 'unknown') {
    updateDelivery(db, d.id, { status: 'unknown', last_error: error });
    tally.unknown++;
    return;
  }
  const attempts = d.attempts + 1;
  tally.failed++;
  if (attempts >= MAX_ATTEMPTS) {
    updateDelivery(db, d.id, { status: 'dead', last_error: error });
    return;
  }
  const retry = new Date(now.getTime() + BACKOFF_MINUTES[attempts - 1]! * 60_000);
  const notBefore = d.event === 'test' ? retry : afterQuietHours(run.settings, retry);
  updateDelivery(db, d.id, { status: 'failed', last_error: error, not_before: notBefore.toISOString() });
}

/** Runs `work` over the items, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const RESENDABLE: ReadonlySet<DeliveryStatus> = new Set(['failed', 'dead', 'unknown']);

/**
 * Where a resend goes: the unit's group robot as it is NOW (the office has usually just corrected its
 * address, kind or secret — the secret is read at each send anyway), or the same e-mail address while it is
 * still one of the unit's contacts'. A channel the unit no longer has is a 409 saying what to do instead.
 */
function resendTarget(
  db: Db,
  old: DeliveryRow,
  opts: QueueOptions,
): { channel: DeliveryRow['channel']; address: string } {
  if (old.channel === 'email') {
    if (!opts.email) throw new Conflict('本系统未配置邮件服务器（SMTP_URL），邮件不重发');
    const still =
      old.unit_id === null ||
      listContacts(db, old.unit_id).some((c) => c.email?.trim().toLowerCase() === old.address.toLowerCase());
    if (!still)
      throw new Conflict(`${old.address} 已不在该单位的联系人中，不再重发；可给该单位发测试消息核对新的邮箱`);
    return { channel: 'email', address: old.address };
  }
  const robot = old.unit_id === null ? undefined : findRobot(db, old.unit_id);
  if (!robot) throw new Conflict('该单位已没有群机器人，不再重发；可在单位的联系人页面重新设置');
  return { channel: robot.kind, address: robot.webhook };
}

/**
 * The office sends one delivery again (a failure, one given up, or one whose outcome is unknown): a new
 * row under `<event key>#resend<n>` to the unit's robot as it is now (or the same e-mail address), queued
 * like any reminder. A failed
 * one's own retries stop (dead): the new row replaces them, so the message cannot go twice by itself; and
 * a row is resent at most once (a second click, or two offices at once, get 409 — the resend itself may be
 * resent if it fails).
 * Returns the new delivery's id.
 */
export function resendDelivery(db: Db, actor: Actor, id: number, now: Date, opts: QueueOptions): number {
  canOrReject(db, actor, 'office.manage', null);
  return atomically(db, () => {
    const old = findDelivery(db, id);
    if (!old) throw new NotFound('找不到该发送记录');
    if (!RESENDABLE.has(old.status)) throw new Conflict('只有发送失败或结果未知的消息可以重新发送');
    const already = resendOf(db, old.id);
    if (already !== null) throw new Conflict(`这条消息已经重发过（#${already}），不再重发；请看重发的那一条`);
    const base = old.event_key.replace(/#resend\d+$/, '');
    const to = resendTarget(db, old, opts);
    const row = {
      event: old.event,
      unitId: old.unit_id,
      channel: to.channel,
      address: to.address,
      subject: old.subject,
      body: old.body,
      notBefore: firstMoment(db, old.event, now).toISOString(),
      createdAt: now.toISOString(),
      resendOf: old.id,
    };
    let newId: number | null = null;
    for (let n = 1; newId === null; n++)
      newId = insertDelivery(db, { ...row, eventKey: `${base}#resend${n}` });
    if (old.status === 'failed') updateDelivery(db, old.id, { status: 'dead' });
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'delivery.resend',
      entity: 'delivery',
      entityId: newId,
      detail: {
        resendOf: old.id,
        unitId: old.unit_id,
        channel: to.channel,
        address: to.channel === 'email' ? to.address : shortUrl(to.address),
      },
    });
    return newId;
  });
}
