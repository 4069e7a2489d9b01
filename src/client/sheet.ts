/**
 * The scoring sheet on the tablet (progressive enhancement of the plain form): every answer goes into
 * the device's offline queue (IndexedDB, client/queue.ts) in batches of a moment with a device-made
 * batch id and the revision the device had seen, and the queue sends them whenever there is a network
 * (client/sync.ts); photos and the submit go the same way. Reloading, closing the tab or working with
 * no network at all loses nothing: the page (stored by the service worker) shows the server's answers
 * with the device's unsent ones on top. The bar shows progress and the live 得分率 computed by the
 * server's own scoring code (bundled in).
 */
import {
  formatRate,
  scoreSite,
  scoreStandard,
  type ScoredStandard,
  type ScoringRules,
} from '../scoring/standard.ts';
import { uid } from './uid.ts';
import { setupPhotos, type PhotoEntry } from './photos.ts';
import { startOffline, type MomentEdits, type Offline } from './offline.ts';
import { addEntry, getRevision, listEntries, type Change, type Entry } from './queue.ts';
import { renderNotices } from './notices.ts';

const offline = startOffline();
const sheetForm = document.querySelector<HTMLFormElement>('form.sheet');
const notices = document.getElementById('offline-notices');
if (offline && sheetForm && notices) {
  const ref = { round: Number(sheetForm.dataset.round), site: Number(sheetForm.dataset.site) };
  const render = () => void renderNotices(offline, notices, ref);
  offline.onChange(render);
  render();
}
const form = document.querySelector<HTMLFormElement>('form.sheet[data-editable="1"]');
if (form && offline) void start(form, offline);

