/**
 * The demo's stand-in for the 企业微信 and 钉钉 group robots (#21): the demo units' robots point at this
 * server's own /demo-sink/…, so the reminders really leave through the channels and an evaluator sees on
 * /demo-sink what each group would have got. It answers as the robots do, in their JSON:
 * - {"errcode":0,"errmsg":"ok"} for a markdown message to a robot a demo unit has;
 * - 企业微信 93000 "invalid webhook url" / 钉钉 300001 "token is not exist" for a key that is none of the
 *   demo's groups (saveSinkGroups), or not of the shape the robots issue (a UUID, 64 hex digits);
 * - 钉钉 with a 加签 secret: 310000 "sign not match" when timestamp + sign do not check out against the
 *   group's real secret (not the one a unit typed), 310000
 *   "invalid timestamp" when the timestamp is more than an hour off;
 * - a body that is not JSON: 企业微信 40035 "Warning: wrong json format", 钉钉 40035 "缺少参数 json"; another
 *   msgtype or no text: 40008 / 44004 (企业微信), 40035 (钉钉); 企业微信 markdown over 4,096 bytes: 40058.
 * The same answers serve the demo's seeded history (demo-reminders.ts), so the log it writes is what this
 * sink would have answered.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import type { RobotKind } from '../db/repos/reminders.ts';
import { getSetting, setSetting } from '../db/repos/settings.ts';
import { signDingtalk } from '../notify/robots.ts';

/** the path under this server a demo robot's webhook has, by kind, and the query parameter naming it */
export const SINK_PATH: Record<RobotKind, string> = {
  wecom: '/demo-sink/wecom/send',
  dingtalk: '/demo-sink/dingtalk/send',
};
export const SINK_PARAM: Record<RobotKind, string> = { wecom: 'key', dingtalk: 'access_token' };

/** the largest body the sink reads (a robot message is at most a few KB) */
export const SINK_BODY_LIMIT = 64 * 1024;
const WECOM_MAX_BYTES = 4096;
/** the keys the robots issue (企业微信: a UUID; 钉钉: 64 hex digits): a key pasted short is no robot's */
const KEY_SHAPE: Record<RobotKind, RegExp> = {
  wecom: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  dingtalk: /^[0-9a-f]{64}$/,
};
const TIMESTAMP_WINDOW_MS = 3600_000;

export interface SinkAnswer {
  errcode: number;
  errmsg: string;
}

/** One message as the sink took it (or refused it), for /demo-sink. */
export interface SinkMessage {
  /** ISO UTC */
  at: string;
  kind: RobotKind;
  /** the demo unit whose group the key belongs to; null for a key no unit has */
  unitName: string | null;
  /** the message's title (钉钉) or first line, and its markdown as sent */
  title: string;
  text: string;
  answer: SinkAnswer;
}

/**
 * A group the sink stands for, as the robot's owner (企业微信 / 钉钉) knows it: its key and, for 钉钉, its real
 * 加签 secret — what a unit typed on its contacts page is checked against this, as the real robots do.
 */
export interface SinkGroup {
  kind: RobotKind;
  key: string;
  secret: string | null;
  unitName: string;
}

const GROUPS_KEY = 'demo_sink_groups';

/** The demo's groups, written once by the demo seed (services/demo-reminders.ts). */
export function saveSinkGroups(db: Db, groups: SinkGroup[]): void {
  setSetting(db, GROUPS_KEY, JSON.stringify(groups));
}

function sinkGroup(db: Db, kind: RobotKind, key: string): SinkGroup | undefined {
  try {
    const groups = JSON.parse(getSetting(db, GROUPS_KEY) ?? '[]') as SinkGroup[];
    return groups.find((g) => g.kind === kind && g.key === key);
  } catch {
    return undefined;
  }
}

/** 钉钉's check of a signed request: the signature the robots' channel would have made with the secret. */
function signatureMatches(secret: string, timestamp: string, sign: string): boolean {
  const expected = Buffer.from(signDingtalk(secret, Number(timestamp)));
  const given = Buffer.from(sign);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const answer = (errcode: number, errmsg: string): SinkAnswer => ({ errcode, errmsg });

/** The markdown and title of a robot's JSON body, or the robot's refusal of it. */
function readPayload(kind: RobotKind, raw: string): { title: string; text: string } | SinkAnswer {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return kind === 'wecom'
      ? answer(40035, 'Warning: wrong json format. invalid parameter')
      : answer(40035, '缺少参数 json');
  }
  const { msgtype, markdown } = (json ?? {}) as { msgtype?: unknown; markdown?: Record<string, unknown> };
  if (msgtype !== 'markdown' || typeof markdown !== 'object' || markdown === null)
    return kind === 'wecom' ? answer(40008, 'invalid message type') : answer(40035, '缺少参数 markdown');
  const text = kind === 'wecom' ? markdown.content : markdown.text;
  if (typeof text !== 'string' || !text.trim())
    return kind === 'wecom' ? answer(44004, 'empty content') : answer(40035, '缺少参数 text');
  if (kind === 'wecom' && Buffer.byteLength(text, 'utf8') > WECOM_MAX_BYTES)
    return answer(40058, `markdown.content exceed max length ${WECOM_MAX_BYTES}`);
  const title =
    kind === 'dingtalk' && typeof markdown.title === 'string' ? markdown.title : (text.split('\n')[0] ?? '');
  return { title: title.replace(/^#+\s*/, '').slice(0, 200), text };
}

/**
 * What the robot of `kind` answers to a POST with this query and body at `now`, and the message as the
 * sink keeps it (null when the request named no robot at all).
 */
export function sinkAnswer(
  db: Db,
  kind: RobotKind,
  query: URLSearchParams,
  raw: string,
  now: Date,
): { answer: SinkAnswer; message: SinkMessage | null } {
  const key = query.get(SINK_PARAM[kind]) ?? '';
  const robot = KEY_SHAPE[kind].test(key) ? sinkGroup(db, kind, key) : undefined;
  const at = now.toISOString();
  const kept = (a: SinkAnswer, title = '', text = '') => ({
    answer: a,
    message: { at, kind, unitName: robot?.unitName ?? null, title, text, answer: a },
  });
  if (!robot)
    return kind === 'wecom'
      ? kept(answer(93000, 'invalid webhook url, hint: [demo-sink]'))
      : kept(answer(300001, 'token is not exist'));
  if (kind === 'dingtalk' && robot.secret) {
    const timestamp = query.get('timestamp') ?? '';
    const sign = query.get('sign') ?? '';
    const ms = Number(timestamp);
    if (!/^\d{13}$/.test(timestamp) || Math.abs(now.getTime() - ms) > TIMESTAMP_WINDOW_MS)
      return kept(answer(310000, 'invalid timestamp'));
    if (!signatureMatches(robot.secret, timestamp, sign))
      return kept(answer(310000, 'sign not match, more: [demo-sink]'));
  }
  const payload = readPayload(kind, raw);
  if ('errcode' in payload) return kept(payload);
  return kept(answer(0, 'ok'), payload.title, payload.text);
}
