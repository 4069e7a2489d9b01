// The app's server (src/web/http-server.ts) makes each request and response with the app's prototypes,
// so express never changes a live object's prototype (on Node 20's V8 that kept every request's objects
// alive until the next full collection): counted here by watching Object.setPrototypeOf while real
// requests go through the app as the test helper serves it (the way src/server.ts does), and, as the
// check that the watch sees it at all, through the same app behind a plain http.createServer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { appClasses, createAppServer } from '../../src/web/http-server.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.destroy();
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
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    const url = await listen(createServer(app.booted.app));
    const changes = await prototypeChanges(async () => {
      const reply = await new Client(url).get('/login');
      expect(reply.status).toBe(200);
    });
    expect(changes).toBeGreaterThanOrEqual(2);
  });

  it('gives routes express’s request and response: app, headers, query, status and json', async () => {
    const small = express();
    small.get('/probe', (req, res) => {
      res.status(201).json({
        sameApp: req.app === small,
        proto: Object.getPrototypeOf(req) === small.request && Object.getPrototypeOf(res) === small.response,
        node: req instanceof IncomingMessage && res instanceof ServerResponse,
        header: req.get('x-probe'),
        query: req.query.q,
      });
    });
    const url = await listen(createAppServer(small));
    const reply = await fetch(`${url}/probe?q=街道`, { headers: { 'x-probe': 'probe-1' } });
    expect(reply.status).toBe(201);
    expect(await reply.json()).toEqual({
      sameApp: true,
      proto: true,
      node: true,
      header: 'probe-1',
      query: '街道',
    });
    // one pair of classes per app, whichever server is made for it
    expect(appClasses(small)).toBe(appClasses(small));
  });
});
