/**
 * The device cookie of the public survey pages: a random id and its HMAC, long-lived (400 days), HttpOnly,
 * SameSite=Lax, Secure when the request came over HTTPS. One answer per device, 社区 and round hangs on it;
 * clearing cookies makes a new device (the operations guide says so). A cookie whose MAC does not match
 * is treated as absent and replaced by a new device.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { mac, macMatches } from './keys.ts';

export const DEVICE_COOKIE = 'cc.dev';
const MAX_AGE_SECONDS = 400 * 24 * 3600;
const ID = /^[A-Za-z0-9_-]{22}$/;

/** A cookie's value from the request header (no cookie parser runs before the public pages). */
export function cookieValue(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The device id of a well-signed cookie, or null (none, or forged). */
export function readDevice(req: Request, key: Buffer): string | null {
  const value = cookieValue(req, DEVICE_COOKIE);
  if (!value) return null;
  const dot = value.indexOf('.');
  const id = value.slice(0, dot);
  return dot > 0 && ID.test(id) && macMatches(key, id, value.slice(dot + 1)) ? id : null;
}

/**
 * The device id, making a new device (and setting its cookie) when the request has no valid one.
 * `path`: the pages the cookie is sent to (/s/ the survey, /r/ 随手拍).
 */
export function deviceOf(req: Request, res: Response, key: Buffer, path = '/s/'): string {
  const known = readDevice(req, key);
  if (known) return known;
  const id = randomBytes(16).toString('base64url');
  res.append(
    'Set-Cookie',
    `${DEVICE_COOKIE}=${id}.${mac(key, id)}; Path=${path}; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax` +
      (req.secure ? '; Secure' : ''),
  );
  return id;
}
