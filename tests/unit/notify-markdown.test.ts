// A robot's message as the group will read it: a long digest cut to 企业微信's 4,096 bytes with whole items,
// "还有 n 条" and the link to the full list; 钉钉's signature against the value its documentation's Python
// sample computes (hmac / base64 / quote_plus, run once by hand); what a robot's answer means.
import { describe, expect, it } from 'vitest';
import { cutMarkdown, ROBOT_MAX_BYTES, signDingtalk } from '../../src/notify/channels.ts';
import { readRobotAnswer } from '../../src/notify/robots.ts';
import { readSmtpError } from '../../src/notify/email.ts';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const header = '### 城东街道办事处：今日新增问题 300 条';
const footer = '[查看全部问题](https://cc.example.gov.cn/problems?unit=12)';
const items = Array.from(
  { length: 300 },
  (_, i) => `- 第${i + 1}号 人民路与解放路交叉口东南角共享单车乱停乱放，占用盲道，请于10月10日前整改`,
);

describe('cutMarkdown', () => {
  it('cuts 300 Chinese items to at most 4096 bytes, whole items, "还有 n 条" and the footer last', () => {
    expect(ROBOT_MAX_BYTES).toBe(4096);
    const md = cutMarkdown(header, items, footer, ROBOT_MAX_BYTES);
    expect(bytes(md)).toBeLessThanOrEqual(4096);
    expect(md.endsWith(`\n${footer}`)).toBe(true);
    const lines = md.split('\n');
    expect(lines[0]).toBe(header);
    const shown = lines.slice(1, -2);
    // every item shown is whole and in order, and the count of the rest is right
    expect(shown).toEqual(items.slice(0, shown.length));
    expect(shown.length).toBeGreaterThan(20);
    expect(lines.at(-2)).toBe(`……还有 ${300 - shown.length} 条`);
    // and it did not stop early: one more item would not have fitted
    const oneMore = [header, ...items.slice(0, shown.length + 1), `……还有 ${299 - shown.length} 条`, footer];
    expect(bytes(oneMore.join('\n'))).toBeGreaterThan(4096);
  });

  it('leaves a short list whole, without "还有"', () => {
    const md = cutMarkdown('### 今日新增问题 2 条', items.slice(0, 2), footer, ROBOT_MAX_BYTES);
    expect(md).toBe(`### 今日新增问题 2 条\n${items[0]}\n${items[1]}\n${footer}`);
  });

  it('counts bytes, not characters: 2000 characters of Chinese (6000 bytes) are cut', () => {
    const long = ['一'.repeat(1000), '二'.repeat(1000)];
    const md = cutMarkdown('标题', long, footer, ROBOT_MAX_BYTES);
    expect(md).toBe(`标题\n${long[0]}\n……还有 1 条\n${footer}`);
  });

  it('keeps the footer even when the header alone is too long', () => {
    const md = cutMarkdown('标'.repeat(2000), items.slice(0, 3), footer, ROBOT_MAX_BYTES);
    expect(bytes(md)).toBeLessThanOrEqual(4096);
    expect(md.endsWith(`……还有 3 条\n${footer}`)).toBe(true);
  });
});

describe('signDingtalk', () => {
  it('matches the documentation’s algorithm computed independently', () => {
    const sign = signDingtalk('SECa1b2c3d4e5f60718293a4b5c6d7e8f9', 1790812800000);
    expect(sign).toBe('o9PtTKpoDjArdzOZXuSMagWPKfHyZZaL+xLn9CTYg5U=');
    // in the address it is URL-encoded, as quote_plus does it
    expect(new URLSearchParams({ sign }).toString()).toBe(
      'sign=o9PtTKpoDjArdzOZXuSMagWPKfHyZZaL%2BxLn9CTYg5U%3D',
    );
  });
});

describe('a robot’s answer', () => {
  it('is sent only for errcode 0 in JSON with HTTP 2xx', () => {
    expect(readRobotAnswer('wecom', 200, '{"errcode":0,"errmsg":"ok"}')).toEqual({ outcome: 'sent' });
    expect(readRobotAnswer('wecom', 200, '{"errcode":93000,"errmsg":"invalid webhook url"}')).toEqual({
      outcome: 'failed',
      error: '企业微信返回错误 93000：invalid webhook url',
    });
    expect(readRobotAnswer('dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast"}')).toEqual({
      outcome: 'failed',
      error: '钉钉返回错误 130101：send too fast',
    });
    expect(readRobotAnswer('dingtalk', 404, 'not found')).toEqual({
      outcome: 'failed',
      error: '钉钉返回 HTTP 404',
    });
    expect(readRobotAnswer('wecom', 429, '').outcome).toBe('failed');
    expect(readRobotAnswer('wecom', 301, '')).toEqual({
      outcome: 'failed',
      error: '企业微信返回 HTTP 301：地址被重定向，请核对 Webhook 地址',
    });
    expect(readRobotAnswer('wecom', 503, '').outcome).toBe('failed');
  });

  it('is unknown when the answer may have come after the message was posted', () => {
    // a gateway's error after it forwarded, or a 2xx that is not the robots' JSON
    for (const status of [500, 502, 504])
      expect(readRobotAnswer('wecom', status, '<html>Bad Gateway</html>')).toEqual({
        outcome: 'unknown',
        error: `企业微信返回 HTTP ${status}，不确定是否已送达`,
      });
    expect(readRobotAnswer('wecom', 200, '{"errmsg":"ok"}')).toEqual({
      outcome: 'unknown',
      error: '企业微信的回答缺少 errcode，不确定是否已送达：{"errmsg":"ok"}',
    });
    expect(readRobotAnswer('dingtalk', 200, '')).toEqual({
      outcome: 'unknown',
      error: '钉钉的回答无法识别，不确定是否已送达：（空）',
    });
  });
});

describe('an SMTP error', () => {
  it('is failed when the server refused or was never reached, unknown when it fell silent mid-send', () => {
    expect(
      readSmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user' }),
    ).toEqual({
      outcome: 'failed',
      error: '邮件服务器拒收：550 5.1.1 no such user',
    });
    expect(readSmtpError({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }).outcome).toBe('failed');
    expect(readSmtpError({ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }).outcome).toBe('unknown');
    expect(readSmtpError({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toEqual({
      outcome: 'failed',
      error: '邮件服务器拒绝连接',
    });
    expect(readSmtpError({ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }).outcome).toBe(
      'unknown',
    );
  });
});
