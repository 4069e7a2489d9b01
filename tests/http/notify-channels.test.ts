// Every outcome a reminder channel knows, through real receivers on the loopback: a 企业微信 and a 钉钉 robot
// (the latter checking the signature), ones that answer 500, answer 200 with an error code, answer
// something that is not JSON, hang or drop the line; an SMTP server that accepts, refuses or hangs; a port
// nobody listens on; and a proxy named by HTTP_PROXY that the robots' requests go through, unless NO_PROXY
// names the robot's host.
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeChannels } from '../../src/notify/channels.ts';
import type { OutgoingMessage } from '../../src/notify/types.ts';
import { startProxy, startRobot, startSmtpReceiver, type Robot } from '../helpers/receivers.ts';

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const savedEnv = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
const clearProxyEnv = (): void => PROXY_VARS.forEach((k) => delete process.env[k]);
beforeAll(clearProxyEnv);
afterAll(() => {
  clearProxyEnv();
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});

const now = new Date('2026-10-09T01:00:00Z'); // 9 o'clock in Beijing
// generous for what answers (a busy test machine is slow), short where the receiver is meant to hang
const opts = { timeoutMs: 5000, now };
const quick = { timeoutMs: 400, now };
const subject = '【创城提醒】城东街道办事处：明天到期的问题 2 条';
const body =
  '### 明天到期的问题 2 条\n- 人民路共享单车乱停乱放\n- 解放路垃圾桶满溢\n[查看全部](http://cc.example/problems)';
const robotMessage = (channel: 'wecom' | 'dingtalk', address: string, secret?: string): OutgoingMessage => ({
  channel,
  address,
  secret: secret ?? null,
  subject,
  body,
});

/** a port that was free a moment ago: connecting to it is refused */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const robots: Robot[] = [];
async function robot(...args: Parameters<typeof startRobot>): Promise<Robot> {
  const r = await startRobot(...args);
  robots.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(robots.splice(0).map((r) => r.close()));
  clearProxyEnv();
});

