/**
 * Photos on the sheet: the camera opens straight from the file input (capture); each chosen photo goes
 * into the device's queue as a Blob with a device-made id (the server stores it once however often it
 * is sent) and shows at once with 待同步 until the server has it; a refused one says why. A file the
 * server would refuse is refused when picked (photo-check.ts) and never queued. Photos already on the
 * server can be deleted while online, after the inspector confirmed it in the page.
 */
import { uid } from './uid.ts';
import { addEntry, removeEntry, type Entry } from './queue.ts';
import type { UploadedPhoto } from '../protocol/sheet.ts';
import type { Offline } from './offline.ts';
import { photoRefusal } from './photo-check.ts';
import { announce, ask, tell } from './dialog.ts';
import { RESULT_NAMES } from '../labels.ts';

export type PhotoEntry = Extract<Entry, { kind: 'photo' }>;
export interface SheetRef {
  round: number;
  site: number;
  siteName: string;
}

export interface PhotoUi {
  /** a queued photo (from this page or found on the device at load) */
  showQueued(entry: PhotoEntry): void;
  accepted(clientId: string, photo: UploadedPhoto): void;
  refused(entry: PhotoEntry): void;
}

export function setupPhotos(
  form: HTMLFormElement,
  offline: Offline,
  ref: SheetRef,
  after: () => void,
): PhotoUi {
  const listOf = (standard: string) =>
    form.querySelector<HTMLElement>(`.std[data-code="${CSS.escape(standard)}"] .photos`);
  const itemOf = (clientId: string) =>
    form.querySelector<HTMLElement>(`.photo[data-client-id="${CSS.escape(clientId)}"]`);

  function showQueued(entry: PhotoEntry): void {
    const list = listOf(entry.standard);
    if (!list || itemOf(entry.clientId)) return;
    const li = document.createElement('li');
    li.className = 'photo queued';
    li.dataset.clientId = entry.clientId;
    if (entry.seq) li.dataset.seq = String(entry.seq);
    const img = document.createElement('img');
    img.alt = '照片预览';
    img.src = URL.createObjectURL(entry.blob);
    const msg = document.createElement('span');
    msg.className = 'photo-msg';
    msg.textContent = entry.refused ? `未能上传：${entry.refused}` : '待同步';
    const drop = document.createElement('button');
    drop.type = 'button';
    drop.className = 'link';
    drop.textContent = '移除';
    drop.addEventListener('click', () => {
      if (li.dataset.seq) void removeEntry(Number(li.dataset.seq)).then(() => offline.changed());
      li.remove();
      after();
    });
    li.append(img, msg, drop);
    if (entry.refused) li.classList.add('failed');
    list.append(li);
  }

  /** a picked file the server would refuse: said on its card at once, not queued, not counted */
  function showRejected(standard: string, name: string, reason: string): void {
    const list = listOf(standard);
    if (!list) return;
    const li = document.createElement('li');
    li.className = 'photo failed rejected';
    const msg = document.createElement('span');
    msg.className = 'photo-msg';
    msg.textContent = `未加入：${name ? `${name}，` : ''}${reason}`;
    const drop = document.createElement('button');
    drop.type = 'button';
    drop.className = 'link';
    drop.textContent = '知道了';
    drop.addEventListener('click', () => li.remove());
    li.append(msg, drop);
    list.append(li);
  }

  form.addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (!input.matches('input[type=file]')) return;
    const card = input.closest<HTMLElement>('.std')!;
    const files = [...(input.files ?? [])];
    input.value = '';
    void (async () => {
      for (const file of files) {
        const refusal = await photoRefusal(file);
        if (refusal) {
          showRejected(card.dataset.code!, file.name, refusal);
          continue;
        }
        const entry: PhotoEntry = {
          kind: 'photo',
          user: offline.user,
          ...ref,
          createdAt: Date.now(),
          clientId: uid(),
          standard: card.dataset.code!,
          blob: file,
          name: file.name,
        };
        showQueued(entry);
        const seq = await addEntry(entry);
        const li = itemOf(entry.clientId);
        if (li) li.dataset.seq = String(seq);
      }
      after();
      void offline.sync.kick();
    })();
  });

  form.addEventListener('click', (e) => {
    const del = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-delete-photo]');
    if (!del) return;
    e.preventDefault();
    const item = del.closest<HTMLElement>('.photo')!;
    const code = del.closest<HTMLElement>('.std')?.dataset.code ?? '';
    void (async () => {
      if (!navigator.onLine) return tell('现在不能删除', '离线时不能删除已上传的照片，请联网后再删除。');
      const yes = await ask({
        title: '删除这张照片？',
        message: `照片将从标准 ${code} 的证据中移除，创城办审核时不再看到它。`,
        details: [`如该项“${RESULT_NAMES.fail}”须拍照，删除后需要另拍一张才能提交。`],
        confirmLabel: '删除照片',
        danger: true,
      });
      if (!yes) return;
      del.disabled = true;
      try {
        const res = await fetch(
          `/api/rounds/${ref.round}/sites/${ref.site}/photos/${del.dataset.deletePhoto}/delete`,
          { method: 'POST', headers: { 'x-csrf-token': offline.csrf(), 'x-requested-with': 'fetch' } },
        );
        if (!res.ok) {
          del.disabled = false;
          const body = (await res.json().catch(() => ({}))) as { error?: string };
          return tell('照片没有删除', body.error ?? '服务器没有删除这张照片，请稍后再试。');
        }
        item.remove();
        after();
        announce(`已删除标准 ${code} 的一张照片。`);
        void offline.refreshSite(ref.round, ref.site);
      } catch {
        del.disabled = false;
        void tell('照片没有删除', '连不上服务器，照片仍然保留。请联网后再试。');
      }
    })();
  });

  return {
    showQueued,
    accepted(clientId, photo) {
      const li = itemOf(clientId);
      if (li) show(li, photo);
      after();
    },
    refused(entry) {
      itemOf(entry.clientId)?.remove();
      showQueued(entry);
      after();
    },
  };
}

function show(el: HTMLElement, p: UploadedPhoto): void {
  const old = el.querySelector('img')?.src;
  if (old?.startsWith('blob:')) URL.revokeObjectURL(old);
  el.className = 'photo';
  delete el.dataset.clientId;
  delete el.dataset.seq;
  el.dataset.photoId = String(p.id);
  el.replaceChildren();
  const a = document.createElement('a');
  a.href = p.displayUrl;
  a.target = '_blank';
  const img = document.createElement('img');
  img.src = p.thumbUrl;
  img.alt = '照片';
  a.append(img);
  el.append(a);
  for (const f of p.flags) {
    const flag = document.createElement('span');
    flag.className = 'flag';
    flag.textContent = f;
    el.append(flag);
  }
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'link';
  del.dataset.deletePhoto = String(p.id);
  del.textContent = '删除';
  el.append(del);
}
