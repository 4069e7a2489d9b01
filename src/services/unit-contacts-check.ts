/**
 * The checks of a unit's contacts (负责人, 联络员: name, mobile, e-mail) and its group robot (企业微信 or
 * 钉钉 webhook, 钉钉's signing secret), shared by the unit's contacts page and the units import so both
 * refuse the same things with the same words. Pure: each check reports a field's message through
 * `report` and returns the cleaned value, so a caller gathers every message before refusing.
 *
 * A webhook on another host is not refused (a district may proxy the robots or run a private
 * deployment); `unusualWebhook` tells the page to say which form is expected.
 */
import type { ContactRole, RobotKind, RobotRow } from '../db/repos/reminders.ts';
import { CONTACT_ROLE_NAMES, ROBOT_KIND_NAMES } from '../labels.ts';

/** A field's message: `field` is one of the names below (head.name … robot.secret). */
export type Report = (field: ContactField | RobotField, message: string) => void;
export type ContactField = `${ContactRole}.${'name' | 'mobile' | 'email'}`;
export type RobotField = 'robot.kind' | 'robot.webhook' | 'robot.secret';

export const CONTACT_ROLES: readonly ContactRole[] = ['head', 'liaison'];
export const NAME_MAX = 40;
export const WEBHOOK_MAX = 500;

/** The address each robot's documentation gives (shown beside the field). */
export const EXPECTED_WEBHOOK: Record<RobotKind, string> = {
  wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
  dingtalk: 'https://oapi.dingtalk.com/robot/send?access_token=…',
};
const USUAL: Record<RobotKind, { host: string; path: string; param: string }> = {
  wecom: { host: 'qyapi.weixin.qq.com', path: '/cgi-bin/webhook/send', param: 'key' },
  dingtalk: { host: 'oapi.dingtalk.com', path: '/robot/send', param: 'access_token' },
};

export const SECRET_SHAPE = /^SEC[0-9a-fA-F]{64}$/;
export const SECRET_MESSAGE = '加签密钥应为 SEC 开头的 67 位字符';

/** A contact as typed (strings, maybe empty) and as stored. */
export interface ContactInput {
  name: string;
  mobile: string;
  email: string;
}
export interface CheckedContact {
  name: string;
  mobile: string | null;
  email: string | null;
}

