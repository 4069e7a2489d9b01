/**
 * What the inspector must see about the queue and keeps seeing until they dismiss it: entries the
 * server refused (with its reason: the sheet was submitted elsewhere, the round closed, the site was
 * reassigned, …) and answers changed on the server since the device last saw the sheet — by the office
 * or by the inspector on another device — standard by standard (我的 / 服务器上的). On an editable
 * sheet the inspector chooses per standard: keep the server's answer, or use theirs (the sheet script
 * saves it, event `cc:use-mine`). Shown on My sites for all sites and on a sheet for that site.
 */
import {
  listConflicts,
  putConflict,
  listEntries,
  removeConflict,
  removeEntry,
  type ConflictItem,
  type ConflictRecord,
  type Entry,
} from './queue.ts';
import type { Offline } from './offline.ts';
import type { AnswerValues } from '../scoring/answer-rules.ts';
import { RESULT_NAMES } from '../labels.ts';

export function describeAnswer(a: AnswerValues): string {
  let text: string = RESULT_NAMES[a.result] ?? a.result;
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

function serverLabel(c: ConflictRecord): string {
  const by = new Set(c.items.map((i) => i.by ?? 'office'));
  if (by.size > 1) return '服务器上的（创城办或您在另一台设备上）';
  return by.has('self') ? '服务器上的（您在另一台设备上保存）' : '服务器上的（创城办）';
}

function conflictBox(c: ConflictRecord, showSite: boolean, choose: boolean, done: () => void): HTMLElement {
  const box = el('div', 'alert warn offline-conflict');
  box.dataset.site = String(c.site);
  const fromOffice = c.items.every((i) => (i.by ?? 'office') === 'office');
  box.append(
    el(
      'p',
      '',
      `${showSite ? `${c.siteName}：` : ''}${
        fromOffice ? '您离线期间创城办修改了这张测评表' : '这张测评表在您离线期间已在服务器上改过'
      }，以下标准现在保留的是服务器上的答案，您在本机的填写没有生效。${choose ? '请逐条选择保留哪一个。' : ''}`,
    ),
  );
  if (c.returnedReason) box.append(el('p', '', `创城办退回原因：${c.returnedReason}`));
  const table = el('table', 'conflict-table');
  const head = el('tr');
  for (const h of ['标准', '我的', serverLabel(c), ...(choose ? ['选择'] : [])]) head.append(el('th', '', h));
  table.append(head);
  const decide = async (item: ConflictItem, useMine: boolean) => {
    if (useMine)
      document.dispatchEvent(
        new CustomEvent('cc:use-mine', { detail: { standard: item.standard, ...item.mine } }),
      );
    c.items = c.items.filter((i) => i !== item);
    if (c.items.length) await putConflict(c);
    else await removeConflict(c.id!);
    done();
  };
  for (const item of c.items) {
    const tr = el('tr');
    tr.dataset.standard = item.standard;
    tr.append(
      el('td', '', `${item.standard} ${item.text}`),
      el('td', 'mine', describeAnswer(item.mine)),
      el('td', 'office', describeAnswer(item.office)),
    );
    if (choose) {
      const td = el('td', 'choose');
      const keep = el('button', '', '保留服务器的');
      keep.type = 'button';
      keep.addEventListener('click', () => void decide(item, false));
      const mine = el('button', '', '改用我的');
      mine.type = 'button';
      mine.className = 'use-mine';
      mine.addEventListener('click', () => void decide(item, true));
      td.append(keep, mine);
      tr.append(td);
    }
    table.append(tr);
  }
  box.append(table);
  if (!choose) {
    const ok = el('button', '', '知道了');
    ok.type = 'button';
    ok.addEventListener('click', () => void removeConflict(c.id!).then(done));
    box.append(ok);
  }
  return box;
}

function refusedBox(e: Entry, showSite: boolean, done: () => void): HTMLElement {
  const box = el('div', 'alert error offline-refused');
  box.dataset.site = String(e.site);
  box.append(
    el('p', '', `${showSite ? `${e.siteName}：` : ''}${describeEntry(e)}未能同步。`),
    el('p', 'reason', `原因：${e.refused ?? ''}`),
  );
  if (!showSite && e.kind !== 'photo') box.append(el('p', 'muted', '页面上显示的是服务器上保存的内容。'));
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

/** The latest render asked for each container (renders read the device queue asynchronously). */
const latest = new WeakMap<HTMLElement, number>();

/**
 * Fills `container` with the notices of one site, or of all sites when `site` is null. Changes come in
 * bursts and each starts a render: only the render asked for last writes, so an earlier one that read
 * the queue before the last change cannot finish after it and put back what is gone (or hide a refusal
 * that just arrived).
 */
export async function renderNotices(
  offline: Offline,
  container: HTMLElement,
  site: { round: number; site: number } | null,
  /** an editable sheet: the inspector chooses per conflicting standard */
  choose = false,
): Promise<void> {
  const mine = <T extends { round: number; site: number }>(x: T) =>
    !site || (x.round === site.round && x.site === site.site);
  const ticket = (latest.get(container) ?? 0) + 1;
  latest.set(container, ticket);
  const conflicts = (await listConflicts(offline.user)).filter(mine);
  const refused = (await listEntries(offline.user)).filter((e) => e.refused).filter(mine);
  if (latest.get(container) !== ticket) return;
  const done = () => offline.changed();
  container.replaceChildren(
    ...conflicts.map((c) => conflictBox(c, !site, choose, done)),
    ...refused.map((e) => refusedBox(e, !site, done)),
  );
}
