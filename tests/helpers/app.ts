/**
 * Starts the real app on a fresh temporary folder (its own database and photos) on a loopback port,
 * the way server.ts does, and a small HTTP client that keeps cookies and the CSRF token like a browser.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig } from '../../src/config.ts';
import { boot, type Booted } from '../../src/boot.ts';
import { createAppServer } from '../../src/web/http-server.ts';
import { DEMO_PASSWORD, DEMO_TEMPLATE } from './paths.ts';

export { DEMO_PASSWORD };

export interface TestApp {
  url: string;
  dir: string;
  booted: Booted;
  /** stops the server and closes the database, keeping the folder (to restart on it) */
  stop(): Promise<void>;
  /** stop and delete the folder */
  destroy(): Promise<void>;
}

export function tempDir(prefix = 'cc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startApp(
  options: { dir?: string; demo?: boolean; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const dir = options.dir ?? tempDir();
  // a fresh demo district: a copy of the one seeded once for this run (tests/global-setup.ts)
  if (!options.dir && options.demo !== false && existsSync(join(DEMO_TEMPLATE, 'data')))
    cpSync(DEMO_TEMPLATE, dir, { recursive: true });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: join(dir, 'data'),
    UPLOAD_DIR: join(dir, 'uploads'),
    DEMO: options.demo === false ? '0' : '1',
    DEMO_PASSWORD,
    LOG_LEVEL: 'silent',
    // no reminder scheduler unless a test asks for it: a tick a minute would write deliveries between a
    // test's two snapshots of the database
    REMINDERS: '0',
    ...options.env,
  });
  const booted = await boot(config, () => {});
  const server: Server = await new Promise((resolve) => {
    const s = createAppServer(booted.app).listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    booted.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    booted,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

/** A browser-like client: cookie jar, CSRF token taken from the last page it saw, no automatic redirects. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async send(path: string, init: RequestInit): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.cookieHeader());
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1] ?? null;
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(path, { method: 'GET', headers });
  }

  /** A file as bytes (a photo, a workbook), with this client's cookies. */
  async bytes(path: string): Promise<{ status: number; body: Buffer }> {
    const res = await fetch(this.base + path, { headers: { cookie: this.cookieHeader() } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  }

  /** Posts a form the way a browser does, with the page's CSRF token unless `csrf: false`. */
  async post(
    path: string,
    fields: Record<string, string> = {},
    opts: { csrf?: boolean } = {},
  ): Promise<Reply> {
    if (opts.csrf !== false && !this.csrf) await this.get('/login');
    const body = new URLSearchParams(fields);
    if (opts.csrf !== false && this.csrf) body.set('_csrf', this.csrf);
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  }

  /** A script request with JSON body, the way the tablet page sends it. */
  postJson(path: string, body: unknown, opts: { csrf?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-requested-with': 'fetch',
    };
    if (opts.csrf !== false && this.csrf) headers['x-csrf-token'] = this.csrf;
    return this.send(path, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  /** A multipart post; the CSRF token goes in the header (script) or as the `_csrf` field (form). */
  postMultipart(
    path: string,
    form: FormData,
    opts: { csrf?: 'header' | 'field' | false } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    const mode = opts.csrf ?? 'header';
    if (mode === 'header' && this.csrf) {
      headers['x-csrf-token'] = this.csrf;
      headers['x-requested-with'] = 'fetch';
    }
    if (mode === 'field' && this.csrf) form.set('_csrf', this.csrf);
    return this.send(path, { method: 'POST', headers, body: form });
  }

  async login(username: string, password = DEMO_PASSWORD): Promise<Reply> {
    await this.get('/login');
    const reply = await this.post('/login', { username, password });
    if (reply.status === 303) await this.get('/');
    return reply;
  }
}

/** One logged-in client per user name, made at first use (tests that act as many users against one app). */
export function loggedIn(url: () => string): (username: string) => Promise<Client> {
  const clients = new Map<string, Client>();
  return async (username) => {
    let c = clients.get(username);
    if (!c) {
      c = new Client(url());
      const reply = await c.login(username);
      if (reply.status !== 303) throw new Error(`login as ${username} answered ${reply.status}`);
      clients.set(username, c);
    }
    return c;
  };
}

/** The first column of the first row of a query: a count, an id, a status. */
export function scalar(db: Booted['db'], sql: string, ...args: unknown[]): unknown {
  return db
    .prepare(sql)
    .pluck()
    .get(...args);
}