describe('the 企业微信 robot', () => {
  const channels = makeChannels({ mailFrom: '创城办 <ccb@example.gov.cn>' });

  it('posts the documented markdown message and is sent on errcode 0', async () => {
    const r = await robot('wecom', 'ok');
    expect(await channels.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({ outcome: 'sent' });
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.path).toBe('/cgi-bin/webhook/send');
    expect(r.received[0]!.query).toEqual({ key: 'test-key-0001' });
    expect(r.received[0]!.json).toEqual({ msgtype: 'markdown', markdown: { content: body } });
  });

  it('fails on HTTP 503 and on 200 with an error code; is unknown on HTTP 500 and on an answer that is not JSON', async () => {
    const r = await robot('wecom', 'busy503');
    expect(await channels.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({
      outcome: 'failed',
      error: '企业微信返回 HTTP 503',
    });
    r.behave('errcode');
    expect(await channels.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({
      outcome: 'failed',
      error: '企业微信返回错误 93000：invalid webhook url, hint: [1700000000_1_abc]',
    });
    // a gateway's 500 page and a 200 that is not the robots' JSON may come after the message was posted
    r.behave('fail500');
    expect(await channels.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({
      outcome: 'unknown',
      error: '企业微信返回 HTTP 500，不确定是否已送达',
    });
    r.behave('badjson');
    const bad = await channels.wecom.send(robotMessage('wecom', r.url), opts);
    expect(bad).toEqual({
      outcome: 'unknown',
      error: '企业微信的回答无法识别，不确定是否已送达：<html><body>系统维护中</body></html>',
    });
    expect(r.received).toHaveLength(4);
  });

  it('is unknown when the robot took the message and never answered, or dropped the line', async () => {
    const r = await robot('wecom', 'hang');
    const hung = await channels.wecom.send(robotMessage('wecom', r.url), quick);
    expect(hung).toEqual({ outcome: 'unknown', error: '企业微信：等待回答超时（0.4 秒），不确定是否已送达' });
    r.behave('reset');
    const reset = await channels.wecom.send(robotMessage('wecom', r.url), opts);
    expect(reset.outcome).toBe('unknown');
    expect(reset.outcome === 'unknown' && reset.error).toMatch(
      /^企业微信：连接中断（.+），不确定是否已送达$/,
    );
    // both messages did reach the robot: that is why neither may be sent again by itself
    expect(r.received).toHaveLength(2);
  });

  it('fails without sending when nobody listens, the host does not exist or the address is not http(s)', async () => {
    const port = await closedPort();
    expect(
      await channels.wecom.send(robotMessage('wecom', `http://127.0.0.1:${port}/send?key=k`), opts),
    ).toEqual({
      outcome: 'failed',
      error: `企业微信：连接被拒绝（127.0.0.1:${port}）`,
    });
    const dns = await channels.wecom.send(
      robotMessage('wecom', 'http://no-such-robot.invalid/send?key=k'),
      opts,
    );
    expect(dns.outcome).toBe('failed');
    expect(dns.outcome === 'failed' && dns.error).toMatch(/^企业微信：(域名(暂时)?无法解析|连接超时)/);
    expect(await channels.wecom.send(robotMessage('wecom', 'ftp://robot.example/send'), opts)).toEqual({
      outcome: 'failed',
      error: '企业微信机器人地址不是 http(s) 网址',
    });
  });

  it('refuses a message over 4096 bytes without posting it', async () => {
    const r = await robot('wecom', 'ok');
    const long = { ...robotMessage('wecom', r.url), body: '问'.repeat(1366) }; // 4098 bytes
    expect(await channels.wecom.send(long, opts)).toEqual({
      outcome: 'failed',
      error: '消息 4098 字节，超过企业微信的 4096 字节上限',
    });
    expect(r.received).toHaveLength(0);
  });
});

describe('the 钉钉 robot', () => {
  const channels = makeChannels({ mailFrom: '创城办 <ccb@example.gov.cn>' });
  const secret = 'SECa1b2c3d4e5f60718293a4b5c6d7e8f9';

  it('signs the address with the secret, and the robot finds the signature right', async () => {
    const r = await robot('dingtalk', 'ok', secret);
    expect(await channels.dingtalk.send(robotMessage('dingtalk', r.url, secret), opts)).toEqual({
      outcome: 'sent',
    });
    const got = r.received[0]!;
    expect(got.signatureOk).toBe(true);
    expect(got.query.access_token).toBe('test-token-0001');
    expect(got.query.timestamp).toBe(String(now.getTime()));
    expect(got.json).toEqual({ msgtype: 'markdown', markdown: { title: subject, text: body } });
  });

  it('fails with 310000 when signed with another secret, or when the robot rejects every signature', async () => {
    const r = await robot('dingtalk', 'ok', secret);
    const wrong = await channels.dingtalk.send(robotMessage('dingtalk', r.url, 'SECsomething-else'), opts);
    expect(wrong).toEqual({
      outcome: 'failed',
      error: '钉钉返回错误 310000：sign not match, more: [https://ding-doc.dingtalk.com]',
    });
    expect(r.received[0]!.signatureOk).toBe(false);
    r.behave('badsign');
    const rejected = await channels.dingtalk.send(robotMessage('dingtalk', r.url, secret), opts);
    expect(rejected.outcome === 'failed' && rejected.error).toMatch(/^钉钉返回错误 310000：/);
    expect(r.received[1]!.signatureOk).toBe(true);
  });

  it('fails on 200 with an error code and on HTTP 503, is unknown on a hang', async () => {
    const r = await robot('dingtalk', 'errcode');
    expect(await channels.dingtalk.send(robotMessage('dingtalk', r.url), opts)).toEqual({
      outcome: 'failed',
      error: '钉钉返回错误 300001：token is not exist',
    });
    // no secret: the address carries no timestamp or sign
    expect(r.received[0]!.query).toEqual({ access_token: 'test-token-0001' });
    r.behave('busy503');
    expect(await channels.dingtalk.send(robotMessage('dingtalk', r.url), opts)).toEqual({
      outcome: 'failed',
      error: '钉钉返回 HTTP 503',
    });
    r.behave('hang');
    expect((await channels.dingtalk.send(robotMessage('dingtalk', r.url), quick)).outcome).toBe('unknown');
  });
});

describe('the proxy', () => {
  it('carries the robots’ requests when HTTP_PROXY names it, and not for a host in NO_PROXY', async () => {
    const proxy = await startProxy();
    try {
      const r = await robot('wecom', 'ok');
      const port = new URL(r.url).port;
      process.env.HTTP_PROXY = proxy.url;
      const proxied = makeChannels({ mailFrom: 'x <x@example.gov.cn>' });
      expect(await proxied.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({ outcome: 'sent' });
      expect(proxy.tunnels.length + proxy.forwarded.length).toBe(1);
      expect([...proxy.tunnels, ...proxy.forwarded][0]).toContain(`127.0.0.1:${port}`);
      expect(r.received).toHaveLength(1);

      process.env.NO_PROXY = `localhost,127.0.0.1`;
      const direct = makeChannels({ mailFrom: 'x <x@example.gov.cn>' });
      expect(await direct.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({ outcome: 'sent' });
      expect(proxy.tunnels.length + proxy.forwarded.length).toBe(1);
      expect(r.received).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('fails without sending when the proxy cannot be reached or cannot reach the robot', async () => {
    const r = await robot('wecom', 'ok');
    const proxyPort = await closedPort();
    process.env.HTTP_PROXY = `http://127.0.0.1:${proxyPort}`;
    const channels = makeChannels({ mailFrom: 'x <x@example.gov.cn>' });
    // the refusal names the proxy's address, not the robot's
    expect(await channels.wecom.send(robotMessage('wecom', r.url), opts)).toEqual({
      outcome: 'failed',
      error: `企业微信：连接被拒绝（127.0.0.1:${proxyPort}）`,
    });
    expect(r.received).toHaveLength(0);

    // a proxy that accepts the connection and never answers CONNECT: the request was never written
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    process.env.HTTP_PROXY = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const stuck = await makeChannels({ mailFrom: 'x <x@example.gov.cn>' }).wecom.send(
      robotMessage('wecom', r.url),
      quick,
    );
    expect(stuck).toEqual({
      outcome: 'failed',
      error: `企业微信：连接超时（0.4 秒，${new URL(r.url).host}）`,
    });
    held.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(r.received).toHaveLength(0);

    const proxy = await startProxy();
    try {
      process.env.HTTP_PROXY = proxy.url;
      const through = makeChannels({ mailFrom: 'x <x@example.gov.cn>' });
      const unreachable = robotMessage('wecom', `http://127.0.0.1:${await closedPort()}/send?key=k`);
      expect(await through.wecom.send(unreachable, opts)).toEqual({
        outcome: 'failed',
        error: '企业微信：代理服务器拒绝转发（502）',
      });
    } finally {
      await proxy.close();
    }
  });
});

describe('e-mail', () => {
  const mail = (address: string): OutgoingMessage => ({
    channel: 'email',
    address,
    subject,
    body: '您好：\n城东街道办事处有 2 个问题明天到期：\n1. 人民路共享单车乱停乱放\n2. 解放路垃圾桶满溢',
  });

  it('delivers subject and Chinese text from MAIL_FROM to the address', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const channels = makeChannels({ smtpUrl: smtp.url, mailFrom: '创城办 <ccb@example.gov.cn>' });
      expect(await channels.email.send(mail('liaison@chengdong.gov.cn'), opts)).toEqual({ outcome: 'sent' });
      expect(smtp.received).toHaveLength(1);
      const got = smtp.received[0]!;
      expect(got.envelopeFrom).toBe('ccb@example.gov.cn');
      expect(got.envelopeTo).toEqual(['liaison@chengdong.gov.cn']);
      expect(got.from).toBe('创城办 <ccb@example.gov.cn>');
      expect(got.to).toBe('liaison@chengdong.gov.cn');
      expect(got.subject).toBe(subject);
      expect(got.text).toBe(mail('x').body);
    } finally {
      await smtp.close();
    }
  });

  it('fails on a permanent refusal, is unknown when the server takes the message and falls silent', async () => {
    const smtp = await startSmtpReceiver('reject');
    try {
      const channels = makeChannels({ smtpUrl: smtp.url, mailFrom: '创城办 <ccb@example.gov.cn>' });
      const refused = await channels.email.send(mail('nobody@chengdong.gov.cn'), opts);
      expect(refused.outcome).toBe('failed');
      expect(refused.outcome === 'failed' && refused.error).toMatch(
        /^邮件服务器拒收：550 .*Recipient address rejected/,
      );
      expect(smtp.received).toHaveLength(0);
      smtp.behave('hang');
      const hung = await channels.email.send(mail('liaison@chengdong.gov.cn'), quick);
      expect(hung).toEqual({ outcome: 'unknown', error: '邮件服务器无响应（超时），不确定是否已送达' });
      expect(smtp.received).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('fails when no server is configured or none listens', async () => {
    const none = makeChannels({ mailFrom: '创城办 <ccb@example.gov.cn>' });
    expect(await none.email.send(mail('a@b.cn'), opts)).toEqual({
      outcome: 'failed',
      error: '未配置邮件服务器（SMTP_URL）',
    });
    const down = makeChannels({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, mailFrom: 'x <x@b.cn>' });
    expect(await down.email.send(mail('a@b.cn'), opts)).toEqual({
      outcome: 'failed',
      error: '邮件服务器拒绝连接',
    });
  });
});
