/**
 * The network between a tablet and the server: a TCP relay that can be cut, open connections too.
 * Playwright's offline switch does not stop a service worker's own requests; cutting the relay does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Relay {
  url: string;
  down(on: boolean): void;
  close(): Promise<void>;
}

export async function relay(target: string): Promise<Relay> {
  const port = Number(new URL(target).port);
  let cut = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    down(on) {
      cut = on;
      if (on) for (const s of open) s.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
