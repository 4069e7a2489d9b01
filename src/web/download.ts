/**
 * Downloads: one way to name the file and one way to tell a workbook where the app lives.
 * A round called "2026/12 第1轮" must arrive as 排名-2026_12 第1轮.xlsx, not cut at the "/": the
 * characters a Windows, macOS or Linux file name cannot hold are replaced and the rest kept, sent as
 * RFC 5987 `filename*` (UTF-8) with an ASCII `filename` for old clients. Photo links inside a workbook
 * point at BASE_URL when it is set, else at the address the download was asked at (a tablet on the LAN
 * gets http://192.168.x.x:3000, never localhost); behind a trusted proxy that is its X-Forwarded-* address.
 */
import { extname } from 'node:path';
import type { Request, Response } from 'express';

const MAX_NAME = 150;

/** The name with characters a file name cannot hold replaced by "_", trimmed and shortened. */
export function safeFileName(name: string): string {
  const ext = extname(name);
  const base = name
    .slice(0, name.length - ext.length)
    // eslint-disable-next-line no-control-regex
    .replace(/[/\\:*?"<>|\u0000-\u001f\u007f]/g, '_')
    .replace(/\s+/g, ' ')
    // a leading dot hides the file; Windows drops trailing dots and spaces
    .replace(/^[.\s]+|[.\s]+$/g, '');
  const chars = [...(base || 'download')];
  return chars.slice(0, MAX_NAME).join('') + ext.replace(/[^\w.]/g, '_');
}

/** RFC 5987 value: UTF-8, percent-encoded beyond the attr-char set. */
function encodeRfc5987(s: string): string {
  return encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Sets Content-Disposition (and the type, from the extension) for a file the browser saves. */
export function attachment(res: Response, name: string): void {
  const safe = safeFileName(name);
  const ascii = safe.replace(/[^\x20-\x7e]+/g, '_').replace(/[%;]/g, '_');
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(safe)}`,
  );
  const ext = extname(safe);
  if (ext) res.type(ext);
}

/** host[:port] as a browser sends it; anything else (a forged header) is not used in links */
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** The app's address for links in a workbook: BASE_URL, else the request's protocol and host. */
export function linkBase(req: Request, baseUrl: string | undefined): string {
  if (baseUrl) return baseUrl;
  const host = req.host ?? req.get('host') ?? '';
  if (HOST.test(host)) return `${req.protocol}://${host}`;
  const { localAddress, localPort } = req.socket;
  const address = localAddress?.includes(':') ? `[${localAddress}]` : localAddress;
  return `${req.protocol}://${address ?? 'localhost'}:${localPort ?? ''}`;
}
