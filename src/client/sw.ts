/**
 * The service worker (served at /sw.js, root scope). It only reads: pages are fetched from the network
 * first and fall back to the copy the page script stored for the logged-in inspector (cache
 * `cc-u<id>`, filled from /api/offline/manifest), so My sites and every assigned sheet open with no
 * network, also after the browser restarts. Static files and photo thumbnails come from that cache
 * first. It never touches POSTs or /api/: the page script's queue sends those (client/sync.ts), so
 * nothing is replayed behind the inspector's back and no request is sent twice by two layers.
 */

interface ExtendableEventLike {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  respondWith(r: Promise<Response>): void;
}
interface WorkerScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEventLike) => void): void;
}
const sw = self as unknown as WorkerScope;

/** how long a page may take before the stored copy is shown instead (a signal that comes and goes) */
const PAGE_TIMEOUT_MS = 6000;

sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js' || url.pathname === '/login') return;
  if (req.mode === 'navigate') return e.respondWith(page(req, url));
  if (url.pathname.startsWith('/static/') || /^\/photos\/\d+\/thumb$/.test(url.pathname))
    return e.respondWith(stored(req));
});

async function userCaches(): Promise<Cache[]> {
  const names = (await caches.keys()).filter((n) => n.startsWith('cc-u'));
  return Promise.all(names.map((n) => caches.open(n)));
}

async function fromCache(key: string): Promise<Response | undefined> {
  for (const cache of await userCaches()) {
    const hit = await cache.match(key);
    if (hit) return hit;
  }
  return undefined;
}

async function page(req: Request, url: URL): Promise<Response> {
  const key = url.origin + url.pathname;
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PAGE_TIMEOUT_MS);
    const res = await fetch(req, { signal: controller.signal }).finally(() => clearTimeout(timer));
    // keep stored copies fresh, but only of pages the manifest chose (never a search or the login page)
    if (res.ok && !res.redirected && !url.search)
      for (const cache of await userCaches()) if (await cache.match(key)) await cache.put(key, res.clone());
    return res;
  } catch {
    return (await fromCache(key)) ?? offlinePage();
  }
}

async function stored(req: Request): Promise<Response> {
  const hit = await fromCache(req.url);
  if (hit) return hit;
  try {
    return await fetch(req);
  } catch {
    return (await fromCache(new URL(req.url).pathname)) ?? Response.error();
  }
}

function offlinePage(): Response {
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>离线 · 创城测评</title>
<link rel="stylesheet" href="/static/css/app.css"></head><body><main class="page">
<h1>当前没有网络</h1><p>这个页面没有保存在本机，联网后才能打开。</p>
<p>已分配给您的点位可以离线打开：<a href="/">返回我的点位</a></p></main></body></html>`;
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
