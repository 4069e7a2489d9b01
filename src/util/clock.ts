/**
 * The one clock the app reads for the time of its work: deadlines and 逾期, a round's days, survey timing,
 * when a record was made. It is real time unless a test moves it (`setClock`), and then it keeps running
 * from the moment it was set, so a test can step across a deadline, a night or a quiet-hours window
 * without waiting. Machinery that measures real durations — session expiry, request throttling, photo
 * queues, backups, file timestamps — keeps `Date.now()`.
 */
let offsetMs = 0;

/** Now, by the app's clock. */
export function now(): Date {
  return new Date(Date.now() + offsetMs);
}

/** Now in milliseconds since the epoch, by the app's clock. */
export function nowMs(): number {
  return Date.now() + offsetMs;
}

/** Tests: the clock reads `at` now and runs on from there; `null` puts it back to real time. */
export function setClock(at: Date | string | null): void {
  offsetMs = at === null ? 0 : new Date(at).getTime() - Date.now();
}

/** Tests: moves the clock on (or back, with a negative amount) by `ms`. */
export function advanceClock(ms: number): void {
  offsetMs += ms;
}
