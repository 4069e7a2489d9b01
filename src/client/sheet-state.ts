/**
 * The sheet bar's save state (已保存 / 保存中… / 未保存到服务器：已存在本机（n 条待同步） / 登录已过期),
 * read from this site's entries in the device's queue and the sync's state, and the lock that keeps the
 * sheet read-only on this device while a submit waits in the queue.
 */
import { listEntries } from './queue.ts';
import type { Offline } from './offline.ts';

export class SaveBar {
  private readonly el: HTMLElement;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly offline: Offline,
    private readonly ofSite: (e: { round: number; site: number }) => boolean,
  ) {
    this.el = document.getElementById('save-state')!;
  }

  set(kind: 'saved' | 'saving' | 'unsaved' | 'error', text: string): void {
    this.el.dataset.state = kind;
    this.el.textContent = text;
  }

  /** Shows the state; `moment` = edits of the last moment not yet queued. Resolves with the site's
   * entries still waiting to be sent. */
  async show(moment: boolean): Promise<number> {
    const mine = (await listEntries(this.offline.user)).filter(this.ofSite);
    const waiting = mine.filter((e) => !e.refused);
    const n = waiting.length + (moment ? 1 : 0);
    const refused = mine.length - waiting.length;
    const state = this.offline.sync.status.state;
    this.lock(waiting.some((e) => e.kind === 'submit'));
    if (!n) {
      if (refused) this.set('error', `${refused} 条未能保存，原因见页面上方`);
      else this.set('saved', '已保存');
    } else if (state === 'login')
      this.set('error', '登录已过期：请重新登录，内容已保存在本机，登录后自动保存');
    else if (!navigator.onLine || state === 'offline')
      this.set('unsaved', `未保存到服务器：已存在本机（${n} 条待同步）`);
    else if (state === 'retry') this.set('unsaved', `未保存：网络中断，正在重试（${n} 条待同步）`);
    else this.set('saving', '保存中…');
    return waiting.length;
  }

  /** a submit waiting in the queue: the sheet is read-only on this device until the server decides */
  lock(on: boolean): void {
    this.form.classList.toggle('submitted-locally', on);
    for (const f of this.form.querySelectorAll<HTMLFieldSetElement>('fieldset')) f.disabled = on;
    for (const b of this.form.querySelectorAll<HTMLButtonElement>('.sheet-bar button')) b.disabled = on;
    for (const l of this.form.querySelectorAll<HTMLElement>('.camera')) l.hidden = on;
  }
}
