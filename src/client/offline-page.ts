/**
 * Entry of the inspector's pages other than the sheet: starts the offline layer and, on My sites,
 * shows per site how many entries wait on the device (“3 条待同步”), which were refused and which
 * sheets the office changed meanwhile; a card's state (未开始, 进行中 3/40, 已提交) follows what the
 * server accepted, without a reload — also a card the page was made with before the device's last accepted
 * write of that sheet (a stored copy shown offline, or a page made while the previous page's last batch
 * was still on its way), once the server can be reached.
 */
import { startOffline } from './offline.ts';
import { listConflicts, listEntries, listRevisions } from './queue.ts';
import { renderNotices } from './notices.ts';
import type { SheetState } from '../protocol/sheet.ts';

const offline = startOffline();
const notices = document.querySelector<HTMLElement>('#offline-notices[data-scope="all"]');
if (offline && notices) {
  // the cards, like the notices, are written only by the render asked for last
  let latest = 0;
  const render = async () => {
    const ticket = ++latest;
    await renderNotices(offline, notices, null);
    const entries = await listEntries(offline.user);
    const conflicts = await listConflicts(offline.user);
    if (ticket !== latest) return;
    for (const card of document.querySelectorAll<HTMLElement>('.site-card[data-site-id]')) {
      const round = Number(card.dataset.roundId);
      const site = Number(card.dataset.siteId);
      const here = entries.filter((e) => e.round === round && e.site === site);
      const waiting = here.filter((e) => !e.refused);
      const parts: [string, string][] = [];
      if (waiting.length)
        parts.push([
          'site-pending',
          `${waiting.length} 条待同步${waiting.some((e) => e.kind === 'submit') ? '（含提交）' : ''}`,
        ]);
      if (here.length > waiting.length)
        parts.push(['site-refused', `${here.length - waiting.length} 条未能同步`]);
      if (conflicts.some((c) => c.round === round && c.site === site))
        parts.push(['site-conflict', '服务器上已改过']);
      card.querySelector('.site-offline')?.remove();
      if (!parts.length) continue;
      const box = document.createElement('span');
      box.className = 'site-offline';
      parts.forEach((part) => {
        const s = document.createElement('span');
        s.className = part[0];
        s.textContent = part[1];
        box.append(s);
      });
      card.querySelector('a')?.append(box);
    }
  };
  offline.onChange(() => void render());
  void render();

  // a site whose entries the server accepted: its card shows the sheet's state as the server has it
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const follow = (round: number, site: number) => {
    const card = document.querySelector<HTMLElement>(
      `.site-card[data-round-id="${round}"][data-site-id="${site}"]`,
    );
    const state = card?.querySelector<HTMLElement>('.site-state');
    if (!state) return;
    const key = `${round}:${site}`;
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        void fetch(`/api/rounds/${round}/sites/${site}`, { headers: { 'x-requested-with': 'fetch' } })
          .then(async (res) => {
            if (!res.ok) return;
            const sheet = (await res.json()) as Partial<SheetState>;
            const now = sheet.card;
            if (!now) return;
            state.className = `site-state state-${now.state}`;
            state.textContent = now.stateText;
            if (card && typeof sheet.revision === 'number') card.dataset.revision = String(sheet.revision);
          })
          .catch(() => undefined);
      }, 300),
    );
  };
  // cards older than what this device last had accepted for their sheet: asked for whenever a replay ends
  // with nothing left to send (at start, and after the network returns)
  const behind = async () => {
    const device = await listRevisions(offline.user);
    for (const card of document.querySelectorAll<HTMLElement>('.site-card[data-site-id][data-revision]')) {
      const round = Number(card.dataset.roundId);
      const site = Number(card.dataset.siteId);
      if ((device.get(`${round}:${site}`) ?? 0) > Number(card.dataset.revision)) follow(round, site);
    }
  };
  offline.sync.on((e) => {
    if (e.type === 'accepted') follow(e.entry.round, e.entry.site);
    if (e.type === 'status' && e.status.state === 'idle') void behind().catch(() => undefined);
  });
}
