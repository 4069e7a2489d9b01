/**
 * 退出 on an inspector's page. Nothing is deleted before the server has confirmed the logout (in a dead
 * spot the session would otherwise live on while the device's copy was gone), and unsent work is never
 * deleted: it stays on the device under this inspector's name — never shown to, nor sent under the
 * session of, whoever logs in next — and is sent when they log in here again. What does leave the
 * device is this inspector's stored pages, and everything else of theirs once nothing is left to send.
 */
import { clearUser, listEntries } from './queue.ts';
import type { Sync } from './sync.ts';
import { ask, tell } from './dialog.ts';

async function postLogout(csrf: string): Promise<'ok' | 'refused' | 'network'> {
  try {
    const res = await fetch('/logout', {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, 'x-requested-with': 'fetch' },
      body: new URLSearchParams({ _csrf: csrf }),
      credentials: 'same-origin',
    });
    if (res.ok && new URL(res.url).pathname === '/login') return 'ok';
    return res.status >= 500 ? 'network' : 'refused';
  } catch {
    return 'network';
  }
}

export function guardLogout(user: string, sync: Sync, csrf: () => string, cacheName: string): void {
  document.addEventListener('submit', (e) => {
    const form = e.target as HTMLFormElement;
    if (form.getAttribute('action') !== '/logout') return;
    e.preventDefault();
    void (async () => {
      if (navigator.onLine) await sync.kick();
      const left = (await listEntries(user)).length;
      if (left) {
        const yes = await ask({
          title: '退出登录？',
          message: `本机还有 ${left} 条内容没有同步到服务器。退出后它们仍保留在这台设备上，不会删除。`,
          details: [
            '您下次在这台设备上登录时，它们会继续同步。',
            '其他人在这台设备上登录时看不到它们，也不会以他人的身份发送。',
          ],
          confirmLabel: '退出登录',
        });
        if (!yes) return;
      }
      const outcome = await postLogout(csrf());
      if (outcome !== 'ok')
        return tell(
          '没有退出登录',
          outcome === 'network'
            ? '连不上服务器，退出登录没有完成。本机的内容都还在，没有删除。请联网后再退出。'
            : '服务器没有完成退出登录。本机的内容都还在，没有删除。请刷新页面后再试。',
        );
      // the server ended the session: this inspector's stored pages leave the device; unsent work stays
      if ('caches' in window) await caches.delete(cacheName).catch(() => false);
      localStorage.removeItem(`cc:${user}:versions`);
      if (!(await listEntries(user)).length) await clearUser(user);
      location.assign('/login');
    })();
  });
}
