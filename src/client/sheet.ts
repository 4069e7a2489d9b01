/**
 * The scoring sheet on the tablet (progressive enhancement of the plain form): every answer goes into
 * the device's offline queue (IndexedDB, client/queue.ts) in batches of a moment with a device-made
 * batch id and the revision the device had seen, and the queue sends them whenever there is a network
 * (client/sync.ts); photos and the submit go the same way. The answers on the device and the moment's
 * batch are kept by sheet-edits.ts, the scores shown by sheet-score.ts. Reloading, closing the tab or working with
 * no network at all loses nothing: the page (stored by the service worker) shows the server's answers
 * with the device's unsent ones on top. The bar shows progress and the live 得分率 computed by the
 * server's own scoring code (bundled in); an answer is checked with the server's own rules before it is
 * saved (sheet-cards.ts), and one the server refused anyway is shown on its card with the reason.
 */
import { minCases } from '../scoring/answer-rules.ts';
import type { Scoring } from '../criteria/schema.ts';
import type { AnswerChange, SaveResult, UploadedPhoto } from '../protocol/sheet.ts';
import { uid } from './uid.ts';
import { setupPhotos, type PhotoEntry } from './photos.ts';
import { startOffline, type Offline } from './offline.ts';
import { addEntry, getRevision, listEntries, type Entry } from './queue.ts';
import { renderNotices } from './notices.ts';
import { cardMessage, field, readCard, step, syncMin, validCard, writeCard } from './sheet-cards.ts';
import { BlockerPanel, findBlockers } from './sheet-blockers.ts';
import { announce, ask } from './dialog.ts';
import { recordLocation, serverAnswers } from './sheet-server.ts';
import { SaveBar } from './sheet-state.ts';
import { SheetEdits } from './sheet-edits.ts';
import { showScores, type SheetModel } from './sheet-score.ts';
import { RESULT_NAMES } from '../labels.ts';

const offline = startOffline();
const sheetForm = document.querySelector<HTMLFormElement>('form.sheet');
const notices = document.getElementById('offline-notices');
if (offline && sheetForm && notices) {
  const ref = { round: Number(sheetForm.dataset.round), site: Number(sheetForm.dataset.site) };
  const render = () => void renderNotices(offline, notices, ref, sheetForm.dataset.editable === '1');
  offline.onChange(render);
  render();
}
const form = document.querySelector<HTMLFormElement>('form.sheet[data-editable="1"]');
if (form && offline) void start(form, offline);

