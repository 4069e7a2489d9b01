/**
 * What every reminder channel (企业微信 robot, 钉钉 robot, e-mail) agrees on: a message to send, and the
 * outcome of one attempt. The outcome decides what happens next (services/reminder-outbox.ts): `sent`;
 * `failed` — a clear failure, nothing was delivered (refused connection, HTTP error, a robot's 200 with an
 * error code in its JSON): retried with backoff; `unknown` — the receiver hung or the connection broke
 * after the message was handed over: never repeated by itself (the office may resend from /notifications).
 */
import type { DeliveryChannel } from '../db/repos/reminders.ts';

export interface OutgoingMessage {
  channel: DeliveryChannel;
  /** the webhook address (robots) or the e-mail address */
  address: string;
  /** 钉钉's signing secret, when the robot has one */
  secret?: string | null;
  subject: string;
  /** markdown (robots; already cut to the channel's limit) or plain text (e-mail) */
  body: string;
}

export type SendOutcome =
  { outcome: 'sent' } | { outcome: 'failed'; error: string } | { outcome: 'unknown'; error: string };

export interface Channel {
  send(message: OutgoingMessage, opts: { timeoutMs: number; now: Date }): Promise<SendOutcome>;
}

export type Channels = Record<DeliveryChannel, Channel>;
