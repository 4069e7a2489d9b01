/**
 * The offline layer of every inspector page: registers the service worker, keeps the device's copy of
 * the open round (precache from /api/offline/manifest into the cache `cc-u<id>`), runs the sync queue,
 * shows the status bar (offline, n 条待同步, sync progress, login needed, or that offline work is off on
 * plain HTTP), and guards logout (logout.ts: nothing deleted before the server confirms, unsent work
 * never). One instance per page, whichever bundle starts first.
 */
import { addEntry, listConflicts, listEntries } from './queue.ts';
import type { AnswerChange } from '../protocol/sheet.ts';
import { guardLogout } from './logout.ts';
import { uid } from './uid.ts';
import { Sync, type SyncStatus } from './sync.ts';

export interface Offline {
  user: string;
  /** service worker and cache available (HTTPS or localhost) */
  capable: boolean;
  sync: Sync;
  /** the current CSRF token (the page's may be from an older session when it came from the cache) */
  csrf(): string;
  /** re-stores a sheet page, My sites and new thumbnails after the server accepted something (a moment
   * after the last acceptance, or at once with `now`) */
  refreshSite(round: number, site: number, thumbs?: string[], now?: boolean): Promise<void>;
  /** re-renders the bar and whatever the page shows about the queue */
  changed(): void;
  onChange(fn: () => void): void;
}

declare global {
  interface Window {
    ccOffline?: Offline;
  }
}

const cacheName = (user: string) => `cc-${user}`;

/** A sheet's edits of the last moment, mirrored to localStorage (key cc:<user>:sheet:<round>:<site>). */
export interface MomentEdits {
  siteName: string;
  revision: number;
  changes: AnswerChange[];
}

/** Edits a sheet page left in localStorage when it was closed mid-moment go into the queue. */
async function rescueMoments(user: string): Promise<void> {
  const open = document.querySelector<HTMLFormElement>('form.sheet[data-editable="1"]');
  const here = open ? `cc:${user}:sheet:${open.dataset.round}:${open.dataset.site}` : '';
  for (const key of Object.keys(localStorage)) {
    const m = new RegExp(`^cc:${user}:sheet:(\\d+):(\\d+)$`).exec(key);
    if (!m || key === here) continue;
    const edits = JSON.parse(localStorage.getItem(key) ?? 'null') as MomentEdits | null;
    if (edits?.changes?.length)
      await addEntry({
        kind: 'changes',
        user,
        round: Number(m[1]),
        site: Number(m[2]),
        siteName: edits.siteName,
        createdAt: Date.now(),
        batchId: uid(),
        baseRevision: edits.revision,
        changes: edits.changes,
      });
    localStorage.removeItem(key);
  }
  // the earlier sheet script's format (cc:sheet:<user>:<round>:<site>): the batch in flight keeps its
  // id (the server may already have it), the unsent rest becomes a new batch
  for (const key of Object.keys(localStorage)) {
    const m = new RegExp(`^cc:sheet:${user}:(\\d+):(\\d+)$`).exec(key);
    if (!m) continue;
    const old = JSON.parse(localStorage.getItem(key) ?? 'null') as {
      revision: number;
      pending: AnswerChange[];
      inflight: { batchId: string; baseRevision: number; changes: AnswerChange[] } | null;
    } | null;
    const place = { user, round: Number(m[1]), site: Number(m[2]), siteName: '', createdAt: Date.now() };
    if (old?.inflight) await addEntry({ kind: 'changes', ...place, ...old.inflight });
    if (old?.pending?.length)
      await addEntry({
        kind: 'changes',
        ...place,
        batchId: uid(),
        baseRevision: old.revision,
        changes: old.pending,
      });
    localStorage.removeItem(key);
  }
}

