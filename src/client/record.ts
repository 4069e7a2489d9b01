/**
 * The 记录问题 form's helpers on a phone or tablet (/problems/new); the form works without them.
 * "使用我的位置" puts the browser's WGS-84 coordinates into the hidden lat/lng fields — shown only
 * where the browser allows geolocation (HTTPS or localhost); and chosen photos are previewed.
 */
const form = document.getElementById('record') as HTMLFormElement | null;

function setUpLocation(): void {
  const button = document.getElementById('record-locate') as HTMLButtonElement | null;
  const status = document.getElementById('record-located');
  const lat = document.getElementById('record-lat') as HTMLInputElement | null;
  const lng = document.getElementById('record-lng') as HTMLInputElement | null;
  if (!button || !status || !lat || !lng) return;
  if (!window.isSecureContext || !('geolocation' in navigator)) {
    if (!status.textContent) status.textContent = '定位需要 HTTPS 连接：请选择点位或填写地址';
    return;
  }
  button.hidden = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        status.textContent = `已定位：${lat.value}, ${lng.value}（精度约 ${Math.round(pos.coords.accuracy)} 米）`;
        button.textContent = '重新定位';
        button.disabled = false;
      },
      (err) => {
        status.textContent =
          err.code === err.PERMISSION_DENIED
            ? '未允许定位：请在浏览器设置中允许，或选择点位、填写地址'
            : '暂时无法定位：请稍后重试，或选择点位、填写地址';
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  });
}

function setUpPreviews(): void {
  const input = form?.querySelector<HTMLInputElement>('input[name="photos"]');
  const box = document.getElementById('record-previews');
  if (!input || !box || !form) return;
  const max = Number(form.dataset.maxPhotos) || 6;
  let urls: string[] = [];
  input.addEventListener('change', () => {
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
    box.replaceChildren();
    const files = [...(input.files ?? [])];
    for (const f of files) {
      const url = URL.createObjectURL(f);
      urls.push(url);
      const img = document.createElement('img');
      img.src = url;
      img.alt = f.name;
      box.append(img);
    }
    const note = document.createElement('p');
    note.className = files.length > max ? 'field-error' : 'muted small';
    note.textContent =
      files.length > max ? `已选 ${files.length} 张，最多 ${max} 张，请重新选择` : `已选 ${files.length} 张`;
    if (files.length) box.append(note);
  });
}

if (form) {
  setUpLocation();
  setUpPreviews();
}
export {};
