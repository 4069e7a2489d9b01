/**
 * The demo's reminders (#21): every demo unit gets its 负责人 and 联络员 (name, mobile, e-mail) and a group
 * robot — most 企业微信, the 镇街 offices 钉钉 with a 加签 secret — whose webhook is this server's own
 * demo sink (services/demo-sink.ts, /demo-sink), so the reminders really leave through the robot channels.
 * A server later started on another port finds its robots' addresses refused: those sends fail, honestly.
 *
 * The delivery log starts with yesterday's round, composed by the real composer at the digest hour and
 * sent by the real outbox through channels that answer as the sink would have answered then: everything
 * taken, except one unit whose 钉钉 robot had been given another group's 加签 secret (310000 sign not
 * match, retried after 1, 5, 15 and 60 minutes, then given up) until the office corrected it and resent
 * the messages, and one message to a robot that never answered (unknown). The contacts' e-mail addresses
 * are on the reserved `.example` domain: a demo started with SMTP_URL set mails nobody real. Everything goes through
 * the services the pages use, as SYSTEM.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { findRobot } from '../db/repos/reminders.ts';
import { pageDeliveryLog } from '../db/repos/deliveries-log.ts';
import { recentProblemEvents } from '../db/repos/reminder-events.ts';
import { listUnits, type UnitRow } from '../db/repos/units.ts';
import { readRobotAnswer, signDingtalk } from '../notify/robots.ts';
import type { Channel, Channels, OutgoingMessage, SendOutcome } from '../notify/types.ts';
import { addDays } from '../util/time.ts';
import { SYSTEM } from './access.ts';
import { SINK_PARAM, SINK_PATH, saveSinkGroups, sinkAnswer, type SinkGroup } from './demo-sink.ts';
import { composeDue } from './reminder-events.ts';
import { BACKOFF_MINUTES, deliverDue, resendDelivery } from './reminder-outbox.ts';
import { reminderSettings } from './reminder-settings.ts';
import { saveUnitContacts } from './unit-contacts.ts';

const SURNAMES: [string, string][] = [
  ['王', 'wang'],
  ['李', 'li'],
  ['张', 'zhang'],
  ['刘', 'liu'],
  ['陈', 'chen'],
  ['杨', 'yang'],
  ['黄', 'huang'],
  ['赵', 'zhao'],
  ['吴', 'wu'],
  ['周', 'zhou'],
  ['徐', 'xu'],
  ['孙', 'sun'],
  ['马', 'ma'],
  ['朱', 'zhu'],
  ['胡', 'hu'],
  ['郭', 'guo'],
  ['何', 'he'],
  ['高', 'gao'],
  ['林', 'lin'],
  ['罗', 'luo'],
];
const GIVEN: [string, string][] = [
  ['建国', 'jianguo'],
  ['秀英', 'xiuying'],
  ['志强', 'zhiqiang'],
  ['丽华', 'lihua'],
  ['海燕', 'haiyan'],
  ['文斌', 'wenbin'],
  ['晓东', 'xiaodong'],
  ['春梅', 'chunmei'],
  ['国栋', 'guodong'],
  ['玉兰', 'yulan'],
  ['明辉', 'minghui'],
  ['雪芳', 'xuefang'],
  ['振华', 'zhenhua'],
  ['慧敏', 'huimin'],
  ['立新', 'lixin'],
  ['红霞', 'hongxia'],
  ['永刚', 'yonggang'],
  ['静怡', 'jingyi'],
  ['德明', 'deming'],
  ['小燕', 'xiaoyan'],
  ['宏伟', 'hongwei'],
];
const MAIL_DOMAIN = 'qinghe.example';

/** The n-th demo person (20 surnames × 21 given names: distinct for the first 420). */
function person(n: number): { name: string; mobile: string; email: string } {
  const [surname, sp] = SURNAMES[n % SURNAMES.length]!;
  const [given, gp] = GIVEN[n % GIVEN.length]!;
  const digits = String((12_345_678 + (n + 1) * 4_827_191) % 100_000_000).padStart(8, '0');
  return { name: `${surname}${given}`, mobile: `138${digits}`, email: `${sp}${gp}@${MAIL_DOMAIN}` };
}

/** A robot's address at this server's sink. */
function sinkWebhook(origin: string, kind: 'wecom' | 'dingtalk', key: string): string {
  return `${origin}${SINK_PATH[kind]}?${SINK_PARAM[kind]}=${key}`;
}

/** The contacts page's form for a unit: its two contacts and its robot. */
function contactsForm(
  i: number,
  robot: { kind: 'wecom' | 'dingtalk'; webhook: string; secret: string | null },
): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [role, n] of [
    ['head', 2 * i],
    ['liaison', 2 * i + 1],
  ] as const) {
    const p = person(n);
    form[`${role}.name`] = p.name;
    form[`${role}.mobile`] = p.mobile;
    form[`${role}.email`] = p.email;
  }
  form['robot.kind'] = robot.kind;
  form['robot.webhook'] = robot.webhook;
  form['robot.secret'] = robot.secret ?? '';
  return form;
}

/**
 * Channels answering as the sink would have: the request a robot channel makes (signed for 钉钉) read by
 * the sink's own rules, its answer read as the robot channel reads it. `hangs` names the one message that
 * got no answer (the channel's own words for a timeout).
 */