/** What the robot becomes: none, or a kind, an address and the secret to store. */
export type CheckedRobot = null | {
  kind: RobotKind;
  webhook: string;
  secret: string | null;
  /** for the audit log (the secret itself is never logged) */
  secretChange: 'new' | 'kept' | 'cleared' | 'none';
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Full-width digits and signs (a Chinese input method) become ASCII; spaces and dashes between digits go. */
function mobileDigits(typed: string): string {
  const ascii = typed.replace(/[\uff10-\uff19\uff0b\uff0d]/g, (c) =>
    String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
  return ascii.replace(/[\s-]/g, '').replace(/^\+?86(?=1\d{10}$)/, '');
}

/** One contact: all empty is none; otherwise a name, and a mainland mobile and an e-mail when given. */
export function checkContact(role: ContactRole, input: ContactInput, report: Report): CheckedContact | null {
  const who = CONTACT_ROLE_NAMES[role];
  const name = input.name.trim();
  const mobile = mobileDigits(input.mobile.trim());
  const email = input.email.trim();
  if (!name && !mobile && !email) return null;
  if (!name) report(`${role}.name`, `填写了${who}的手机或邮箱，请同时填写${who}姓名`);
  else if (name.length > NAME_MAX) report(`${role}.name`, `${who}姓名不能超过 ${NAME_MAX} 个字符`);
  else if (CONTROL.test(name)) report(`${role}.name`, `${who}姓名不能含换行或控制字符`);
  if (mobile && !/^1\d{10}$/.test(mobile))
    report(`${role}.mobile`, `${who}手机号应为 11 位中国大陆手机号码（以 1 开头）`);
  if (email && (email.length > 254 || !EMAIL.test(email)))
    report(`${role}.email`, `${who}邮箱“${email.slice(0, 60)}”不是有效的电子邮件地址`);
  return { name, mobile: mobile || null, email: email || null };
}

/** The robot kind as a form or a workbook writes it: '' (none), a code or its Chinese name. */
export function robotKindOf(typed: string): RobotKind | '' | undefined {
  const t = typed.trim();
  if (t === '' || t === 'none' || t === '无') return '';
  if (t === 'wecom' || t === 'dingtalk') return t;
  return (Object.keys(ROBOT_KIND_NAMES) as RobotKind[]).find((k) => ROBOT_KIND_NAMES[k] === t);
}

/** A webhook address: http(s), no spaces or control characters, at most 500 characters, a real URL. */
export function checkWebhook(kind: RobotKind, typed: string, report: Report): string {
  const url = typed.trim();
  const fail = (message: string) => (report('robot.webhook', message), url);
  if (!url) return fail('请填写群机器人地址');
  if (url.length > WEBHOOK_MAX) return fail(`群机器人地址不能超过 ${WEBHOOK_MAX} 个字符`);
  if (CONTROL_OR_SPACE.test(url)) return fail('群机器人地址不能含空格、换行或控制字符');
  if (!/^https?:\/\//i.test(url)) return fail('群机器人地址必须以 http:// 或 https:// 开头');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('群机器人地址不是有效的网址');
  }
  if (!parsed.hostname) return fail('群机器人地址不是有效的网址');
  // the other robot's own address under this kind is a slip, not a proxy
  const other: RobotKind = kind === 'wecom' ? 'dingtalk' : 'wecom';
  if (parsed.hostname.toLowerCase() === USUAL[other].host)
    return fail(`这是${ROBOT_KIND_NAMES[other]}群机器人的地址，请把类型选为“${ROBOT_KIND_NAMES[other]}”`);
  return url;
}

/** Whether an address is not in the documented form (said on the page, never refused). */
export function unusualWebhook(kind: RobotKind, webhook: string): boolean {
  try {
    const u = new URL(webhook);
    const usual = USUAL[kind];
    return !(
      u.protocol === 'https:' &&
      u.hostname.toLowerCase() === usual.host &&
      u.pathname === usual.path &&
      !!u.searchParams.get(usual.param)
    );
  } catch {
    return true;
  }
}

/** The secret as the page shows it once saved: its first and last characters only. */
export function maskSecret(secret: string): string {
  return `${secret.slice(0, 3)}••••••••${secret.slice(-4)}`;
}

export interface RobotInput {
  kind: string;
  webhook: string;
  /** a new secret (empty: keep the stored one) */
  secret: string;
  /** the page's 清除加签密钥 box */
  clearSecret?: boolean;
}

/**
 * The robot as typed, against the one stored (the page keeps a 钉钉 secret unless a new one is typed or
 * it is cleared; an import has none stored). Choosing 无 removes the robot; an address typed under 无
 * that is not the stored one is refused rather than dropped.
 */
export function checkRobot(input: RobotInput, stored: RobotRow | undefined, report: Report): CheckedRobot {
  const kind = robotKindOf(input.kind);
  const secret = input.secret.trim();
  const webhook = input.webhook.trim();
  if (kind === undefined) {
    report('robot.kind', '群机器人类型应为“企业微信”或“钉钉”，或不设');
    return null;
  }
  if (kind === '') {
    if (webhook && webhook !== stored?.webhook)
      report('robot.kind', '填写了群机器人地址，请选择群机器人类型（企业微信或钉钉）');
    if (secret) report('robot.secret', '没有群机器人，不能填写加签密钥');
    return null;
  }
  const address = checkWebhook(kind, webhook, report);
  if (kind === 'wecom') {
    if (secret) report('robot.secret', '企业微信群机器人不使用加签密钥，请清空该项');
    return { kind, webhook: address, secret: null, secretChange: stored?.secret ? 'cleared' : 'none' };
  }
  if (secret && input.clearSecret) {
    report('robot.secret', '不能同时填写新的加签密钥和清除密钥');
    return null;
  }
  if (secret && !SECRET_SHAPE.test(secret)) {
    report('robot.secret', SECRET_MESSAGE);
    return null;
  }
  if (secret) return { kind, webhook: address, secret, secretChange: 'new' };
  const kept = !input.clearSecret && stored?.kind === 'dingtalk' ? stored.secret : null;
  const secretChange = kept ? 'kept' : stored?.secret ? 'cleared' : 'none';
  return { kind, webhook: address, secret: kept, secretChange };
}
