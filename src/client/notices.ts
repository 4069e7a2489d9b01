/**
 * What the inspector must see about the queue and keeps seeing until they dismiss it: entries the
 * server refused (with its reason: the round closed, the site was reassigned, …) and sheets where the
 * office's version won over theirs, standard by standard (我的 / 创城办的). Shown on My sites for all
 * sites and on a sheet for that site.
 */
import {
  listConflicts,
  listEntries,
  removeConflict,
  removeEntry,
  type AnswerValue,
  type ConflictRecord,
  type Entry,
} from './queue.ts';
import type { Offline } from './offline.ts';

const RESULT = { ok: '符合', fail: '不符合', na: '不适用' } as const;

export function describeAnswer(a: AnswerValue): string {
  let text: string = RESULT[a.result] ?? a.result;
  if (a.result === 'fail') text += ` ${a.cases} 处${a.fixedCases ? `（当场整改 ${a.fixedCases}）` : ''}`;
  if (a.note) text += `；${a.note}`;
  return text;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

function describeEntry(e: Entry): string {
  if (e.kind === 'changes')
    return `答案（${e.changes.map((c) => `${c.standard} ${describeAnswer(c)}`).join('，')}）`;
  if (e.kind === 'photo') return `标准 ${e.standard} 的照片 ${e.name}`;
  return '提交测评表';
}

function conflictBox(c: ConflictRecord, showSite: boolean, done: () => void): HTMLElement {
  const box = el('div', 'alert warn offline-conflict');
  box.dataset.site = String(c.site);
  box.append(
    el(
      'p',
      '',
      `${showSite ? `${c.siteName}：` : ''}您离线期间创城办修改了这张测评表，以下标准以创城办的版本为准，您的填写没有生效。`,
    ),
  );
  if (c.returnedReason) box.append(el('p', '', `创城办退回原因：${c.returnedReason}`));
  const table = el('table', 'conflict-table');
  const head = el('tr');
  for (const h of ['标准', '我的', '创城办的']) head.append(el('th', '', h));
  table.append(head);
  for (const item of c.items) {
    const tr = el('tr');
    tr.append(
      el('td', '', `${item.standard} ${item.text}`),
      el('td', 'mine', describeAnswer(item.mine)),
      el('td', 'office', describeAnswer(item.office)),
    );
    table.append(tr);
  }
  const ok = el('button', '', '知道了');
  ok.type = 'button';
  ok.addEventListener('click', () => void removeConflict(c.id!).then(done));
  box.append(table, ok);
  return box;
}

function refusedBox(e: Entry, showSite: boolean, done: () => void): HTMLElement {
  const box = el('div', 'alert error offline-refused');
  box.dataset.site = String(e.site);
  box.append(
    el('p', '', `${showSite ? `${e.siteName}：` : ''}${describeEntry(e)}未能同步。`),
    el('p', 'reason', `原因：${e.refused ?? ''}`),
  );
  if (e.kind === 'photo') {
    const img = el('img', 'refused-photo');
    img.alt = '未能同步的照片';
    img.src = URL.createObjectURL(e.blob);
    box.append(img);
  }
  const drop = el('button', '', '知道了，从本机移除');
  drop.type = 'button';
  drop.addEventListener('click', () => void removeEntry(e.seq!).then(done));
  box.append(drop);
  return box;
}

/** Fills `container` with the notices of one site, or of all sites when `site` is null. */
export async function renderNotices(
  offline: Offline,
  container: HTMLElement,
  site: { round: number; site: number } | null,
): Promise<void> {
  const mine = <T extends { round: number; site: number }>(x: T) =>
    !site || (x.round === site.round && x.site === site.site);
  const conflicts = (await listConflicts(offline.user)).filter(mine);
  const refused = (await listEntries(offline.user)).filter((e) => e.refused).filter(mine);
  const done = () => offline.changed();
  container.replaceChildren(
    ...conflicts.map((c) => conflictBox(c, !site, done)),
    ...refused.map((e) => refusedBox(e, !site, done)),
  );
}
