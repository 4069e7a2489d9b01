/**
 * What the office tries out on /notifications before units rely on it (`office.manage`): a preview of any
 * unit's next daily digest (what reminder-events.ts would send, nothing queued), a test message to a
 * unit's channels — queued like any reminder under a key of its own, so each click is one message, then
 * handed to the channels at once (reminder-outbox.ts lets a test through quiet hours) and its outcome per channel read back — and a
 * resend of one delivery that failed or whose outcome is unknown.
 */
import { randomUUID } from 'node:crypto';
import { atomically, type Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { deliveryLogRows } from '../db/repos/deliveries-log.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import type { Channels } from '../notify/types.ts';
import { formatShanghai } from '../util/time.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';
import { logLine, unitChoices, type LogLine, type UnitChoice } from './notifications-page.ts';
import { deliverDue, queueReminder } from './reminder-outbox.ts';
import { digestPreview } from './reminder-events.ts';

export interface PreviewPage {
  units: UnitChoice[];
  unitId: number | null;
  unitName: string;
  /** null: nothing new for the unit (or no unit chosen) */
  preview: { subject: string; markdown: string; text: string } | null;
}

/** A unit chosen on a form or in a query string: its id, or a 400 naming the field. */
function chosenUnit(units: UnitChoice[], typed: string): UnitChoice {
  const id = /^\d{1,12}$/.test(typed.trim()) ? Number(typed.trim()) : NaN;
  const unit = units.find((u) => u.id === id);
  if (!unit) throw new InvalidInput('请选择单位', { unit: '请选择单位' });
  return unit;
}

/** GET /notifications/preview?unit=: the unit's next digest as robots and e-mail would carry it. */
export function previewPage(
  db: Db,
  actor: Actor,
  typedUnit: string,
  now: Date,
  baseUrl: string,
): PreviewPage {
  canOrReject(db, actor, 'office.manage', null);
  const units = unitChoices(db);
  if (!typedUnit) return { units, unitId: null, unitName: '', preview: null };
  const unit = chosenUnit(units, typedUnit);
  return { units, unitId: unit.id, unitName: unit.name, preview: digestPreview(db, unit.id, now, baseUrl) };
}

export interface TestPage {
  units: UnitChoice[];
  unitId: number | null;
  /** the outcome per channel of the test message just sent */
  lines: LogLine[];
}

/** GET /notifications/test: the form, and after a send the outcome of each of its deliveries. */
export function testPage(db: Db, actor: Actor, typedUnit: string, sent: number[]): TestPage {
  canOrReject(db, actor, 'office.manage', null);
  const units = unitChoices(db);
  const unitId = units.find((u) => String(u.id) === typedUnit)?.id ?? null;
  const lines = deliveryLogRows(db, sent)
    .filter((r) => r.event === 'test')
    .map(logLine);
  return { units, unitId, lines };
}

export interface TestOptions {
  /** REMINDERS=0: nothing goes out, a test message neither */
  enabled: boolean;
  /** a mail server is configured (SMTP_URL): without one no e-mail is sent */
  email: boolean;
  baseUrl: string;
  timeoutMs?: number;
}

/**
 * POST /notifications/test: one test message to each of the unit's channels (its robot, its contacts'
 * e-mail addresses), sent now; returns the deliveries' ids. A unit without any channel is a 400 saying so.
 */
export async function sendTestMessage(
  db: Db,
  actor: Actor,
  channels: Channels,
  typedUnit: string,
  now: Date,
  opts: TestOptions,
): Promise<number[]> {
  canOrReject(db, actor, 'office.manage', null);
  const unit = chosenUnit(unitChoices(db), typedUnit);
  if (!opts.enabled) throw new Conflict('提醒发送已关闭（REMINDERS=0），测试消息不会发出');
  const when = formatShanghai(now.toISOString());
  const ids = atomically(db, () => {
    const queued = queueReminder(
      db,
      {
        eventKey: `test:${unit.id}:${now.getTime()}:${randomUUID()}`,
        event: 'test',
        unitId: unit.id,
        subject: `测试消息：${unit.name}`,
        markdown: `**测试消息**\n\n这是创城测评系统发给 ${unit.name} 的测试消息，收到说明提醒可以送达本群。\n\n[打开创城测评](${opts.baseUrl}/)`,
        text: `这是创城测评系统发给 ${unit.name} 的测试消息，收到说明提醒可以送达本邮箱。\n\n创城测评：${opts.baseUrl}/\n（${when} 发送）`,
      },
      now,
      { email: opts.email },
    );
    if (!queued.length && !opts.email && unit.emails > 0)
      throw new InvalidInput(
        `${unit.name}只有联系人邮箱，没有群机器人；本系统未配置邮件服务器（SMTP_URL），不发邮件`,
        { unit: '该单位没有群机器人，邮件服务器未配置' },
      );
    if (!queued.length)
      throw new InvalidInput(
        `${unit.name}还没有接收提醒的渠道：请先在单位页面填写群机器人或联系人的电子邮箱`,
        { unit: '该单位没有群机器人，也没有联系人邮箱' },
      );
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'unit.test_message',
      entity: 'unit',
      entityId: unit.id,
      detail: { unit: unit.name, deliveries: queued },
    });
    return queued;
  });
  await deliverDue(db, channels, now, { timeoutMs: opts.timeoutMs ?? 10_000, only: ids });
  return ids;
}
