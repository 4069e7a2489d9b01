/**
 * The app's HTTP or HTTPS server, whose requests and responses are made with the app's prototypes from
 * the start.
 *
 * Express 5 gives every request and response the app's prototypes (`app.request`, `app.response`) with
 * `Object.setPrototypeOf` as it enters the app (express/lib/application.js, `handle`). On Node 20's V8,
 * changing a live object's prototype once a request made every request's objects outlive the young
 * generation's collections until the next full one: in the bench's burst of sheets, a quarter to two
 * fifths of all the main thread allocated was copied and promoted (`--trace-gc-nvp`), and a collection
 * of the young generation took 6–15 ms instead of well under one. A trivial express route served
 * 8,400–8,900 requests a second that way and 22,300–22,600 without it (tmp harness, autocannon, 8
 * connections); see expressjs/express#5998 and nodejs/node#37457.
 *
 * So the server builds each request and response as an instance of a class whose prototype is the app's
 * own (the same properties and methods, the same chain: the app's object, express's, Node's), and
 * express's `setPrototypeOf` then sets the prototype the object already has, which the language defines
 * as doing nothing. A server made any other way (`app.listen`, a test's `http.createServer(app)`) still
 * works as before, only slower.
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
 * `request` and `response` (made once per app; the objects express made are replaced by them, with the
 * same `app` property and the same prototype behind).
 */
export function appClasses(app: Express): Classes {
  const known = made.get(app);
  if (known) return known;
  class AppRequest extends IncomingMessage {}
  class AppResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {}
  for (const [proto, express] of [
    [AppRequest.prototype, app.request],
    [AppResponse.prototype, app.response],
  ] as const) {
    // as express makes app.request and app.response (express.js createApplication)
    Object.defineProperty(proto, 'app', { configurable: true, enumerable: true, writable: true, value: app });
    Object.setPrototypeOf(proto, Object.getPrototypeOf(express) as object);
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
