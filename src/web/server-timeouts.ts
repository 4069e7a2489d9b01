/**
 * How long the server waits for a request. Node's defaults (the whole request in 300 s) would cut off a
 * 20 MB document sent from a phone on a weak signal: at 100 KB/s it takes 205 s, at 50 KB/s twice that.
 * A request may take 30 minutes; the headers must still come within a minute, and a connection that
 * sends and receives nothing at all for five minutes is closed (a stalled phone is not waited on for
 * ever; a long download, such as a round's materials.zip, keeps its connection busy and is not cut).
 */
import type { Server } from 'node:http';

export const SERVER_TIMEOUTS = Object.freeze({
  /** ms for the whole request, body included */
  requestTimeout: 30 * 60_000,
  /** ms for the request's headers */
  headersTimeout: 60_000,
  /** ms a socket may stay silent (no bytes either way) */
  idleTimeout: 5 * 60_000,
});

export function applyServerTimeouts(server: Server): void {
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.setTimeout(SERVER_TIMEOUTS.idleTimeout);
}
