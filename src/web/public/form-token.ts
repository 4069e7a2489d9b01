/**
 * Signed, short-lived form tokens for forms posted without a session (the public survey) and for the
 * 入户 form (whose start time must come from the server): base64url(JSON payload) "." HMAC. The payload
 * says which step the form is, the round and 社区, who it was shown to (device id or user id), when the
 * questionnaire was started and when this form was issued; the answer's `seconds` are counted from the
 * start the token carries, never from anything the client says. A token with a bad MAC, another step,
 * another person, or older than FORM_TOKEN_HOURS is refused with FORM_EXPIRED.
 */
import { nowMs } from '../../util/clock.ts';
import { randomBytes } from 'node:crypto';
import { Forbidden } from '../../errors.ts';
import { mac, macMatches } from './keys.ts';

export const FORM_TOKEN_HOURS = 2;
export const FORM_EXPIRED = '页面已过期，请重新扫码打开问卷';
export const INTERVIEW_FORM_EXPIRED = '页面已过期或答卷无效，请重新打开入户答卷页面';

/** report: a 随手拍 form (`community` then carries the report link's id, `round` 0) */
export type FormStep = 'screen' | 'answer' | 'interview' | 'report';

export interface FormToken {
  step: FormStep;
  round: number;
  community: number;
  /** the device id (public) or `u<user id>` (入户) */
  who: string;
  /** when the questionnaire's first form was shown (ms) */
  started: number;
  /** when this form was issued (ms) */
  issued: number;
  /** screening answers carried into the questions form */
  screening?: Record<string, string>;
  /** random: two forms never share a token (a replay is the same token twice) */
  nonce: string;
}

export function signFormToken(key: Buffer, t: Omit<FormToken, 'issued' | 'nonce'>, now = nowMs()): string {
  const body = Buffer.from(
    JSON.stringify({ ...t, issued: now, nonce: randomBytes(9).toString('base64url') }),
  ).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** The token's payload when it is genuine, of this step and person, and not expired; else 403 FORM_EXPIRED. */
export function verifyFormToken(
  key: Buffer,
  token: unknown,
  expect: { step: FormStep; who: string; expired?: string },
  now = nowMs(),
): FormToken {
  const fail = () => new Forbidden(expect.expired ?? FORM_EXPIRED);
  if (typeof token !== 'string' || token.length > 4000) throw fail();
  const dot = token.indexOf('.');
  if (dot <= 0 || !macMatches(key, token.slice(0, dot), token.slice(dot + 1))) throw fail();
  let t: FormToken;
  try {
    t = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as FormToken;
  } catch {
    throw fail();
  }
  const maxAge = FORM_TOKEN_HOURS * 3600_000;
  if (
    typeof t !== 'object' ||
    t === null ||
    t.step !== expect.step ||
    t.who !== expect.who ||
    !Number.isInteger(t.round) ||
    !Number.isInteger(t.community) ||
    typeof t.started !== 'number' ||
    typeof t.issued !== 'number' ||
    t.issued > now + 60_000 ||
    now - t.issued > maxAge ||
    now - t.started > 2 * maxAge
  )
    throw fail();
  return t;
}

/**
 * Remembers the tokens already used (in memory, for as long as a token lives, at most `max`): a form
 * posted twice — a double tap, the back button — is refused the second time. A restart forgets them;
 * the public survey also has the one-answer-per-device rule in the database.
 */
export class SpentTokens {
  private readonly spent = new Map<string, number>();
  constructor(private readonly max = 100_000) {}

  /** True the first time a token's nonce is spent, false after. */
  spend(t: FormToken, now = nowMs()): boolean {
    if (this.spent.has(t.nonce)) return false;
    if (this.spent.size >= this.max)
      for (const [nonce, at] of this.spent)
        if (now - at > FORM_TOKEN_HOURS * 3600_000 || this.spent.size >= this.max) this.spent.delete(nonce);
        else break;
    this.spent.set(t.nonce, now);
    return true;
  }
}
