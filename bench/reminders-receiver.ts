/**
 * The receivers of the `reminders` phase of `npm run bench` (bench/reminders.ts), in a process of their
 * own so that taking the messages is neither the server's work nor the load generator's: one HTTP server
 * standing in for every group robot (企业微信 and 钉钉 alike; it answers {"errcode":0,"errmsg":"ok"} at
 * once, after checking a signed 钉钉 message against the secret the seed derived from its access_token)
 * and an SMTP server accepting every message at once. GET /received answers what each got since
 * the previous GET, one entry per message, for the phase's checks. Prints `listening <http port> <smtp port>` when ready.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A signed bench robot's secret (SEC + 64 hex), made from its access_token so both sides know it. */
export const robotSecret = (token: string): string =>
  `SEC${createHash('sha256').update(`bench-robot-${token}`).digest('hex')}`;

export const sha1 = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex');

/** What the receivers got: `<webhook path?query>|<sha1 of the markdown>`, `<recipient>|<sha1 of the Subject line>`. */
export interface Received {
  robots: string[];
  emails: string[];
  /** signed 钉钉 messages whose signature did not match (answered errcode 310000) */
  badSign: number;
}

/**
 * One SMTP conversation, answered at once (smtp-server, which the tests use, holds every greeting
 * 100 ms to catch early talkers: with a fresh connection per e-mail that pause, not the app, would set
 * the pace). Enough SMTP for nodemailer without PIPELINING: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
 */
function smtpSession(socket: Socket, got: Received): void {
  let rcpt: string[] = [];
  let data: string[] | null = null;
  let pending = '';
  const reply = (line: string) => socket.write(`${line}\r\n`);
  socket.on('error', () => {});
  reply('220 bench ESMTP');
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let eol: number;
    while ((eol = pending.indexOf('\r\n')) >= 0) {
      const line = pending.slice(0, eol);
      pending = pending.slice(eol + 2);
      if (data) {
        if (line !== '.') {
          data.push(line);
          continue;
        }
        // the Subject header as sent (unfolded, still RFC 2047-encoded): the same subject encodes the same
        const head = data.slice(0, data.indexOf(''));
        const at = head.findIndex((h) => /^subject:/i.test(h));
        let subject = at < 0 ? '' : head[at]!.slice(8);
        for (let i = at + 1; at >= 0 && i < head.length && /^[ \t]/.test(head[i]!); i++) subject += head[i];
        for (const to of rcpt) got.emails.push(`${to}|${sha1(subject)}`);
        data = null;
        rcpt = [];
        reply('250 OK: message queued');
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply('250 bench');
      else if (verb === 'MAIL') reply('250 Accepted');
      else if (verb === 'RCPT') {
        rcpt.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
        reply('250 Accepted');
      } else if (verb === 'DATA') {
        data = [];
        reply('354 End data with <CR><LF>.<CR><LF>');
      } else if (verb === 'RSET') {
        rcpt = [];
        reply('250 Flushed');
      } else if (verb === 'QUIT') {
        reply('221 Bye');
        socket.end();
      } else reply('250 OK');
    }
  });
}

function runReceivers(): void {
  const got: Received = { robots: [], emails: [], badSign: 0 };

  const robots = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/received') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(got));
      Object.assign(got, { robots: [], emails: [], badSign: 0 });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://robot');
      const sign = url.searchParams.get('sign');
      const timestamp = url.searchParams.get('timestamp');
      url.searchParams.delete('sign');
      url.searchParams.delete('timestamp');
      const token = url.searchParams.get('access_token');
      let answer = { errcode: 0, errmsg: 'ok' };
      if (sign !== null && token !== null) {
        const expected = createHmac('sha256', robotSecret(token))
          .update(`${timestamp}\n${robotSecret(token)}`, 'utf8')
          .digest('base64');
        if (expected !== sign) {
          got.badSign++;
          answer = { errcode: 310000, errmsg: 'sign not match' };
        }
      }
      if (answer.errcode === 0) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          markdown: { content?: string; text?: string };
        };
        const text = body.markdown.content ?? body.markdown.text ?? '';
        got.robots.push(`${url.pathname}${url.search}|${sha1(text)}`);
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });

  const smtp = net.createServer((socket) => smtpSession(socket, got));

  robots.listen(0, '127.0.0.1', () => {
    smtp.listen(0, '127.0.0.1', () => {
      const httpPort = (robots.address() as AddressInfo).port;
      const smtpPort = (smtp.address() as AddressInfo).port;
      console.log(`listening ${httpPort} ${smtpPort}`);
    });
  });
  process.on('SIGTERM', () => {
    robots.closeAllConnections();
    robots.close();
    smtp.close();
    process.exit(0);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runReceivers();