async function start(form: HTMLFormElement, offline: Offline): Promise<void> {
  document.documentElement.classList.add('js');
  const model = JSON.parse(document.getElementById('sheet-model')!.textContent!) as SheetModel;
  const user = offline.user;
  const ref = {
    round: Number(form.dataset.round),
    site: Number(form.dataset.site),
    siteName: form.dataset.siteName ?? '',
  };
  const sheetUrl = `/rounds/${ref.round}/sites/${ref.site}`;
  const ofSite = (e: { round: number; site: number }) => e.round === ref.round && e.site === ref.site;
  const byCode = new Map(model.standards.map((s) => [s.code, s]));
  const panel = new BlockerPanel(form, document.getElementById('sheet-alert')!);
  const edits = new SheetEdits(offline, ref, Number(form.dataset.revision));
  // (no destructuring: the bundle's Safari 14 target cannot take it)
  const answers = edits.answers;
  const known = edits.known;
  const pending = edits.pending;
  let siteQueued = 0;
  let submitting = false;
  let confirmedSubmit = false;
  let reloadWanted = false;

  const cards = () => [...form.querySelectorAll<HTMLElement>('.std')];
  const cardOf = (code: string) => form.querySelector<HTMLElement>(`.std[data-code="${CSS.escape(code)}"]`);

  /** a 不符合 never counts fewer cases than its mode allows: the number is raised, and the card says so */
  function floorCases(card: HTMLElement): void {
    const code = card.dataset.code!;
    const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
    const result = field<HTMLInputElement>(card, `input[name="r_${code}"]:checked`)?.value ?? null;
    const min = minCases(result as AnswerChange['result'] | null, card.dataset.mode as Scoring['mode']);
    syncMin(card);
    if (cases && Number(cases.value || 0) < min) cases.value = String(min);
  }

  // taps made while the device's queue is being read (right after the page shows) are kept and applied
  // once the sheet is ready: nothing the inspector does at start-up is lost or taken for the server's
  const early = new Map<string, AnswerChange>();
  const earlyEdit = (e: Event) => {
    const t = e.target as HTMLInputElement;
    const card = t.closest<HTMLElement>('.std');
    if (!card || t.matches('input[type=file]')) return;
    floorCases(card);
    const c = readCard(card);
    if (c) early.set(c.standard, c);
  };
  form.addEventListener('change', earlyEdit);
  form.addEventListener('input', earlyEdit);
  edits.revision = Math.max(edits.revision, await getRevision(user, ref.round, ref.site));

  const refresh = () => showScores(form, model, answers, panel);

  const bar = new SaveBar(form, offline, ofSite);
  const setState = bar.set.bind(bar);
  const lock = bar.lock.bind(bar);
  /** the bar's save state, from the queue of this site and the sync's state */
  const showState = async () => {
    siteQueued = await bar.show(pending.size > 0);
  };
  const showIdle = () => void showState();

  async function submit(submitter: HTMLButtonElement): Promise<void> {
    await edits.enqueue();
    const list = findBlockers(form, answers);
    if (list.length) return panel.show(list);
    panel.hide();
    const yes = await ask({
      title: '提交测评表？',
      message: `提交后，“${ref.siteName}”的测评表将交给创城办审核，不能再修改；只有创城办退回后才能再修改。`,
      details: [`已评 ${answers.size}/${model.standards.length} 条标准`],
      confirmLabel: '确认提交',
    });
    if (!yes) return;
    // online with nothing waiting: the plain form post, confirmed (the server says what blocks it)
    if (navigator.onLine && !pending.size && !siteQueued && offline.sync.status.state !== 'login') {
      const token = form.querySelector<HTMLInputElement>('input[name=_csrf]');
      if (token && offline.csrf()) token.value = offline.csrf();
      const confirmed = Object.assign(document.createElement('input'), {
        type: 'hidden',
        name: 'confirmed',
        value: '1',
      });
      form.append(confirmed);
      confirmedSubmit = true;
      return form.requestSubmit(submitter);
    }
    submitting = true;
    await addEntry({
      kind: 'submit',
      user,
      ...ref,
      createdAt: Date.now(),
      submitId: uid(),
      baseRevision: edits.revision,
    });
    offline.changed();
    await showState();
    if (navigator.onLine) await offline.sync.kick();
    submitting = false;
    const left = (await listEntries(user)).filter((e) => ofSite(e) && e.kind === 'submit');
    if (!left.length) return location.assign(`${sheetUrl}?submitted=1`);
    if (left.every((e) => e.refused)) lock(false);
    else {
      setState('unsaved', '已提交到本机：恢复网络后自动提交');
      announce('已提交到本机：恢复网络后自动交给创城办审核，在此之前这张表不能再修改。');
    }
  }

  function onEdit(card: HTMLElement): void {
    const c = validCard(card, byCode.get(card.dataset.code!), model.rules);
    const code = card.dataset.code!;
    if (!c) return edits.drop(code);
    edits.edit(c);
    refresh();
    showIdle();
  }

  const photos = setupPhotos(form, offline, ref, () => {
    refresh();
    showIdle();
  });

  // initial state: the server's answers, then what this device has not sent yet (newer)
  for (const card of cards()) {
    syncMin(card);
    // as the server rendered it: taps made during start-up are applied below as edits
    const c = readCard(card, true);
    if (c) edits.served(c);
  }
  const overlay = (c: AnswerChange, sent: boolean) => {
    const card = cardOf(c.standard);
    if (!card) return;
    writeCard(card, c);
    answers.set(c.standard, c);
    if (sent) known.set(c.standard, c);
  };
  for (const e of (await listEntries(user)).filter(ofSite)) {
    if (e.kind === 'changes' && !e.refused) e.changes.forEach((c) => overlay(c, true));
    if (e.kind === 'photo') photos.showQueued(e);
  }
  pending.forEach((c) => overlay(c, false));
  refresh();
  await showState();
  if (pending.size) void edits.enqueue();

  /** answers the server refused: its value back on the card, with the reason */
  async function showRefused(items: { standard: string; reason: string }[]): Promise<void> {
    const server = await serverAnswers(ref.round, ref.site);
    for (const item of items) {
      const card = cardOf(item.standard);
      if (!card) continue;
      const value = server.find((a) => a.standard === item.standard);
      if (value) {
        writeCard(card, value);
        edits.served(value);
      } else {
        for (const r of card.querySelectorAll<HTMLInputElement>('input[type=radio]')) r.checked = false;
        answers.delete(item.standard);
        known.delete(item.standard);
      }
      cardMessage(card, `服务器未保存您的填写：${item.reason}${value ? '。现在显示的是服务器上的答案' : ''}`);
    }
    refresh();
  }

  offline.onChange(showIdle);
  offline.sync.on((e) => {
    const entry: Entry | undefined = e.type === 'accepted' || e.type === 'refused' ? e.entry : undefined;
    if (entry && !ofSite(entry)) return;
    if (e.type === 'accepted' && entry?.kind === 'changes') {
      const body = e.body as unknown as SaveResult;
      if (body.revision === entry.baseRevision + 1) edits.revision = Math.max(edits.revision, body.revision);
      if (body.refused?.length) void showRefused(body.refused);
    }
    if (e.type === 'accepted' && entry?.kind === 'photo')
      photos.accepted(entry.clientId, e.body as unknown as UploadedPhoto);
    if (e.type === 'refused' && entry?.kind === 'photo') photos.refused(entry as PhotoEntry);
    if (e.type === 'accepted' && entry?.kind === 'submit' && !submitting)
      location.assign(`${sheetUrl}?submitted=1`);
    // the sheet moved on without this device (submitted elsewhere, corrected, returned, round closed):
    // once the queue has run, the page shows the server's state and the notice says why
    if (e.type === 'refused' && entry && entry.kind !== 'photo') reloadWanted = true;
    // the office changed the sheet meanwhile: show its version once the queue has run
    if ((e.type === 'conflict' || e.type === 'changed') && ofSite(e)) reloadWanted = true;
    if (e.type === 'status' && e.status.state === 'idle' && reloadWanted && !pending.size) {
      reloadWanted = false;
      void offline.refreshSite(ref.round, ref.site, [], true).then(() => location.reload());
    }
  });

  form.addEventListener('change', (e) => {
    const card = (e.target as HTMLElement).closest<HTMLElement>('.std');
    const t = e.target as HTMLInputElement;
    if (!card || t.matches('input[type=file]')) return;
    syncMin(card);
    const typedTooFew = t.name === `c_${card.dataset.code}` && Number(t.value || 0) < Number(t.min || 0);
    floorCases(card);
    onEdit(card);
    if (typedTooFew) cardMessage(card, `“${RESULT_NAMES.fail}”至少记录 ${t.min} 处问题，已改为 ${t.min}`);
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
    step(card, btn);
    onEdit(card);
  });
  // the sheet is ready: what was tapped during start-up becomes edits like any other
  form.removeEventListener('change', earlyEdit);
  form.removeEventListener('input', earlyEdit);
  for (const c of early.values()) {
    const card = cardOf(c.standard);
    if (!card) continue;
    writeCard(card, c);
    onEdit(card);
  }
  // a conflict decided for the inspector's own answer: saved like an edit, on the latest revision
  document.addEventListener('cc:use-mine', (e) => {
    const c = (e as CustomEvent<AnswerChange>).detail;
    const card = cardOf(c.standard);
    if (!card) return;
    writeCard(card, c);
    onEdit(card);
    announce(`标准 ${c.standard} 改用了您的答案，正在保存。`);
  });
  // leaving the page: what is still in the moment's batch goes into the queue
  window.addEventListener('pagehide', () => void edits.enqueue());

  form.addEventListener('submit', (e) => {
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    if (!submitter?.formAction.endsWith('/submit')) return;
    if (confirmedSubmit) return;
    e.preventDefault();
    void submit(submitter);
  });

  recordLocation(`/api/rounds/${ref.round}/sites/${ref.site}`, offline.csrf());
}
