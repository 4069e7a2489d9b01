/**
 * The scoring sheet on the tablet (progressive enhancement of the plain form): saves as the inspector
 * goes, batching the changes of a moment into one request with a device-made batch id, keeps unsent
 * changes in localStorage so a reload or a dropped network loses nothing, retries with backoff, uploads
 * photos with a progress bar and a retry button, and shows progress and the live 得分率 computed by the
 * server's own scoring code (bundled in).
 */
import {
  formatRate,
  scoreSite,
  scoreStandard,
  type AnswerInput,
  type ScoredStandard,
  type ScoringRules,
} from '../scoring/standard.ts';
import { uid } from './uid.ts';
import { setupPhotos } from './photos.ts';

interface Change extends AnswerInput {
  standard: string;
  note: string;
}
interface Batch {
  batchId: string;
  baseRevision: number;
  changes: Change[];
}
interface Stored {
  revision: number;
  pending: Change[];
  inflight: Batch | null;
}

const form = document.querySelector<HTMLFormElement>('form.sheet[data-editable="1"]');
if (form) start(form);

function start(form: HTMLFormElement): void {
  document.documentElement.classList.add('js');
  const model = JSON.parse(document.getElementById('sheet-model')!.textContent!) as {
    rules: ScoringRules;
    standards: ScoredStandard[];
  };
  const api = form.dataset.api!;
  const csrf = document.querySelector<HTMLMetaElement>('meta[name=csrf-token]')!.content;
  const key = `cc:sheet:${form.dataset.user}:${form.dataset.round}:${form.dataset.site}`;
  const byCode = new Map(model.standards.map((s) => [s.code, s]));
  const answers = new Map<string, Change>();
  const stateEl = document.getElementById('save-state')!;
  const progressEl = document.getElementById('progress')!;
  const rateEl = document.getElementById('live-rate')!;

  const stored: Stored = JSON.parse(localStorage.getItem(key) ?? 'null') ?? {
    revision: Number(form.dataset.revision),
    pending: [],
    inflight: null,
  };
  const pending = new Map(stored.pending.map((c) => [c.standard, c]));
  let inflight: Batch | null = stored.inflight;
  let revision = Math.max(stored.revision, Number(form.dataset.revision));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoff = 1000;
  let sending = false;
  let uploads = 0;

  const persist = () => {
    if (!pending.size && !inflight) localStorage.removeItem(key);
    else
      localStorage.setItem(
        key,
        JSON.stringify({ revision, pending: [...pending.values()], inflight } satisfies Stored),
      );
  };

  const cards = () => [...form.querySelectorAll<HTMLElement>('.std')];
  const field = <T extends Element>(card: HTMLElement, sel: string) => card.querySelector<T>(sel);

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
    rateEl.textContent = formatRate(site.rate);
  }

  function setState(kind: 'saved' | 'saving' | 'unsaved' | 'error', text: string): void {
    stateEl.dataset.state = kind;
    stateEl.textContent = text;
  }

  function showIdle(): void {
    if (pending.size || inflight) setState('unsaved', '有未保存的内容');
    else if (uploads) setState('saving', `照片上传中（${uploads}）`);
    else setState('saved', '已保存');
  }

  function schedule(delay = 700): void {
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), delay);
  }

  async function flush(): Promise<void> {
    if (sending) return;
    if (!inflight && pending.size) {
      inflight = { batchId: uid(), baseRevision: revision, changes: [...pending.values()] };
      pending.clear();
      persist();
    }
    if (!inflight) return showIdle();
    sending = true;
    setState('saving', '保存中…');
    try {
      const res = await fetch(`${api}/changes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, 'x-requested-with': 'fetch' },
        body: JSON.stringify(inflight),
      });
      if (res.ok) {
        const body = (await res.json()) as { revision: number };
        revision = body.revision;
        inflight = null;
        backoff = 1000;
        persist();
        sending = false;
        if (pending.size) return flush();
        return showIdle();
      }
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      sending = false;
      if (res.status === 401)
        return setState('error', '登录已过期：请在新窗口重新登录，本页内容已保存在本机，登录后会自动保存');
      if (res.status >= 500) throw new Error(String(res.status));
      // refused for good (round closed, sheet submitted, bad value): say so, keep nothing hidden
      setState('error', `未保存：${body.error ?? '服务器拒绝了这次修改'}`);
      inflight = null;
      persist();
    } catch {
      sending = false;
      setState('unsaved', '网络中断，未保存，正在重试…');
      backoff = Math.min(backoff * 2, 30_000);
      schedule(backoff);
    }
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

  // initial state: the server's answers, then anything this device had not sent yet (newer)
  for (const card of cards()) {
    const c = readCard(card);
    if (c) answers.set(c.standard, c);
  }
  for (const c of [...(inflight?.changes ?? []), ...pending.values()]) {
    const card = form.querySelector<HTMLElement>(`.std[data-code="${CSS.escape(c.standard)}"]`);
    if (!card) continue;
    writeCard(card, c);
    answers.set(c.standard, c);
  }
  refresh();
  if (pending.size || inflight) void flush();
  else showIdle();

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
  window.addEventListener('online', () => void flush());

  form.addEventListener('submit', (e) => {
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    if (!submitter?.formAction.endsWith('/submit')) return;
    if (!pending.size && !inflight && !uploads) return;
    e.preventDefault();
    setState('saving', '正在保存，保存完成后再提交…');
    void flush().then(() => {
      if (!pending.size && !inflight && !uploads) form.requestSubmit(submitter);
      else setState('unsaved', '还有未保存的内容，请恢复网络后再提交');
    });
  });

  setupPhotos(form, api, csrf, (delta) => {
    uploads += delta;
    showIdle();
  });
  recordLocation(api, csrf);
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