function sinkChannels(db: Db, hangs: (m: OutgoingMessage) => boolean): Channels {
  const robot = (kind: 'wecom' | 'dingtalk', name: string): Channel => ({
    send(message, { timeoutMs, now }): Promise<SendOutcome> {
      if (hangs(message)) {
        const seconds = `${Math.round(timeoutMs / 100) / 10} 秒`;
        return Promise.resolve({
          outcome: 'unknown',
          error: `${name}：等待回答超时（${seconds}），不确定是否已送达`,
        });
      }
      const url = new URL(message.address);
      if (kind === 'dingtalk' && message.secret) {
        url.searchParams.set('timestamp', String(now.getTime()));
        url.searchParams.set('sign', signDingtalk(message.secret, now.getTime()));
      }
      const payload =
        kind === 'wecom'
          ? { msgtype: 'markdown', markdown: { content: message.body } }
          : { msgtype: 'markdown', markdown: { title: message.subject, text: message.body } };
      const { answer } = sinkAnswer(db, kind, url.searchParams, JSON.stringify(payload), now);
      return Promise.resolve(readRobotAnswer(kind, 200, JSON.stringify(answer)));
    },
  });
  return {
    wecom: robot('wecom', '企业微信'),
    dingtalk: robot('dingtalk', '钉钉'),
    email: { send: () => Promise.resolve({ outcome: 'failed', error: '演示没有发信服务器' }) },
  };
}

/** A Shanghai wall-clock moment as a Date. */
const shanghai = (date: string, time: string): Date => new Date(`${date}T${time}:00+08:00`);
const minutesAfter = (at: Date, minutes: number): Date => new Date(at.getTime() + minutes * 60_000);

export interface DemoRemindersOptions {
  /** the port this server listens on: the robots' addresses point at its sink */
  port: number;
  /** the address links in reminders start with (BASE_URL; default http://localhost:<port>) */
  baseUrl?: string | undefined;
  /** the demo's today (Shanghai date) */
  today: string;
}

/** Seeds the demo units' contacts and robots, and yesterday's delivery log. */
export async function seedDemoReminders(db: Db, opts: DemoRemindersOptions): Promise<void> {
  const origin = `http://127.0.0.1:${opts.port}`;
  const units = listUnits(db).filter((u) => u.retired_at === null);
  // the unit that pasted another group's 加签 secret: the one whose fix was sent back (so a reminder goes
  // to it whatever the weekday)
  const returned = recentProblemEvents(db, ['reject'], '').at(-1)?.problem.unit_id;
  const slipped = units.find((u) => u.id === returned);
  const groups: SinkGroup[] = [];
  let fix: Record<string, string> = {};
  for (const [i, unit] of units.entries()) {
    const kind = unit.kind === 'street' || unit === slipped ? 'dingtalk' : 'wecom';
    const key = kind === 'dingtalk' ? randomBytes(32).toString('hex') : randomUUID();
    const secret = kind === 'dingtalk' ? `SEC${randomBytes(32).toString('hex')}` : null;
    groups.push({ kind, key, secret, unitName: unit.name });
    const webhook = sinkWebhook(origin, kind, key);
    const form = contactsForm(i, { kind, webhook, secret });
    if (unit === slipped) {
      fix = form;
      saveUnitContacts(db, SYSTEM, unit.id, {
        ...form,
        'robot.secret': `SEC${randomBytes(32).toString('hex')}`,
      });
    } else saveUnitContacts(db, SYSTEM, unit.id, form);
  }
  saveSinkGroups(db, groups);
  const baseUrl = opts.baseUrl ?? `http://localhost:${opts.port}`;
  await yesterdaysRound(db, { slipped, fix, baseUrl, today: opts.today });
}

/**
 * Yesterday's reminders at the digest hour, sent through the sink's answers: the slipped secret's
 * signatures refused until given up, its correction and resend, one robot that never answered.
 */
async function yesterdaysRound(
  db: Db,
  o: { slipped: UnitRow | undefined; fix: Record<string, string>; baseUrl: string; today: string },
): Promise<void> {
  const hour = String(reminderSettings(db).digestHour).padStart(2, '0');
  const at = shanghai(addDays(o.today, -1), `${hour}:00`);
  composeDue(db, at, o.baseUrl, { email: false });
  // the first message to another unit's robot got no answer
  const slippedAddress = o.slipped ? findRobot(db, o.slipped.id)?.webhook : undefined;
  let hung = false;
  const channels = sinkChannels(db, (m) => !hung && m.address !== slippedAddress && (hung = true));
  await deliverDue(db, channels, at);
  let minutes = 0;
  for (const wait of BACKOFF_MINUTES) {
    minutes += wait;
    await deliverDue(db, channels, minutesAfter(at, minutes));
  }
  if (!o.slipped) return;
  // the office types the group's right secret and resends what had been given up on
  const filter = { status: 'dead' as const, event: null, unitId: o.slipped.id, channel: null };
  const dead = pageDeliveryLog(db, filter, 20, 0).rows.reverse();
  const fixedAt = minutesAfter(at, minutes + 9);
  saveUnitContacts(db, SYSTEM, o.slipped.id, o.fix);
  const resent = dead.map((d) => resendDelivery(db, SYSTEM, d.id, fixedAt, { email: false }));
  await deliverDue(db, channels, fixedAt, { only: resent });
}
