/**
 * In-page questions and answers for the tablet scripts: a <dialog> with large buttons that says what
 * will happen before a consequential step (submit a sheet, delete a photo, log out) and a short line
 * afterwards that says it happened. window.confirm/alert are avoided: they block the page, cannot be
 * styled for touch, and some tablet browsers suppress them. Pages without the script use the server's
 * ask-first page (src/web/confirm.ts) instead.
 */

export interface Question {
  title: string;
  message: string;
  details?: string[];
  confirmLabel: string;
  /** the label of the way out; with `null` only the confirm button is shown (a notice) */
  cancelLabel?: string | null;
  danger?: boolean;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/** Shows the question; resolves true when the inspector confirms, false on cancel or Esc. */
export function ask(q: Question): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = el('dialog', 'ask-dialog');
    dialog.setAttribute('aria-labelledby', 'ask-dialog-title');
    const title = el('h2', '', q.title);
    title.id = 'ask-dialog-title';
    dialog.append(title, el('p', 'confirm-message', q.message));
    if (q.details?.length) {
      const ul = el('ul', 'confirm-details');
      for (const d of q.details) ul.append(el('li', '', d));
      dialog.append(ul);
    }
    const actions = el('div', 'confirm-actions');
    const yes = el('button', q.danger ? 'danger' : 'primary', q.confirmLabel);
    yes.type = 'button';
    yes.dataset.answer = 'yes';
    actions.append(yes);
    if (q.cancelLabel !== null) {
      const no = el('button', '', q.cancelLabel ?? '取消');
      no.type = 'button';
      no.dataset.answer = 'no';
      actions.append(no);
    }
    dialog.append(actions);
    let answered = false;
    const finish = (value: boolean) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    actions.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-answer]');
      if (b) finish(b.dataset.answer === 'yes');
    });
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    yes.focus();
  });
}

/** A notice with one button (something cannot be done now, and why). */
export async function tell(title: string, message: string, details: string[] = []): Promise<void> {
  await ask({ title, message, details, confirmLabel: '知道了', cancelLabel: null });
}

/** A short line at the top of the page saying that something happened (removed after a while). */
export function announce(text: string, kind: 'ok' | 'warn' = 'ok'): void {
  let box = document.getElementById('announce');
  if (!box) {
    box = el('div', 'announce');
    box.id = 'announce';
    box.setAttribute('role', 'status');
    document.body.append(box);
  }
  const line = el('p', `alert ${kind}`, text);
  box.append(line);
  setTimeout(() => line.remove(), 8000);
}
