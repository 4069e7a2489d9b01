/**
 * Reminders by e-mail over SMTP (nodemailer), to a unit's 负责人 and 联络员: a subject and a plain UTF-8 text
 * body, from MAIL_FROM. Without SMTP_URL the channel answers every message `failed` (the robots still work).
 * Outcomes: the server refusing (a 4xx/5xx reply), no connection, no greeting → `failed`, nothing was
 * handed over; the server falling silent or dropping the line mid-conversation → `unknown`, since it may
 * already have taken the message.
 */
import nodemailer from 'nodemailer';
import type { Channel, SendOutcome } from './types.ts';

export interface EmailConfig {
  smtpUrl?: string | undefined;
  mailFrom: string;
}

export const NO_SMTP_ERROR = '未配置邮件服务器（SMTP_URL）';

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  timeoutType?: string;
  message?: string;
  cause?: { code?: string };
  errno?: string;
}

const short = (s: string, max = 120): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/** the outcome of a nodemailer error (exported for its unit test) */
export function readSmtpError(err: unknown): SendOutcome {
  const e = (err ?? {}) as SmtpError;
  if (typeof e.responseCode === 'number' && e.responseCode >= 400)
    return {
      outcome: 'failed',
      error: `邮件服务器拒收：${short((e.response ?? e.message ?? String(e.responseCode)).trim())}`,
    };
  if (e.code === 'ETIMEDOUT') {
    if (
      e.timeoutType === 'CONNECT_TIMEOUT' ||
      e.timeoutType === 'GREETING_TIMEOUT' ||
      e.timeoutType === 'UPGRADE_TIMEOUT'
    )
      return { outcome: 'failed', error: '连接邮件服务器超时' };
    return { outcome: 'unknown', error: '邮件服务器无响应（超时），不确定是否已送达' };
  }
  const message = e.message ?? String(err);
  if (e.code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(message))
    return { outcome: 'failed', error: `邮件服务器域名无法解析：${short(message, 80)}` };
  if (/ECONNREFUSED/.test(message) || e.errno === 'ECONNREFUSED')
    return { outcome: 'failed', error: '邮件服务器拒绝连接' };
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return { outcome: 'failed', error: '邮件服务器登录失败' };
  if (e.code === 'ETLS')
    return { outcome: 'failed', error: `与邮件服务器的加密连接失败：${short(message, 80)}` };
  if (e.code === 'EENVELOPE' || e.code === 'ECONFIG')
    return { outcome: 'failed', error: `邮件地址或配置有误：${short(message, 80)}` };
  // the line dropped or something unforeseen once talking: the server may have the message
  return { outcome: 'unknown', error: `邮件发送中断，不确定是否已送达：${short(message, 80)}` };
}

export function emailChannel(config: EmailConfig): Channel {
  return {
    async send(message, { timeoutMs }) {
      if (!config.smtpUrl) return { outcome: 'failed', error: NO_SMTP_ERROR };
      // a transport per message: reminders are few, and a fresh connection keeps one message's trouble its own
      const transport = nodemailer.createTransport({
        url: config.smtpUrl,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      let timer: NodeJS.Timeout | undefined;
      // a server that answers, slowly, line by line never trips socketTimeout: bound the whole send too
      const overall = new Promise<SendOutcome>((resolve) => {
        timer = setTimeout(
          () => resolve({ outcome: 'unknown', error: '邮件服务器无响应（超时），不确定是否已送达' }),
          timeoutMs * 3,
        );
      });
      const sending = transport
        .sendMail({
          from: config.mailFrom,
          to: message.address,
          subject: message.subject,
          text: message.body,
        })
        .then((): SendOutcome => ({ outcome: 'sent' }), readSmtpError);
      try {
        return await Promise.race([sending, overall]);
      } finally {
        clearTimeout(timer);
        transport.close();
      }
    },
  };
}
