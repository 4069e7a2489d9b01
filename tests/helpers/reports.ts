/**
 * A resident's phone on the 随手拍 pages: opens a link (keeping the device cookie) and posts the form the
 * way a phone's browser does — multipart, the fields, then the photos under `photos` (a real camera photo
 * unless told otherwise).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Client } from './app.ts';

export const REPORT_PHOTO = readFileSync(join(import.meta.dirname, '../fixtures/photos/Canon_40D.jpg'));

export interface Sent {
  status: number;
  text: string;
  location: string | null;
}

export const formOf = (html: string): string => /name="form" value="([^"]+)"/.exec(html)![1]!;

/** A phone (new unless given) on a link: its client, the page and the form's token. */
export async function openReportForm(base: string, token: string, phone = new Client(base)) {
  const page = await phone.get(`/r/${token}`);
  expect(page.status).toBe(200);
  return { phone, page, form: formOf(page.text) };
}

export async function sendReport(
  phone: Client,
  token: string,
  fields: Record<string, string>,
  photos: (Buffer | [Buffer, string])[] = [REPORT_PHOTO],
): Promise<Sent> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const p of photos) {
    const [bytes, name] = Array.isArray(p) ? p : [p, 'IMG_0001.jpg'];
    form.append('photos', new Blob([new Uint8Array(bytes)]), name);
  }
  const res = await fetch(`${phone.base}/r/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: [...phone.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    body: form,
  });
  return { status: res.status, text: await res.text(), location: res.headers.get('location') };
}

/** A report sent through a link by a new phone: its tracking code. */
export async function reportThrough(
  base: string,
  token: string,
  fields: Record<string, string> = {},
): Promise<string> {
  const { phone, form } = await openReportForm(base, token);
  const sent = await sendReport(phone, token, {
    form,
    description: '垃圾桶满溢，无人清理',
    address: '幸福路12号小区东门',
    ...fields,
  });
  expect(sent.status).toBe(303);
  return /\/status\/([^?]+)/.exec(sent.location!)![1]!;
}
