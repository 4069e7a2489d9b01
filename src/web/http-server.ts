/**
 * The app's HTTP or HTTPS server, whose requests and responses are made with the app's prototypes from
 * the start.
 *
 * Express 5 gives every request and response the app's prototypes (`app.request`, `app.response`) with
 * `Object.setPrototypeOf` as it enters the app (express/lib/application.js, `handle`). On Node 20's V8,
 * changing a live object's prototype once a request is one of the two things found keeping every
 * request's objects alive through the young generation's collections until the next full one (the other
 * was a per-request getter: csrf.ts, lazyCsrfToken). Measured with `--trace-gc-nvp` under a load of
 * eight connections: express with one trivial route copied and promoted ≈ 35 % of what it allocated at
 * each young collection (6–8 ms each) and served ≈ 8,500 requests a second; made as here, almost nothing
 * (collections of 0.35 ms) and ≈ 22,500 a second. See expressjs/express#5998 and nodejs/node#37457.
 *
 * So the server builds each request and response as an instance of a class (AppRequest, AppResponse:
 * the names `util.inspect` shows) whose prototype takes the place of the app's own — every property
 * express put there, and the same chain behind: express's object, then Node's — and express's
 * `setPrototypeOf` then sets the prototype the object already has, which the language defines as doing
 * nothing. A server made any other way (`app.listen`, a test's `http.createServer(app)`) still works as
 * before, only slower; so does an express sub-app mounted in the app (there is none), whose requests
 * express still moves to the sub-app's prototypes and back.
 */
import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Express } from 'express';

interface Classes {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

const made = new WeakMap<Express, Classes>();

/**
 * The request and response classes of `app`: subclasses of Node's whose prototypes become the app's
 * `request` and `response`, with every own property of the objects they replace (express's `app`, and
 * anything added since) and the same prototype behind. Made once per app.
 */
export function appClasses(app: Express): Classes {
  const known = made.get(app);
  if (known) return known;
  class AppRequest extends IncomingMessage {}
  class AppResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {}
  for (const [proto, replaced] of [
    [AppRequest.prototype, app.request],
    [AppResponse.prototype, app.response],
  ] as const) {
    Object.defineProperties(proto, Object.getOwnPropertyDescriptors(replaced));
    Object.setPrototypeOf(proto, Object.getPrototypeOf(replaced) as object);
  }
  app.request = AppRequest.prototype as unknown as Express['request'];
  app.response = AppResponse.prototype as unknown as Express['response'];
  const classes = { IncomingMessage: AppRequest, ServerResponse: AppResponse };
  made.set(app, classes);
  return classes;
}

/** The server for `app`: HTTPS with `tls`, else HTTP, its requests made as appClasses says. */
export function createAppServer(app: Express, tls?: Readonly<{ cert: Buffer; key: Buffer }>): Server {
  const classes = appClasses(app);
  return tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...classes }, app)
    : createHttpServer(classes, app);
}
