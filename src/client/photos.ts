/**
 * Photos on the sheet: the camera opens straight from the file input (capture); each chosen photo goes
 * into the device's queue as a Blob with a device-made id (the server stores it once however often it
 * is sent) and shows at once with 待同步 until the server has it; a refused one says why. Photos already
 * on the server can be deleted while online.
 */
import { uid } from './uid.ts';
import { addEntry, removeEntry, type Entry } from './queue.ts';
import type { Offline } from './offline.ts';

export type PhotoEntry = Extract<Entry, { kind: 'photo' }>;
interface Uploaded {
  id: number;
  thumbUrl: string;
  displayUrl: string;
  flags: string[];
}
export interface SheetRef {
  round: number;
  site: number;
  siteName: string;
}

export interface PhotoUi {
  /** a queued photo (from this page or found on the device at load) */
  showQueued(entry: PhotoEntry): void;
  accepted(clientId: string, photo: Uploaded): void;
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

  form.addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (!input.matches('input[type=file]')) return;
    const card = input.closest<HTMLElement>('.std')!;
    for (const file of [...(input.files ?? [])]) {
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
      void addEntry(entry).then((seq) => {
        const li = itemOf(entry.clientId);
        if (li) li.dataset.seq = String(seq);
        after();
        void offline.sync.kick();
      });
    }
    input.value = '';
  });

  form.addEventListener('click', (e) => {
    const del = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-delete-photo]');
    if (!del) return;
    e.preventDefault();
    const item = del.closest<HTMLElement>('.photo')!;
    if (!navigator.onLine) return void window.alert('离线时不能删除已上传的照片，请联网后再删除。');
    del.disabled = true;
    fetch(`/api/rounds/${ref.round}/sites/${ref.site}/photos/${del.dataset.deletePhoto}/delete`, {
      method: 'POST',
      headers: { 'x-csrf-token': offline.csrf(), 'x-requested-with': 'fetch' },
    })
      .then((res) => {
        if (res.ok) {
          item.remove();
          after();
          void offline.refreshSite(ref.round, ref.site);
        } else del.disabled = false;
      })
      .catch(() => (del.disabled = false));
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

function show(el: HTMLElement, p: Uploaded): void {
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
