/**
 * The two group robots a unit's reminders can go to, in their documented formats:
 * - 企业微信 群机器人: POST {"msgtype":"markdown","markdown":{"content":"…"}} to the webhook (…/send?key=…);
 * - 钉钉 自定义机器人: POST {"msgtype":"markdown","markdown":{"title":"…","text":"…"}} to the webhook
 *   (…/send?access_token=…), with &timestamp=<ms>&sign=<base64 HMAC-SHA256> when the robot is 加签.
 * Both answer {"errcode":0,"errmsg":"ok"}, and both answer HTTP 200 with another errcode when they refuse
 * (企业微信 93000 invalid webhook url, 钉钉 310000 sign not match, 130101 send too fast): that is a failure.
 */
import { createHmac } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Channel, OutgoingMessage, SendOutcome } from './types.ts';
import { postJson } from './http.ts';
import { ROBOT_MAX_BYTES } from './markdown.ts';

export type RobotKind = 'wecom' | 'dingtalk';

const ROBOT_NAMES: Record<RobotKind, string> = { wecom: '企业微信', dingtalk: '钉钉' };

/**
 * 钉钉's signature of a request: base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)). Returned as
 * base64; it is URL-encoded where it is put into the address.
 */
export function signDingtalk(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** the webhook address to POST to, or null when it is not an http(s) address */
function webhookUrl(message: OutgoingMessage, now: Date): URL | null {
  let url: URL;
  try {
    url = new URL(message.address);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (message.channel === 'dingtalk' && message.secret) {
    const timestamp = now.getTime();
    url.searchParams.set('timestamp', String(timestamp));
    url.searchParams.set('sign', signDingtalk(message.secret, timestamp));
  }
  return url;
}

function payloadOf(kind: RobotKind, message: OutgoingMessage): unknown {
  return kind === 'wecom'
    ? { msgtype: 'markdown', markdown: { content: message.body } }
    : { msgtype: 'markdown', markdown: { title: message.subject, text: message.body } };
}

const short = (s: string, max = 120): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/**
 * Statuses that say the robot did not take the message (safe to send again later): a refusal (4xx), too
 * many requests, or a service that is not accepting any (503). Any other 5xx (500, 502, 504 …) may come
 * from a proxy or gateway after the message went through, so it is unknown, and so is a 2xx answer that is
 * not the robots' JSON (a maintenance page, a captive portal after it forwarded).
 */
const notTaken = (status: number) => (status >= 400 && status < 500) || status === 503;

/** what the robot's answer means: only errcode 0 in a JSON body with a 2xx status is `sent` */
export function readRobotAnswer(kind: RobotKind, status: number, body: string): SendOutcome {
  const name = ROBOT_NAMES[kind];
  // redirects are not followed: the robot never saw the message (often an http:// address of an https robot)
  if (status >= 300 && status < 400)
    return { outcome: 'failed', error: `${name}返回 HTTP ${status}：地址被重定向，请核对 Webhook 地址` };
  if (status < 200 || status >= 300) {
    const error = `${name}返回 HTTP ${status}`;
    if (notTaken(status)) return { outcome: 'failed', error };
    return { outcome: 'unknown', error: `${error}，不确定是否已送达` };
  }
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return {
      outcome: 'unknown',
      error: `${name}的回答无法识别，不确定是否已送达：${short(body.trim(), 60) || '（空）'}`,
    };
  }
  const { errcode, errmsg } = (answer ?? {}) as { errcode?: unknown; errmsg?: unknown };
  if (typeof errcode !== 'number')
    return {
      outcome: 'unknown',
      error: `${name}的回答缺少 errcode，不确定是否已送达：${short(body.trim(), 60)}`,
    };
  if (errcode !== 0)
    return { outcome: 'failed', error: `${name}返回错误 ${errcode}：${short(String(errmsg ?? ''))}` };
  return { outcome: 'sent' };
}

/** A robot channel sending through `dispatcher` (the proxy-aware one from http.ts). */
export function robotChannel(kind: RobotKind, dispatcher: Dispatcher): Channel {
  const name = ROBOT_NAMES[kind];
  return {
    async send(message, { timeoutMs, now }) {
      const url = webhookUrl(message, now);
      if (!url) return { outcome: 'failed', error: `${name}机器人地址不是 http(s) 网址` };
      const size = Buffer.byteLength(message.body, 'utf8');
      if (size > ROBOT_MAX_BYTES)
        return { outcome: 'failed', error: `消息 ${size} 字节，超过${name}的 ${ROBOT_MAX_BYTES} 字节上限` };
      const answer = await postJson(dispatcher, url, payloadOf(kind, message), timeoutMs);
      if (answer.kind === 'notSent') return { outcome: 'failed', error: `${name}：${answer.error}` };
      if (answer.kind === 'lost') return { outcome: 'unknown', error: `${name}：${answer.error}` };
      return readRobotAnswer(kind, answer.status, answer.body);
    },
  };
}
