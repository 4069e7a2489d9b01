/**
 * The app as the benchmark runs it: its own process (so the load generator and the server each have a
 * core), booted on the city folder from the environment, plus one trivial route behind the same
 * middleware as every page (helmet, parsers, session, user, CSRF, login) for the `bare_express_rps`
 * ceiling. Prints `listening <port>` when ready.
 */
import '../src/threadpool.ts';
import { Router } from 'express';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { boot } from '../src/boot.ts';

const trivial = Router();
trivial.get('/bench/trivial', (_req, res) => {
  res.type('text').send('ok');
});
trivial.post('/bench/trivial', (_req, res) => {
  res.json({ ok: true });
});
const booted = await boot(loadConfig(), () => {}, { extraRoutes: trivial });
const server = booted.app.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close(() => {
    booted.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
