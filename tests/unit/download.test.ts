// A downloaded file keeps the name the office gave its round, and the links inside it point where the
// person downloading it reached the app.
import { describe, expect, it } from 'vitest';
import type { Request, Response } from 'express';
import { attachment, linkBase, safeFileName } from '../../src/web/download.ts';

describe('safeFileName', () => {
  it('replaces only what a file name cannot hold', () => {
    expect(safeFileName('排名-2026/12 第1轮.xlsx')).toBe('排名-2026_12 第1轮.xlsx');
    expect(safeFileName('a\\b:c*d?e"f<g>h|i.xlsx')).toBe('a_b_c_d_e_f_g_h_i.xlsx');
    expect(safeFileName('第1轮\t（复查）\n.xlsx')).toBe('第1轮_（复查）_.xlsx');
    expect(safeFileName('整改清单-十二月….xlsx')).toBe('整改清单-十二月….xlsx');
  });

  it('never starts with a dot or ends the name with dots or spaces, and is never empty', () => {
    expect(safeFileName('..隐藏 .xlsx')).toBe('隐藏.xlsx');
    expect(safeFileName(' .xlsx')).toBe('download.xlsx');
    expect([...safeFileName(`${'轮'.repeat(300)}.xlsx`)].length).toBe(150 + 5);
  });
});

describe('attachment', () => {
  function fakeRes() {
    const headers: Record<string, string> = {};
    let type = '';
    const res = {
      setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = v),
      type: (t: string) => (type = t),
    } as unknown as Response;
    return { res, headers, type: () => type };
  }

  it('sends the whole name in UTF-8 and an ASCII fallback', () => {
    const { res, headers, type } = fakeRes();
    attachment(res, '排名-2026/12 第1轮.xlsx');
    expect(headers['content-disposition']).toBe(
      `attachment; filename="_-2026_12 _1_.xlsx"; filename*=UTF-8''${encodeURIComponent('排名-2026_12 第1轮.xlsx')}`,
    );
    expect(type()).toBe('.xlsx');
  });

  it('escapes the characters RFC 5987 reserves', () => {
    const { res, headers } = fakeRes();
    attachment(res, "it's (1)*.xlsx");
    expect(headers['content-disposition']).toBe(
      `attachment; filename="it's (1)_.xlsx"; filename*=UTF-8''it%27s%20%281%29_.xlsx`,
    );
  });
});

describe('linkBase', () => {
  const req = (host: string | undefined, protocol = 'http') =>
    ({
      host,
      protocol,
      get: () => host,
      socket: { localAddress: '192.168.1.20', localPort: 3000 },
    }) as unknown as Request;

  it('uses BASE_URL when set, else the protocol and host the request came with', () => {
    expect(linkBase(req('192.168.1.20:3000'), 'https://cc.example.gov.cn')).toBe('https://cc.example.gov.cn');
    expect(linkBase(req('192.168.1.20:3000'), undefined)).toBe('http://192.168.1.20:3000');
    expect(linkBase(req('cc.lan', 'https'), undefined)).toBe('https://cc.lan');
    expect(linkBase(req('[::1]:3000'), undefined)).toBe('http://[::1]:3000');
  });

  it('does not put a forged Host header into links', () => {
    expect(linkBase(req('evil.example/"><x'), undefined)).toBe('http://192.168.1.20:3000');
    expect(linkBase(req(undefined), undefined)).toBe('http://192.168.1.20:3000');
  });
});
