/**
 * Real receivers on the loopback for the reminder tests: an SMTP server (smtp-server) that keeps every
 * message it accepts, decoded (from, to, subject, text); a stand-in for a 企业微信 or 钉钉 group robot that
 * keeps every message posted to it and, for 钉钉, checks the signature the way 钉钉 does; and a small HTTP
 * proxy (CONNECT tunnels and plain forwarding) that counts what goes through it. Each can be told to
 * misbehave — refuse, answer 500, answer 200 with an error code, hang, drop the line — to reach every
 * outcome a channel knows.
 */
import { createHmac } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

// ---------------------------------------------------------------- SMTP

export interface ReceivedMail {
  /** the envelope's sender and recipients (MAIL FROM / RCPT TO) */
  envelopeFrom: string;
  envelopeTo: string[];
  /** the headers, decoded */
  from: string;
  to: string;
  subject: string;
  /** the text/plain body, decoded (quoted-printable or base64, UTF-8) */
  text: string;
}

/** ok: accept; reject: 550 for every recipient; hang: take the message and never answer the final dot */
export type SmtpBehaviour = 'ok' | 'reject' | 'hang';

export interface SmtpReceiver {
  url: string;
  received: ReceivedMail[];
  behave(b: SmtpBehaviour): void;
  close(): Promise<void>;
}

/** =?UTF-8?B?…?= / =?UTF-8?Q?…?= words of a header, adjacent ones joined before decoding (RFC 2047) */
export function decodeHeader(value: string): string {
  const parts = value.replace(/\?=\s+=\?/g, '?==?').split(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)/);
  let out = '';
  let pending: Buffer[] = [];
  const flush = (): void => {
    out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (const part of parts) {
    const word = /^=\?[^?]+\?([BbQq])\?([^?]*)\?=$/.exec(part);
    if (!word) {
      if (part !== '') flush();
      out += part;
      continue;
    }
    const [, enc, text] = word as unknown as [string, string, string];
    pending.push(
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
  }
  flush();
  return out;
}

function decodeQuotedPrintable(s: string): Buffer {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '=' ? /^[0-9A-Fa-f]{2}$/.exec(text.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

/** headers (lower-case names, unfolded) and body of one MIME entity, kept as latin1 (byte for byte) */
function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** the first text/plain part's text (a single-part message is its own part) */
function textOf(raw: string): string {
  const { headers, body } = splitEntity(raw);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const text = textOf(part.replace(/^\r?\n/, ''));
      if (text !== '') return text;
    }
    return '';
  }
  if (!/^text\/plain/i.test(type)) return '';
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body).toString('utf8');
  return Buffer.from(body, 'latin1').toString('utf8');
}

export function parseMail(raw: Buffer, envelopeFrom: string, envelopeTo: string[]): ReceivedMail {
  const text = raw.toString('latin1');
  const { headers } = splitEntity(text);
  return {
    envelopeFrom,
    envelopeTo,
    from: decodeHeader(headers.get('from') ?? ''),
    to: decodeHeader(headers.get('to') ?? ''),
    subject: decodeHeader(headers.get('subject') ?? ''),
    text: textOf(text).replace(/\r\n/g, '\n').replace(/\n$/, ''),
  };
}

export async function startSmtpReceiver(behaviour: SmtpBehaviour = 'ok'): Promise<SmtpReceiver> {
  const received: ReceivedMail[] = [];
  let mode = behaviour;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 50,
    onRcptTo(address, _session, callback) {
      if (mode !== 'reject') return callback();
      const err = Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), {
        responseCode: 550,
      });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        received.push(parseMail(Buffer.concat(chunks), from, to));
        if (mode !== 'hang') callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    behave: (b) => void (mode = b),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------- robots

/**
 * ok: errcode 0 (钉钉 with a secret: 310000 unless the signature checks out); fail500: HTTP 500 (a gateway's
 * page: the message may have gone through); busy503: HTTP 503 (not taken);
 * errcode: HTTP 200 with 企业微信's 93000 / 钉钉's 300001; badsign: 钉钉's 310000 whatever was signed;
 * badjson: HTTP 200 with an HTML page; hang: never answers; reset: reads the message, then drops the line
 */
export type RobotBehaviour =
  'ok' | 'fail500' | 'busy503' | 'errcode' | 'hang' | 'badsign' | 'badjson' | 'reset';

export interface RobotMessage {
  path: string;
  query: Record<string, string>;
  json: unknown;
  /** 钉钉 with a secret: whether timestamp and sign in the address checked out; null otherwise */
  signatureOk: boolean | null;
}

export interface Robot {
  url: string;
  received: RobotMessage[];
  behave(b: RobotBehaviour): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** 钉钉's check: sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), written out here on its own */
function dingtalkSignatureOk(query: Record<string, string>, secret: string): boolean {
  if (!query.timestamp || !query.sign) return false;
  const expected = createHmac('sha256', secret).update(`${query.timestamp}\n${secret}`).digest('base64');
  return query.sign === expected;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startRobot(
  kind: 'wecom' | 'dingtalk',
  behaviour: RobotBehaviour = 'ok',
  secret?: string,
): Promise<Robot> {
  const received: RobotMessage[] = [];
  let mode = behaviour;
  const answer = (status: number, body: unknown, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://robot');
      const query = Object.fromEntries(url.searchParams);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      const signatureOk = kind === 'dingtalk' && secret ? dingtalkSignatureOk(query, secret) : null;
      received.push({ path: url.pathname, query, json, signatureOk });
      if (mode === 'hang') return;
      if (mode === 'reset') return void req.socket.destroy();
      if (mode === 'fail500') return answer(500, '<html><body>502 Bad Gateway</body></html>', res);
      if (mode === 'busy503') return answer(503, { error: 'Service Unavailable' }, res);
      if (mode === 'badjson') return answer(200, '<html><body>系统维护中</body></html>', res);
      if (mode === 'errcode')
        return kind === 'wecom'
          ? answer(200, { errcode: 93000, errmsg: 'invalid webhook url, hint: [1700000000_1_abc]' }, res)
          : answer(200, { errcode: 300001, errmsg: 'token is not exist' }, res);
      if (mode === 'badsign' || signatureOk === false)
        return answer(
          200,
          { errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com]' },
          res,
        );
      answer(200, { errcode: 0, errmsg: 'ok' }, res);
    });
  });
  const port = await listen(server);
  const path =
    kind === 'wecom' ? '/cgi-bin/webhook/send?key=test-key-0001' : '/robot/send?access_token=test-token-0001';
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    behave: (b) => void (mode = b),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- proxy

export interface CountingProxy {
  url: string;
  /** CONNECT tunnels opened (host:port each) and plain requests forwarded (their absolute URLs) */
  tunnels: string[];
  forwarded: string[];
  close(): Promise<void>;
}

export async function startProxy(): Promise<CountingProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    forwarded.push(req.url ?? '');
    const target = new URL(req.url ?? '');
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    let open = false;
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      open = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    // no such host, nobody listening: a proxy's 502, as a real one answers
    upstream.on('error', () => open || client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    forwarded,
    close: () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
