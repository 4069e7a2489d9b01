/**
 * The small pure rules of 随手拍: a resident's tracking code (10 characters from an alphabet without the
 * look-alikes 0/O and 1/I, 50 random bits: unguessable behind the public pages' throttle) and the phone
 * numbers accepted for a reply (a mainland mobile, or a landline with its area code).
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const TRACKING_CODE_LENGTH = 10;

export function newTrackingCode(): string {
  // 32 letters: the low five bits of a byte pick one evenly
  return [...randomBytes(TRACKING_CODE_LENGTH)].map((b) => ALPHABET[b & 31]).join('');
}

/** A code as a resident may type it (lower case, spaces or dashes), or null when it cannot be one. */
export function normalizeTrackingCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  return code.length === TRACKING_CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : null;
}

/**
 * A phone number as kept (digits, a landline as 区号-号码), or null when it is neither a mainland mobile
 * (1[3-9] and 9 more digits, +86 allowed) nor a landline (0 + a 2–3 digit area code, 7–8 digits).
 */
export function checkPhone(input: string): string | null {
  const raw = input.trim().replace(/^(\+?86)[\s-]?/, '');
  if (raw.length > 20) return null;
  const digits = raw.replace(/[\s-]/g, '');
  if (/^1[3-9]\d{9}$/.test(digits)) return digits;
  const landline = /^\(?(0\d{2,3})\)?[\s-]?(\d{7,8})$/.exec(raw);
  if (landline) return `${landline[1]}-${landline[2]}`;
  return null;
}
