/**
 * The reminder channels, assembled once from the configuration: the 企业微信 and 钉钉 robots (through the
 * proxy the environment names: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read when the channels are made) and
 * e-mail over SMTP_URL. services/reminder-outbox.ts hands each due delivery to one of them.
 */
import type { Channels } from './types.ts';
import { proxyDispatcher } from './http.ts';
import { robotChannel } from './robots.ts';
import { emailChannel } from './email.ts';

export { signDingtalk } from './robots.ts';
export { cutMarkdown, ROBOT_MAX_BYTES } from './markdown.ts';

export function makeChannels(config: { smtpUrl?: string | undefined; mailFrom: string }): Channels {
  const dispatcher = proxyDispatcher();
  return {
    wecom: robotChannel('wecom', dispatcher),
    dingtalk: robotChannel('dingtalk', dispatcher),
    email: emailChannel(config),
  };
}
