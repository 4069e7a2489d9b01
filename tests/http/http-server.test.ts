// The app's server (src/web/http-server.ts) makes each request and response with the app's prototypes,
// so express never changes a live object's prototype (on Node 20's V8 that kept every request's objects
// alive until the next full collection): counted here by watching Object.setPrototypeOf while real
// requests go through the app as the test helper serves it (the way src/server.ts does), and, as the
// check that the watch sees it at all, through the same app behind a plain http.createServer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { Client, startApp, tempDir, type TestApp } from '../helpers/app.ts';
import { appClasses, createAppServer } from '../../src/web/http-server.ts';
import { ROOT } from '../helpers/run.ts';

const TLS = join(ROOT, 'tests', 'fixtures', 'tls');

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
/** the probe apps' view folders */
const viewDirs: string[] = [];
afterAll(async () => {
  await app.destroy();
  for (const dir of viewDirs) rmSync(dir, { recursive: true, force: true });
});

/** How many times a request's or a response's prototype was changed while `run` ran. */
async function prototypeChanges(run: () => Promise<void>): Promise<number> {
  const original = Object.setPrototypeOf;
  let changes = 0;
  Object.setPrototypeOf = function (o: object, proto: object | null) {
    if ((o instanceof IncomingMessage || o instanceof ServerResponse) && Object.getPrototypeOf(o) !== proto)
      changes++;
    return original(o, proto);
  } as typeof Object.setPrototypeOf;
  try {
    await run();
  } finally {
    Object.setPrototypeOf = original;
  }
  return changes;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
/** Listens on a loopback port, closed after the test; the port. */
async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('requests made with the app’s prototypes', () => {
  it('logs in, renders pages with their CSRF token and answers JSON without changing a prototype', async () => {
    const c = new Client(app.url);
    const changes = await prototypeChanges(async () => {
      const login = await c.get('/login');
      expect(login.status).toBe(200);
      // the page's form carries the token made when the page read it (lazyCsrfToken)
      expect(login.text).toMatch(/name="_csrf" value="[^"]{20,}"/);
      expect((await c.login('inspector1')).status).toBe(303);
      const home = await c.get('/');
      expect(home.status).toBe(200);
      const session = await c.get('/api/session');
      expect(session.status).toBe(200);
    });
    expect(changes).toBe(0);
  });

  it('the same app behind a plain http.createServer has its prototypes changed by express (what is avoided)', async () => {
    const port = await listen(createServer(app.booted.app));
    const changes = await prototypeChanges(async () => {
      const reply = await new Client(`http://127.0.0.1:${port}`).get('/login');
      expect(reply.status).toBe(200);
    });
    expect(changes).toBeGreaterThanOrEqual(2);
  });

  it('gives routes express’s request and response: app, each other, headers, query, render, errors', async () => {
    const small = probeApp();
    const url = `http://127.0.0.1:${await listen(createAppServer(small))}`;
    const reply = await fetch(`${url}/probe?q=街道`, { headers: { 'x-probe': 'probe-1' } });
    expect(reply.status).toBe(201);
    expect(await reply.json()).toEqual({
      sameApp: true,
      proto: true,
      node: true,
      ownClass: true,
      paired: true,
      header: 'probe-1',
      query: '街道',
    });
    // res.render hands the response's locals to the view, as express does
    const page = await fetch(`${url}/page`);
    expect(await page.text()).toBe('站点：清河 by 张三');
    // a thrown error reaches the app's error handler with express's request and response
    const failed = await fetch(`${url}/fail`);
    expect(failed.status).toBe(418);
    expect(await failed.text()).toBe('出错：坏了');
    // one pair of classes per app, whichever server is made for it
    expect(appClasses(small)).toBe(appClasses(small));
  });

  it('over HTTPS (TLS_CERT / TLS_KEY) makes its requests the same way', async () => {
    const small = probeApp();
    const tls = { cert: readFileSync(join(TLS, 'cert.pem')), key: readFileSync(join(TLS, 'key.pem')) };
    const port = await listen(createAppServer(small, tls));
    let body = '';
    const changes = await prototypeChanges(async () => {
      body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/probe?q=1', ca: tls.cert }, (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => resolve(data));
        });
        req.on('error', reject);
        req.end();
      });
    });
    expect(JSON.parse(body)).toMatchObject({ sameApp: true, proto: true, ownClass: true, paired: true });
    expect(changes).toBe(0);
  });
});

/** A small express app whose routes report what they were given. */
function probeApp(): express.Express {
  const small = express();
  small.engine('txt', (_file, data, done) => {
    const d = data as { site: string; user: string };
    done(null, `站点：${d.site} by ${d.user}`);
  });
  const views = tempDir('cc-views-');
  viewDirs.push(views);
  writeFileSync(join(views, 'page.txt'), 'read by the engine above, not here');
  small.set('views', views);
  small.set('view engine', 'txt');
  small.get('/probe', (req, res) => {
    res.status(201).json({
      sameApp: req.app === small && res.app === small,
      proto: Object.getPrototypeOf(req) === small.request && Object.getPrototypeOf(res) === small.response,
      node: req instanceof IncomingMessage && res instanceof ServerResponse,
      ownClass:
        req instanceof appClasses(small).IncomingMessage && res instanceof appClasses(small).ServerResponse,
      paired: req.res === res && res.req === req,
      header: req.get('x-probe'),
      query: req.query.q,
    });
  });
  small.get('/page', (_req, res) => {
    res.locals.user = '张三';
    res.render('page', { site: '清河' });
  });
  small.get('/fail', () => {
    throw new Error('坏了');
  });
  small.use((err: Error, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res
      .status(418)
      .type('text')
      .send(req.app === small ? `出错：${err.message}` : 'wrong app');
  });
  return small;
}