export function startOffline(): Offline | null {
  if (window.ccOffline) return window.ccOffline;
  const user = document.querySelector<HTMLMetaElement>('meta[name=cc-user]')?.content;
  if (!user) return null;
  const capable = window.isSecureContext && 'serviceWorker' in navigator && 'caches' in window;
  const sync = new Sync(user);
  const listeners: (() => void)[] = [];
  let ready = false;
  let csrf = document.querySelector<HTMLMetaElement>('meta[name=csrf-token]')?.content ?? '';
  const bar = document.getElementById('offline-bar');

  async function render(): Promise<void> {
    for (const fn of listeners) fn();
    if (!bar) return;
    const entries = await listEntries(user!);
    const waiting = entries.filter((e) => !e.refused).length;
    const refused = entries.length - waiting;
    const conflicts = (await listConflicts(user!)).length;
    const s: SyncStatus = sync.status;
    const parts: string[] = [];
    let state: string = s.state;
    if (!capable) {
      state = 'insecure';
      parts.push(
        '离线功能未开启：当前不是 HTTPS 连接，浏览器不允许本网站离线保存页面。断网时请不要关闭或刷新本页；请联系管理员启用 HTTPS。',
      );
    }
    if (s.state === 'login') parts.push('登录已过期：请重新登录。待同步的内容保存在本机，登录后自动同步。');
    else if (!navigator.onLine || s.state === 'offline')
      parts.push(`离线工作中：内容保存在本机，恢复网络后自动同步`);
    else if (s.state === 'syncing') parts.push(`正在同步 ${s.done}/${s.total}…`);
    else if (s.state === 'retry') parts.push('连接服务器失败，稍后自动重试');
    if (waiting) parts.push(`${waiting} 条待同步`);
    if (refused) parts.push(`${refused} 条未能同步，请查看原因`);
    if (conflicts) parts.push(`${conflicts} 张测评表在服务器上已改过（创城办或您的另一台设备），请查看`);
    if (!parts.length && ready) parts.push('已可离线使用');
    if ((refused || conflicts) && (state === 'idle' || state === 'syncing')) state = 'attention';
    bar.dataset.state = state;
    bar.hidden = !parts.length;
    bar.replaceChildren();
    parts.forEach((p, i) => {
      const span = document.createElement('span');
      span.textContent = p;
      bar.append(span);
      if (s.state === 'login' && i === 0) {
        const a = document.createElement('a');
        a.href = `/login?next=${encodeURIComponent(location.pathname)}`;
        a.textContent = '重新登录';
        bar.append(a);
      }
    });
  }
  let renderQueued = false;
  const changed = () => {
    if (renderQueued) return;
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      void render();
    });
  };

  sync.on((e) => {
    if (e.type === 'accepted' && capable) {
      const thumbs = e.entry.kind === 'photo' && typeof e.body.thumbUrl === 'string' ? [e.body.thumbUrl] : [];
      void refreshSite(e.entry.round, e.entry.site, thumbs);
    }
    changed();
  });
  window.addEventListener('online', changed);
  window.addEventListener('offline', changed);

  async function store(cache: Cache, url: string): Promise<void> {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (res.ok && !res.redirected) await cache.put(url, res);
  }

  // after the server accepted something: store the sheet and My sites again, a moment after the last
  // acceptance of that site (not once per answer batch)
  const refreshing = new Map<string, { timer: ReturnType<typeof setTimeout>; thumbs: Set<string> }>();
  function refreshSite(round: number, site: number, thumbs: string[] = [], now = false): Promise<void> {
    const key = `${round}:${site}`;
    const job = refreshing.get(key) ?? { timer: undefined as never, thumbs: new Set<string>() };
    clearTimeout(job.timer);
    thumbs.forEach((t) => job.thumbs.add(t));
    refreshing.set(key, job);
    return new Promise((resolve) => {
      job.timer = setTimeout(
        () => {
          refreshing.delete(key);
          void (async () => {
            const cache = await caches.open(cacheName(user!));
            for (const url of [`/rounds/${round}/sites/${site}`, '/', ...job.thumbs])
              await store(cache, url).catch(() => undefined);
          })().finally(resolve);
        },
        now ? 0 : 1500,
      );
    });
  }

  async function precache(): Promise<void> {
    for (const name of await caches.keys())
      if (name.startsWith('cc-u') && name !== cacheName(user!)) await caches.delete(name);
    const res = await fetch('/api/offline/manifest', { headers: { 'x-requested-with': 'fetch' } });
    if (!res.ok) return;
    const m = (await res.json()) as {
      pages: string[];
      assets: string[];
      sites: { url: string; version: string; thumbs: string[] }[];
    };
    const cache = await caches.open(cacheName(user!));
    const have = new Set((await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search));
    // sheet pages are fetched again only when they changed (their version) or are missing
    const versionsKey = `cc:${user}:versions`;
    const versions = JSON.parse(localStorage.getItem(versionsKey) ?? '{}') as Record<string, string>;
    const changedSites = m.sites.filter((s) => versions[s.url] !== s.version || !have.has(s.url));
    const fresh = [
      ...m.pages,
      ...changedSites.map((s) => s.url),
      ...m.assets.filter((a) => !a.includes('?')),
    ];
    const once = [...m.assets.filter((a) => a.includes('?')), ...m.sites.flatMap((s) => s.thumbs)].filter(
      (u) => !have.has(u),
    );
    const todo = [...fresh, ...once];
    let next = 0;
    const worker = async () => {
      while (next < todo.length) await store(cache, todo[next++]!).catch(() => undefined);
    };
    await Promise.all([worker(), worker(), worker()]);
    localStorage.setItem(
      versionsKey,
      JSON.stringify(Object.fromEntries(m.sites.map((s) => [s.url, s.version]))),
    );
    // sheets no longer assigned (reassigned, round closed) leave the device
    const wanted = new Set(m.sites.map((s) => s.url));
    for (const r of await cache.keys()) {
      const path = new URL(r.url).pathname;
      if (path.startsWith('/rounds/') && !wanted.has(path)) await cache.delete(r);
    }
    ready = true;
    document.documentElement.dataset.offlineReady = String(m.sites.length);
    changed();
  }

  if (capable) {
    void navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .then(() => (navigator.onLine ? precache() : undefined))
      .catch(() => undefined);
  }

  guardLogout(user, sync, () => csrf, cacheName(user));

  const api: Offline = {
    user,
    capable,
    sync,
    csrf: () => csrf,
    refreshSite: (round, site, thumbs, now) =>
      capable ? refreshSite(round, site, thumbs, now) : Promise.resolve(),
    changed,
    onChange: (fn) => listeners.push(fn),
  };
  window.ccOffline = api;
  // the page may be a stored copy from an older session: take the live token when online
  void fetch('/api/session', { headers: { 'x-requested-with': 'fetch' } })
    .then(async (r) => {
      if (r.ok) csrf = ((await r.json()) as { csrf: string }).csrf;
    })
    .catch(() => undefined)
    .finally(async () => {
      await rescueMoments(user).catch(() => undefined);
      void sync.kick();
      changed();
    });
  changed();
  return api;
}
