/**
 * Photos on the sheet: the camera opens straight from the file input (capture), each chosen photo shows
 * a preview and an upload progress bar at once, a failed upload keeps its file and offers 重试, a refused
 * one says why; uploaded photos can be deleted. Each photo carries a device-made id so a retry can never
 * store it twice.
 */
import { uid } from './uid.ts';

interface Uploaded {
  id: number;
  thumbUrl: string;
  displayUrl: string;
  flags: string[];
}

export function setupPhotos(
  form: HTMLFormElement,
  api: string,
  csrf: string,
  busy: (delta: number) => void,
): void {
  form.addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (!input.matches('input[type=file]')) return;
    const card = input.closest<HTMLElement>('.std')!;
    const list = card.querySelector<HTMLElement>('.photos')!;
    for (const file of [...(input.files ?? [])]) upload(list, card.dataset.code!, file, uid());
    input.value = '';
  });

  form.addEventListener('click', (e) => {
    const del = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-delete-photo]');
    if (!del) return;
    e.preventDefault();
    const item = del.closest<HTMLElement>('.photo')!;
    del.disabled = true;
    fetch(`${api}/photos/${del.dataset.deletePhoto}/delete`, {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, 'x-requested-with': 'fetch' },
    })
      .then((res) => {
        if (res.ok) item.remove();
        else del.disabled = false;
      })
      .catch(() => (del.disabled = false));
  });

  function upload(
    list: HTMLElement,
    standard: string,
    file: File,
    clientId: string,
    item?: HTMLElement,
  ): void {
    const el = item ?? document.createElement('li');
    el.className = 'photo uploading';
    el.replaceChildren();
    const img = document.createElement('img');
    img.alt = '照片预览';
    img.src = URL.createObjectURL(file);
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    const msg = document.createElement('span');
    msg.className = 'photo-msg';
    el.append(img, bar, msg);
    if (!item) list.append(el);

    const body = new FormData();
    body.append('clientId', clientId);
    body.append('standard', standard);
    body.append('photo', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${api}/photos`);
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('x-requested-with', 'fetch');
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) bar.value = Math.round((ev.loaded / ev.total) * 100);
    };
    busy(1);
    const fail = (text: string, retry: boolean) => {
      busy(-1);
      el.className = 'photo failed';
      msg.textContent = text;
      bar.remove();
      const again = document.createElement('button');
      again.type = 'button';
      again.textContent = retry ? '重试' : '移除';
      again.addEventListener('click', () =>
        retry ? upload(list, standard, file, clientId, el) : el.remove(),
      );
      el.append(again);
    };
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) {
        busy(-1);
        URL.revokeObjectURL(img.src);
        show(el, JSON.parse(xhr.responseText) as Uploaded);
      } else if (xhr.status >= 500) fail('上传失败，请重试', true);
      else {
        let text = '照片被拒绝';
        try {
          text = (JSON.parse(xhr.responseText) as { error: string }).error;
        } catch {
          /* not JSON */
        }
        fail(text, xhr.status === 401 || xhr.status === 403 ? true : false);
      }
    };
    xhr.onerror = () => fail('网络中断，照片未上传', true);
    xhr.send(body);
  }
}

function show(el: HTMLElement, p: Uploaded): void {
  el.className = 'photo';
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
