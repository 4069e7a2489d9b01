/**
 * Keys for the public pages, each derived from the session secret for one purpose (a key never signs two
 * kinds of thing): the device cookie, the form tokens, and the keyed hash of a sender's address.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type KeyPurpose = 'device-cookie' | 'form-token' | 'address-hash';

export function deriveKey(secret: string, purpose: KeyPurpose): Buffer {
  return createHmac('sha256', secret).update(`cc-public:${purpose}`).digest();
}

/** HMAC-SHA256 of a text, base64url. */
export function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

/** Whether `sig` is the MAC of `text`, compared in constant time. */
export function macMatches(key: Buffer, text: string, sig: string): boolean {
  const want = Buffer.from(mac(key, text));
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want);
}
