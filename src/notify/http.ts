/**
 * One outgoing JSON POST to a group robot, through undici so that the district's proxy is honoured
 * (EnvHttpProxyAgent reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY; Node 20's own fetch ignores them).
 *
 * What matters for a reminder is whether the message may have reached the robot, so the answer says which
 * side of that line a failure fell on: `notSent` — nothing was written (refused, no such host, the proxy
 * would not tunnel, no connection within the time): safe to retry; `lost` — the request was being written
 * or had been, and then the answer never came (timeout, connection reset): the robot may have posted it.
 * The line is undici's onConnect, called just before the request's first byte goes on the socket.
 */
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

export type HttpAnswer =
  | { kind: 'answered'; status: number; body: string }
  | { kind: 'notSent'; error: string }
  | { kind: 'lost'; error: string };

/** answers longer than this are cut (a robot answers a few dozen bytes of JSON) */
const MAX_ANSWER_BYTES = 64 * 1024;

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'];

/**
 * The dispatcher for every robot: through the proxy the environment names (read now), direct for NO_PROXY
 * hosts; a plain agent when no proxy is named (undici warns that its proxy agent is experimental).
 */
export function proxyDispatcher(): Dispatcher {
  return PROXY_VARS.some((k) => process.env[k]) ? new EnvHttpProxyAgent() : new Agent();
}

const NOT_SENT_CODES: Record<string, string> = {
  ECONNREFUSED: '连接被拒绝',
  ENOTFOUND: '域名无法解析',
  EAI_AGAIN: '域名暂时无法解析',
  EHOSTUNREACH: '主机不可达',
  ENETUNREACH: '网络不可达',
  UND_ERR_CONNECT_TIMEOUT: '连接超时',
  CERT_HAS_EXPIRED: '对方证书已过期',
  DEPTH_ZERO_SELF_SIGNED_CERT: '对方证书不受信任',
  SELF_SIGNED_CERT_IN_CHAIN: '对方证书不受信任',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: '对方证书不受信任',
  ERR_TLS_CERT_ALTNAME_INVALID: '对方证书与域名不符',
};

interface NetError {
  code?: unknown;
  cause?: unknown;
  address?: unknown;
  port?: unknown;
}

/** the error's code and the address it concerned, looking through undici's wrappers to the errno */
function codeOf(err: unknown): { code?: string; at?: string } {
  for (let e = err as NetError | undefined, i = 0; e && i < 4; i++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR')
      return {
        code: e.code,
        // ECONNREFUSED names the address refused: the proxy's when one is used, not the robot's
        at: typeof e.address === 'string' && e.port ? `${e.address}:${String(e.port)}` : undefined,
      };
    e = e.cause as NetError | undefined;
  }
  return {};
}

function describeNotSent(err: unknown, host: string): string {
  const { code, at } = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const proxy = /^Proxy response \((\d+)\)/.exec(message);
  if (proxy) return `代理服务器拒绝转发（${proxy[1]}）`;
  if (/Proxy Authentication Required/.test(message)) return '代理服务器要求认证（407）';
  if (code && NOT_SENT_CODES[code]) return `${NOT_SENT_CODES[code]}（${at ?? host}）`;
  return `无法连接 ${host}（${code ?? message.slice(0, 80)}）`;
}

/**
 * POSTs `payload` as JSON to `url`; never throws. `timeoutMs` bounds the whole exchange: before the
 * connection it is a `notSent` 连接超时, after it a `lost` 等待回答超时.
 */
export function postJson(
  dispatcher: Dispatcher,
  url: URL,
  payload: unknown,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let abort: ((err?: Error) => void) | undefined;
    let status = 0;
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (answer: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const seconds = `${Math.round(timeoutMs / 100) / 10} 秒`;
    const timer = setTimeout(() => {
      if (connected) {
        settle({ kind: 'lost', error: `等待回答超时（${seconds}），不确定是否已送达` });
        abort?.(new Error('timeout'));
      } else settle({ kind: 'notSent', error: `连接超时（${seconds}，${url.host}）` });
    }, timeoutMs);

    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        abort = abortRequest;
        // the time ran out while connecting: give up quietly, the promise already said 连接超时
        if (settled) return abortRequest(new Error('timeout'));
        connected = true;
      },
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData(chunk) {
        if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
        size += chunk.length;
        return true;
      },
      onComplete() {
        const body = Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
        settle({ kind: 'answered', status, body });
      },
      onError(err) {
        if (!connected) return settle({ kind: 'notSent', error: describeNotSent(err, url.host) });
        const code = codeOf(err).code ?? (err instanceof Error ? err.message.slice(0, 60) : 'error');
        settle({ kind: 'lost', error: `连接中断（${code}），不确定是否已送达` });
      },
    };

    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(payload),
          // a fresh connection each time: a kept-alive socket the robot closed meanwhile would fail after
          // onConnect and look like a lost message
          reset: true,
          headersTimeout: timeoutMs + 1000,
          bodyTimeout: timeoutMs + 1000,
        },
        handler,
      );
    } catch (err) {
      settle({ kind: 'notSent', error: describeNotSent(err, url.host) });
    }
  });
}
