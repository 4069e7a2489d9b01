/**
 * The sheet script's direct requests (outside the queue): the server's answers of a sheet, to show
 * them where the server refused the device's, and the tablet's location when the sheet opens.
 */
import type { AnswerChange, SheetState } from '../protocol/sheet.ts';

/** The server's answers of the sheet; none when it cannot be reached (the next load shows them). */
export async function serverAnswers(round: number, site: number): Promise<AnswerChange[]> {
  try {
    const res = await fetch(`/api/rounds/${round}/sites/${site}`, {
      headers: { 'x-requested-with': 'fetch' },
    });
    return res.ok ? ((await res.json()) as SheetState).answers : [];
  } catch {
    return [];
  }
}

export function recordLocation(api: string, csrf: string): void {
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