async function start(form: HTMLFormElement, offline: Offline): Promise<void> {
  document.documentElement.classList.add('js');
  const model = JSON.parse(document.getElementById('sheet-model')!.textContent!) as {
    rules: ScoringRules;
    standards: ScoredStandard[];
  };
  const user = offline.user;
  const ref = {
    round: Number(form.dataset.round),
    site: Number(form.dataset.site),
    siteName: form.dataset.siteName ?? '',
  };
  const ofSite = (e: { round: number; site: number }) => e.round === ref.round && e.site === ref.site;
  // edits of the last moment not yet in the queue: mirrored to localStorage at once (synchronous)
  const lsKey = `cc:${user}:sheet:${ref.round}:${ref.site}`;
  const byCode = new Map(model.standards.map((s) => [s.code, s]));
  const answers = new Map<string, Change>();
  const stateEl = document.getElementById('save-state')!;
  const progressEl = document.getElementById('progress')!;
  const rateEl = document.getElementById('live-rate')!;
  const alertEl = document.getElementById('sheet-alert')!;

  const pending = new Map<string, Change>(
    ((JSON.parse(localStorage.getItem(lsKey) ?? 'null') as MomentEdits | null)?.changes ?? []).map((c) => [
      c.standard,
      c,
    ]),
  );
  let revision = Number(form.dataset.revision);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let siteQueued = 0;
  let submitting = false;
  let reloadWanted = false;

  const persist = () => {
    if (pending.size)
      localStorage.setItem(
        lsKey,
        JSON.stringify({
          siteName: ref.siteName,
          revision,
          changes: [...pending.values()],
        } satisfies MomentEdits),
      );
    else localStorage.removeItem(lsKey);
  };

  const cards = () => [...form.querySelectorAll<HTMLElement>('.std')];
  const field = <T extends Element>(card: HTMLElement, sel: string) => card.querySelector<T>(sel);

  // taps made while the device's queue is being read (right after the page shows) are kept and applied
  // once the sheet is ready: nothing the inspector does at start-up is lost or taken for the server's
  const early = new Map<string, Change>();
  const earlyEdit = (e: Event) => {
    const t = e.target as HTMLInputElement;
    const card = t.closest<HTMLElement>('.std');
    if (!card || t.matches('input[type=file]')) return;
    const cases = field<HTMLInputElement>(card, `[name="c_${card.dataset.code}"]`);
    if (t.name === `r_${card.dataset.code}` && t.value === 'fail' && cases && Number(cases.value) < 1)
      cases.value = '1';
    const c = readCard(card);
    if (c) early.set(c.standard, c);
  };
  form.addEventListener('change', earlyEdit);
  form.addEventListener('input', earlyEdit);
  revision = Math.max(revision, await getRevision(user, ref.round, ref.site));

  function readCard(card: HTMLElement): Change | null {
    const code = card.dataset.code!;
    const checked = field<HTMLInputElement>(card, `input[name="r_${code}"]:checked`);
    if (!checked) return null;
    const cases = Number(field<HTMLInputElement>(card, `[name="c_${code}"]`)?.value || 0);
    const fixed = Number(field<HTMLInputElement>(card, `[name="f_${code}"]`)?.value || 0);
    return {
      standard: code,
      result: checked.value as Change['result'],
      cases: checked.value === 'fail' ? (card.dataset.mode === 'passfail' ? 1 : cases) : 0,
      fixedCases: checked.value === 'fail' ? fixed : 0,
      note: field<HTMLTextAreaElement>(card, `[name="n_${code}"]`)?.value ?? '',
    };
  }

  function writeCard(card: HTMLElement, c: Change): void {
    const code = card.dataset.code!;
    const radio = field<HTMLInputElement>(card, `input[name="r_${code}"][value="${c.result}"]`);
    if (radio) radio.checked = true;
    const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
    if (cases) cases.value = String(c.cases);
    const fixed = field<HTMLInputElement>(card, `[name="f_${code}"]`);
    if (fixed) fixed.value = String(c.fixedCases);
    const note = field<HTMLTextAreaElement>(card, `[name="n_${code}"]`);
    if (note) note.value = c.note;
  }

  function refresh(): void {
    for (const card of cards()) {
      const c = answers.get(card.dataset.code!);
      card.dataset.result = c?.result ?? '';
      const s = byCode.get(card.dataset.code!);
      const out = field<HTMLElement>(card, '.std-score');
      if (out && s) {
        const score = c ? scoreStandard(s, c, model.rules) : null;
        out.textContent = !score
          ? ''
          : score.applicable
            ? `得 ${score.earned} / ${score.possible} 分`
            : '不计分';
        const grade = field<HTMLElement>(card, '.grade');
        if (grade) grade.textContent = score?.grade ?? '—';
      }
    }
    const site = scoreSite(model.standards, answers, model.rules);
    progressEl.textContent = `已评 ${site.answered}/${model.standards.length}`;
    // the first answer starts the sheet (the server makes it a draft with the first save)
    const badge = document.getElementById('sheet-status');
    if (badge?.classList.contains('sheet-none') && answers.size) {
      badge.classList.replace('sheet-none', 'sheet-draft');
      badge.textContent = '进行中';
    }
    rateEl.textContent = formatRate(site.rate);
  }

  function setState(kind: 'saved' | 'saving' | 'unsaved' | 'error', text: string): void {
    stateEl.dataset.state = kind;
    stateEl.textContent = text;
  }

  /** the bar's save state, from the queue of this site and the sync's state */
  async function showState(): Promise<void> {
    const mine = (await listEntries(user)).filter(ofSite);
    const waiting = mine.filter((e) => !e.refused);
    siteQueued = waiting.length;
    const n = waiting.length + (pending.size ? 1 : 0);
    const refused = mine.length - waiting.length;
    const state = offline.sync.status.state;
    lock(waiting.some((e) => e.kind === 'submit'));
    if (!n) {
      if (refused) setState('error', `${refused} 条未能保存，原因见页面上方`);
      else setState('saved', '已保存');
    } else if (state === 'login')
      setState('error', '登录已过期：请重新登录，内容已保存在本机，登录后自动保存');
    else if (!navigator.onLine || state === 'offline')
      setState('unsaved', `未保存到服务器：已存在本机（${n} 条待同步）`);
    else if (state === 'retry') setState('unsaved', `未保存：网络中断，正在重试（${n} 条待同步）`);
    else setState('saving', '保存中…');
  }
  const showIdle = () => void showState();

  /** a submit waiting in the queue: the sheet is read-only on this device until the server decides */
  function lock(on: boolean): void {
    form.classList.toggle('submitted-locally', on);
    for (const f of form.querySelectorAll<HTMLFieldSetElement>('fieldset')) f.disabled = on;
    for (const b of form.querySelectorAll<HTMLButtonElement>('.sheet-bar button')) b.disabled = on;
    for (const l of form.querySelectorAll<HTMLElement>('.camera')) l.hidden = on;
  }

  function schedule(delay = 700): void {
    clearTimeout(timer);
    timer = setTimeout(() => void enqueue(), delay);
  }

  /** moves the edits of the last moment into the queue as one batch, then lets the sync send it */
  async function enqueue(): Promise<void> {
    clearTimeout(timer);
    if (!pending.size) return;
    const changes = [...pending.values()];
    await addEntry({
      kind: 'changes',
      user,
      ...ref,
      createdAt: Date.now(),
      batchId: uid(),
      baseRevision: revision,
      changes,
    });
    for (const c of changes) if (pending.get(c.standard) === c) pending.delete(c.standard);
    persist();
    offline.changed();
    void offline.sync.kick();
  }

  function showBlockers(list: { code: string; reason: string }[]): void {
    alertEl.replaceChildren();
    alertEl.hidden = false;
    const p = document.createElement('p');
    p.textContent = `还不能提交：${list.length} 条标准需要处理`;
    const ul = document.createElement('ul');
    ul.className = 'blockers';
    for (const b of list) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#std-${b.code}`;
      a.textContent = b.code;
      const text = form.querySelector(`.std[data-code="${CSS.escape(b.code)}"] .std-text`)?.textContent ?? '';
      li.append(a, ` ${text} —— `, Object.assign(document.createElement('b'), { textContent: b.reason }));
      ul.append(li);
    }
    alertEl.append(p, ul);
  }

  /** the same checks as the server's submitBlockers, so a submit made offline is not refused later */
  function blockers(): { code: string; reason: string }[] {
    const out: { code: string; reason: string }[] = [];
    for (const card of cards()) {
      const code = card.dataset.code!;
      const a = answers.get(code);
      if (!a) out.push({ code, reason: '未评' });
      else if (
        a.result === 'fail' &&
        card.dataset.photoRequired === '1' &&
        !card.querySelector('.photos .photo:not(.failed)')
      )
        out.push({ code, reason: '不符合但缺少照片' });
    }
    return out;
  }

  async function submit(): Promise<void> {
    await enqueue();
    const list = blockers();
    if (list.length) return showBlockers(list);
    alertEl.hidden = true;
    submitting = true;
    await addEntry({
      kind: 'submit',
      user,
      ...ref,
      createdAt: Date.now(),
      submitId: uid(),
      baseRevision: revision,
    });
    offline.changed();
    await showState();
    if (navigator.onLine) await offline.sync.kick();
    submitting = false;
    const left = (await listEntries(user)).filter((e) => ofSite(e) && e.kind === 'submit');
    if (!left.length) return location.assign('/');
    if (left.every((e) => e.refused)) lock(false);
    else setState('unsaved', '已提交到本机：恢复网络后自动提交');
  }

  function onEdit(card: HTMLElement): void {
    const c = readCard(card);
    if (!c) return;
    answers.set(c.standard, c);
    pending.set(c.standard, c);
    persist();
    refresh();
    showIdle();
    schedule();
  }

  const photos = setupPhotos(form, offline, ref, showIdle);

  // initial state: the server's answers, then what this device has not sent yet (newer)
  for (const card of cards()) {
    const c = readCard(card);
    if (c) answers.set(c.standard, c);
  }
  const overlay = (c: Change) => {
    const card = form.querySelector<HTMLElement>(`.std[data-code="${CSS.escape(c.standard)}"]`);
    if (!card) return;
    writeCard(card, c);
    answers.set(c.standard, c);
  };
  for (const e of (await listEntries(user)).filter(ofSite)) {
    if (e.kind === 'changes' && !e.refused) e.changes.forEach(overlay);
    if (e.kind === 'photo') photos.showQueued(e);
  }
  pending.forEach(overlay);
  refresh();
  await showState();
  if (pending.size) void enqueue();

  offline.onChange(showIdle);
  offline.sync.on((e) => {
    const entry: Entry | undefined = e.type === 'accepted' || e.type === 'refused' ? e.entry : undefined;
    if (entry && !ofSite(entry)) return;
    if (e.type === 'accepted' && entry?.kind === 'changes') {
      const body = e.body as { revision: number };
      if (body.revision === entry.baseRevision + 1) revision = Math.max(revision, body.revision);
    }
    if (e.type === 'accepted' && entry?.kind === 'photo')
      photos.accepted(entry.clientId, e.body as unknown as Parameters<typeof photos.accepted>[1]);
    if (e.type === 'refused' && entry?.kind === 'photo') photos.refused(entry as PhotoEntry);
    if (e.type === 'accepted' && entry?.kind === 'submit' && !submitting) location.assign('/');
    // the office changed the sheet meanwhile: show its version once the queue has run
    if ((e.type === 'conflict' || e.type === 'changed') && ofSite(e)) reloadWanted = true;
    if (e.type === 'status' && e.status.state === 'idle' && reloadWanted && !pending.size) location.reload();
  });

  form.addEventListener('change', (e) => {
    const card = (e.target as HTMLElement).closest<HTMLElement>('.std');
    if (!card || (e.target as HTMLElement).matches('input[type=file]')) return;
    const code = card.dataset.code!;
    const target = e.target as HTMLInputElement;
    const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
    if (target.name === `r_${code}` && target.value === 'fail' && cases && Number(cases.value) < 1)
      cases.value = '1';
    onEdit(card);
  });
  form.addEventListener('input', (e) => {
    const t = e.target as HTMLElement;
    if (t.matches('textarea')) {
      const card = t.closest<HTMLElement>('.std');
      if (card) onEdit(card);
    }
  });
  form.addEventListener('click', (e) => {
    const btn = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-step]');
    if (!btn) return;
    e.preventDefault();
    const card = btn.closest<HTMLElement>('.std')!;
    const input = btn.parentElement!.querySelector<HTMLInputElement>('input')!;
    const min = Number(input.min || 0);
    input.value = String(Math.min(999, Math.max(min, Number(input.value || 0) + Number(btn.dataset.step))));
    const code = card.dataset.code!;
    const fail = field<HTMLInputElement>(card, `input[name="r_${code}"][value="fail"]`);
    if (input.name === `c_${code}` && Number(input.value) > 0 && fail) fail.checked = true;
    const fixed = field<HTMLInputElement>(card, `[name="f_${code}"]`);
    const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
    if (fixed && cases && Number(fixed.value) > Number(cases.value)) fixed.value = cases.value;
    onEdit(card);
  });
  // the sheet is ready: what was tapped during start-up becomes edits like any other
  form.removeEventListener('change', earlyEdit);
  form.removeEventListener('input', earlyEdit);
  for (const c of early.values()) {
    const card = form.querySelector<HTMLElement>(`.std[data-code="${CSS.escape(c.standard)}"]`);
    if (!card) continue;
    writeCard(card, c);
    onEdit(card);
  }
  // leaving the page: what is still in the moment's batch goes into the queue
  window.addEventListener('pagehide', () => void enqueue());

  form.addEventListener('submit', (e) => {
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    if (!submitter?.formAction.endsWith('/submit')) return;
    // online with nothing waiting: the plain form post (the server shows what blocks the submit)
    if (navigator.onLine && !pending.size && !siteQueued && offline.sync.status.state !== 'login') {
      const token = form.querySelector<HTMLInputElement>('input[name=_csrf]');
      if (token && offline.csrf()) token.value = offline.csrf();
      return;
    }
    e.preventDefault();
    void submit();
  });

  recordLocation(`/api/rounds/${ref.round}/sites/${ref.site}`, offline.csrf());
}

function recordLocation(api: string, csrf: string): void {
  if (!window.isSecureContext || !('geolocation' in navigator)) return;
  navigator.geolocation.getCurrentPosition(
    (pos) =>
      void fetch(`${api}/location`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, 'x-requested-with': 'fetch' },
        body: JSON.stringify({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
      }).catch(() => undefined),
    () => undefined,
    { timeout: 15_000, maximumAge: 60_000 },
  );
}
