/**
 * What keeps this sheet from being submitted, on the device: the same checks as the server's
 * submitBlockers (every standard answered, a photo where a 不符合 needs one), so a submit made offline
 * is not refused later. The "还不能提交" panel, once shown (by the script or by the server after a plain
 * form's submit), follows the sheet as the inspector works: shorter with each fix, gone with the last.
 */
import type { AnswerChange } from '../protocol/sheet.ts';
import { announce } from './dialog.ts';
import { RESULT_NAMES } from '../labels.ts';

export interface Blocker {
  code: string;
  reason: string;
}

export function findBlockers(form: HTMLFormElement, answers: Map<string, AnswerChange>): Blocker[] {
  const out: Blocker[] = [];
  for (const card of form.querySelectorAll<HTMLElement>('.std')) {
    const code = card.dataset.code!;
    const a = answers.get(code);
    if (!a) out.push({ code, reason: '未评' });
    else if (
      a.result === 'fail' &&
      card.dataset.photoRequired === '1' &&
      !card.querySelector('.photos .photo:not(.failed)')
    )
      out.push({ code, reason: `${RESULT_NAMES.fail}但缺少照片` });
  }
  return out;
}

export class BlockerPanel {
  private shown = false;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly panel: HTMLElement,
  ) {
    // the server's list after a plain submit: this panel takes over, kept up to date from now on
    const server = document.getElementById('server-blockers');
    if (server) {
      server.remove();
      this.shown = true;
    }
  }

  show(list: Blocker[]): void {
    this.shown = true;
    this.render(list);
  }

  /** after every change: the open panel is redrawn, and hidden when nothing blocks any more */
  update(list: Blocker[]): void {
    if (!this.shown) return;
    if (!list.length) {
      this.shown = false;
      this.panel.hidden = true;
      this.panel.replaceChildren();
      announce('所有标准都已处理，现在可以提交。');
      return;
    }
    this.render(list);
  }

  hide(): void {
    this.shown = false;
    this.panel.hidden = true;
  }

  private render(list: Blocker[]): void {
    this.panel.replaceChildren();
    this.panel.hidden = false;
    const p = document.createElement('p');
    p.textContent = `还不能提交：${list.length} 条标准需要处理`;
    const ul = document.createElement('ul');
    ul.className = 'blockers';
    for (const b of list) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#std-${b.code}`;
      a.textContent = b.code;
      const text =
        this.form.querySelector(`.std[data-code="${CSS.escape(b.code)}"] .std-text`)?.textContent ?? '';
      li.append(a, ` ${text} —— `, Object.assign(document.createElement('b'), { textContent: b.reason }));
      ul.append(li);
    }
    this.panel.append(p, ul);
  }
}
