/**
 * 提醒 (/notifications, the office only): the delivery log with its filters and 重发, a preview of any
 * unit's next daily digest, a test message to a unit's channels with its outcome per channel, and the
 * reminder settings (digest hour, quiet hours, days before an overdue problem is copied to the 包联
 * leader). Each handler is parse → call the service → redirect with a message, or the same page again
 * with what was typed and the refusal.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf, allow } from '../middleware/auth.ts';
import { flash } from '../middleware/flash.ts';
import { body, text } from '../forms.ts';
import { idParam } from '../params.ts';
import { linkBase } from '../download.ts';
import { changedOrShownAgain } from '../form-again.ts';
import type { Refusal } from '../refusal.ts';
import { deliveryLogPage } from '../../services/notifications-page.ts';
import { previewPage, sendTestMessage, testPage } from '../../services/notifications-send.ts';
import { resendDelivery } from '../../services/reminder-outbox.ts';
import { reminderSettings, saveReminderSettings } from '../../services/reminder-settings.ts';
import { makeChannels } from '../../notify/channels.ts';
import type { Channels } from '../../notify/types.ts';
import { DELIVERY_STATUS_NAMES, REMINDER_CHANNEL_NAMES, REMINDER_EVENT_NAMES } from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';
import { now } from '../../util/clock.ts';

const query = (req: Request, name: string) => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v.slice(0, 40) : '';
};

/** `sent=12,13`: the deliveries of the test message just sent (anything else is left out). */
const sentIds = (v: string) =>
  v
    .split(',')
    .filter((s) => /^\d{1,12}$/.test(s))
    .map(Number);

const LOG_FILTERS = ['status', 'event', 'unit', 'channel'] as const;
const SETTINGS_FIELDS = ['digestHour', 'quietStart', 'quietEnd', 'escalateDays'] as const;

const names = {
  statusNames: DELIVERY_STATUS_NAMES,
  eventNames: REMINDER_EVENT_NAMES,
  channelNames: REMINDER_CHANNEL_NAMES,
  at: formatShanghai,
};

export function notificationsRouter(deps: AppDeps, _protect: RequestHandler): Router {
  const r = Router();
  const { db, config } = deps;
  const office = allow(db, 'office.manage');
  let channels: Channels | null = null;
  /** made at the first test message: an app that never sends one opens no mail transport */
  const channelsNow = () =>
    (channels ??= makeChannels({ smtpUrl: config.smtpUrl, mailFrom: config.mailFrom }));
  const base = (req: Request) => linkBase(req, config.baseUrl);

  const showLog = (req: Request, res: Response, refused: Refusal | null) => {
    const q = { page: query(req, 'page') } as Record<(typeof LOG_FILTERS)[number] | 'page', string>;
    for (const k of LOG_FILTERS) q[k] = query(req, k);
    const page = deliveryLogPage(db, actorOf(res), q);
    const link = (n: number) => {
      const keep = new URLSearchParams();
      for (const k of LOG_FILTERS) if (q[k]) keep.set(k, q[k]);
      if (n > 1) keep.set('page', String(n));
      const s = keep.toString();
      return `/notifications${s ? `?${s}` : ''}`;
    };
    if (refused) res.status(refused.status);
    res.render('notifications/index', {
      title: '提醒',
      page,
      refused,
      remindersOn: config.reminders,
      prev: page.page > 1 ? link(page.page - 1) : null,
      next: page.page < page.pages ? link(page.page + 1) : null,
      ...names,
    });
  };

  r.get('/notifications', office, (req, res) => showLog(req, res, null));

  r.post('/notifications/:id/resend', office, async (req, res) => {
    const id = idParam(req.params.id, '发送记录');
    let newId = 0;
    const ok = await changedOrShownAgain(
      () => (newId = resendDelivery(db, actorOf(res), id, now(), { email: config.smtpUrl !== undefined })),
      (refusal) => showLog(req, res, refusal),
    );
    if (!ok) return;
    flash(req, 'ok', `已重新排队发送（新记录 #${newId}，原记录 #${id}）。`);
    res.redirect(303, '/notifications');
  });

  r.get('/notifications/preview', office, (req, res) => {
    const page = previewPage(db, actorOf(res), query(req, 'unit'), now(), base(req));
    res.render('notifications/preview', { title: '汇总预览 · 提醒', page });
  });

  const showTest = (res: Response, unit: string, sent: number[], refused: Refusal | null) => {
    const page = testPage(db, actorOf(res), unit, sent);
    if (refused) res.status(refused.status);
    res.render('notifications/test', {
      title: '测试消息 · 提醒',
      page,
      refused,
      remindersOn: config.reminders,
      ...names,
    });
  };

  r.get('/notifications/test', office, (req, res) =>
    showTest(res, query(req, 'unit'), sentIds(query(req, 'sent')), null),
  );

  r.post('/notifications/test', office, async (req, res) => {
    const unit = text(body(req).unit);
    let sent: number[] = [];
    const ok = await changedOrShownAgain(
      async () =>
        (sent = await sendTestMessage(db, actorOf(res), channelsNow(), unit, now(), {
          enabled: config.reminders,
          email: config.smtpUrl !== undefined,
          baseUrl: base(req),
        })),
      (refusal) => showTest(res, unit, [], refusal),
    );
    if (!ok) return;
    res.redirect(303, `/notifications/test?unit=${encodeURIComponent(unit)}&sent=${sent.join(',')}`);
  });

  const showSettings = (res: Response, typed: Record<string, string> | null, refused: Refusal | null) => {
    const saved = reminderSettings(db);
    if (refused) res.status(refused.status);
    res.render('notifications/settings', {
      title: '提醒设置 · 提醒',
      typed: typed ?? Object.fromEntries(SETTINGS_FIELDS.map((k) => [k, String(saved[k])])),
      refused,
    });
  };

  r.get('/notifications/settings', office, (_req, res) => showSettings(res, null, null));

  r.post('/notifications/settings', office, async (req, res) => {
    const form = body(req);
    const typed = Object.fromEntries(SETTINGS_FIELDS.map((k) => [k, text(form[k])]));
    const ok = await changedOrShownAgain(
      () => saveReminderSettings(db, actorOf(res), typed),
      (refusal) => showSettings(res, typed, refusal),
    );
    if (!ok) return;
    flash(req, 'ok', '提醒设置已保存。');
    res.redirect(303, '/notifications/settings');
  });

  return r;
}
