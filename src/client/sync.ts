/**
 * Replays the offline queue to the server, oldest first, one request at a time, whenever the device is
 * online (page load, the `online` event, a new entry, a backoff timer). Every request carries its
 * idempotency key, so a reply lost on the way means a harmless resend. Outcomes:
 * - accepted: the entry leaves the queue (an answer batch may report the office's versions that won:
 *   they are kept as a conflict record until dismissed);
 * - refused (4xx): the entry stays on the device with the server's reason until the inspector dismisses
 *   it, and a later submit of the same site is held back, so nothing is dropped silently;
 * - 401: the session is gone; the queue waits for the inspector to log in again;
 * - no network / 5xx: stop, retry later with backoff (1 s doubling, at most 8 s: the session check
 *   that starts a replay is the light probe), and at once when the browser says it is online again or
 *   the tablet is woken up;
 * - an answer batch accepted with some answers refused (a rule the device did not know, a batch queued
 *   by an earlier page): the refused answers stay on the device as a refused entry with the reasons.
 * Only one tab replays at a time (Web Locks, where available).
 */
import { addConflict, listEntries, putEntry, replaceEntry, setRevision, type Entry } from './queue.ts';
import { describeRefused } from '../scoring/answer-rules.ts';
import type { RefusalReply, SaveBatch, SaveResult, SheetState, SubmitRequest } from '../protocol/sheet.ts';

export type SyncState = 'idle' | 'syncing' | 'offline' | 'retry' | 'login';
export interface SyncStatus {
  state: SyncState;
  done: number;
  total: number;
}
export type SyncEvent =
  | { type: 'status'; status: SyncStatus }
  | { type: 'accepted'; entry: Entry; body: Record<string, unknown> }
  | { type: 'refused'; entry: Entry }
  | { type: 'conflict'; round: number; site: number }
  | { type: 'changed'; round: number; site: number };

/** What of an accepted answer batch stays on the device: its refused answers, with the reasons. */
function refusedPart(entry: Entry, body: Record<string, unknown>): Entry | null {
  const refused = (body as Partial<SaveResult>).refused ?? [];
  if (entry.kind !== 'changes' || !refused.length) return null;
  const codes = new Set(refused.map((r) => r.standard));
  const kept: Entry = {
    ...entry,
    batchId: `${entry.batchId}-r`,
    changes: entry.changes.filter((c) => codes.has(c.standard)),
    refused: refused.map(describeRefused).join('；'),
  };
  delete kept.seq;
  return kept;
}

type Outcome =
  | { kind: 'ok'; body: Record<string, unknown> }
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'login' }
  | { kind: 'network' };

const KIND_REFUSED = '服务器拒绝了这条内容';
const MIN_BACKOFF = 1000;
const MAX_BACKOFF = 8000;

export class Sync {
  status: SyncStatus = { state: 'idle', done: 0, total: 0 };
  private listeners: ((e: SyncEvent) => void)[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff = MIN_BACKOFF;
  private csrf = '';

  constructor(readonly user: string) {
    window.addEventListener('online', () => {
      this.backoff = MIN_BACKOFF;
      void this.kick();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.status.state !== 'idle') void this.kick();
    });
    window.addEventListener('offline', () => this.setStatus({ state: 'offline', done: 0, total: 0 }));
  }

  on(listener: (e: SyncEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: SyncEvent): void {
    for (const l of this.listeners) l(e);
  }

  private setStatus(status: SyncStatus): void {
    this.status = status;
    this.emit({ type: 'status', status });
  }

  /** Starts a replay now (or right after the running one); resolves when the queue is as far as it gets. */
  kick(): Promise<void> {
    clearTimeout(this.timer);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const lock = navigator.locks
      ? (fn: () => Promise<void>) => navigator.locks.request(`cc-sync-${this.user}`, fn)
      : (fn: () => Promise<void>) => fn();
    this.running = (async () => {
      do {
        this.again = false;
        await lock(() => this.replay());
      } while (this.again);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private later(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.kick(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
  }

  private async session(): Promise<'ok' | 'login' | 'network'> {
    try {
      const res = await fetch('/api/session', { headers: { 'x-requested-with': 'fetch' } });
      if (res.status === 401) return 'login';
      if (!res.ok) return 'network';
      const body = (await res.json()) as { user: string; csrf: string };
      if (body.user !== this.user) return 'login';
      this.csrf = body.csrf;
      return 'ok';
    } catch {
      return 'network';
    }
  }

  private async replay(): Promise<void> {
    let pending = (await listEntries(this.user)).filter((e) => !e.refused);
    if (!pending.length) return this.setStatus({ state: 'idle', done: 0, total: 0 });
    if (!navigator.onLine) return this.setStatus({ state: 'offline', done: 0, total: pending.length });
    const total = pending.length;
    let done = 0;
    this.setStatus({ state: 'syncing', done, total });
    const session = await this.session();
    if (session === 'login') return this.setStatus({ state: 'login', done, total });
    if (session === 'network') {
      this.setStatus({ state: navigator.onLine ? 'retry' : 'offline', done, total });
      return this.later();
    }
    while (pending.length) {
      const entry = pending[0]!;
      const all = await listEntries(this.user);
      const blocked =
        entry.kind === 'submit' &&
        all.some((e) => e.refused && e.round === entry.round && e.site === entry.site && e.seq! < entry.seq!);
      let outcome = blocked
        ? ({
            kind: 'refused',
            status: 0,
            message: '此前有内容未能保存，提交没有发送；请核对后重新提交',
          } as Outcome)
        : await this.send(entry);
      // a 403 may only mean the CSRF token of an older session: fetch a fresh one and try once more
      if (outcome.kind === 'refused' && outcome.status === 403 && (await this.session()) === 'ok')
        outcome = await this.send(entry);
      if (outcome.kind === 'login') return this.setStatus({ state: 'login', done, total });
      if (outcome.kind === 'network') {
        this.setStatus({ state: navigator.onLine ? 'retry' : 'offline', done, total });
        return this.later();
      }
      if (outcome.kind === 'refused') {
        entry.refused = outcome.message || KIND_REFUSED;
        await putEntry(entry);
        this.emit({ type: 'refused', entry });
      } else {
        // the batch leaves the queue together with its refused answers' entry, if any
        await replaceEntry(entry.seq!, refusedPart(entry, outcome.body));
        await this.accepted(entry, outcome.body);
      }
      done++;
      this.setStatus({ state: 'syncing', done, total: Math.max(total, done) });
      pending = (await listEntries(this.user)).filter((e) => !e.refused);
    }
    this.backoff = MIN_BACKOFF;
    this.setStatus({ state: 'idle', done, total: done });
  }

  private async accepted(entry: Entry, body: Record<string, unknown>): Promise<void> {
    if (entry.kind === 'changes' || entry.kind === 'submit') {
      const revision = Number(body.revision);
      // only our own write since the device's base: later entries of the site (also those queued
      // while this one was on its way) may build on it
      if (revision === entry.baseRevision + 1) {
        for (const e of await listEntries(this.user))
          if (
            (e.kind === 'changes' || e.kind === 'submit') &&
            e.seq! > entry.seq! &&
            e.round === entry.round &&
            e.site === entry.site &&
            e.baseRevision === entry.baseRevision
          ) {
            e.baseRevision = revision;
            await putEntry(e);
          }
        await setRevision(this.user, entry.round, entry.site, revision);
      } else if (revision > entry.baseRevision + 1)
        this.emit({ type: 'changed', round: entry.round, site: entry.site });
    }
    // an answer batch's reply (a submit's carries neither list); its refused answers were kept by replay
    const reply = body as Partial<SaveResult>;
    const conflicts = reply.conflicts ?? [];
    if (entry.kind === 'changes' && conflicts.length) {
      let returnedReason: string | null = null;
      try {
        const res = await fetch(`/api/rounds/${entry.round}/sites/${entry.site}`, {
          headers: { 'x-requested-with': 'fetch' },
        });
        if (res.ok) returnedReason = ((await res.json()) as SheetState).returnedReason;
      } catch {
        /* the reason is a courtesy; the conflict itself is kept regardless */
      }
      await addConflict({
        user: this.user,
        round: entry.round,
        site: entry.site,
        siteName: entry.siteName,
        returnedReason,
        items: conflicts,
        createdAt: Date.now(),
      });
      this.emit({ type: 'conflict', round: entry.round, site: entry.site });
    }
    this.emit({ type: 'accepted', entry, body });
  }

  private async send(entry: Entry): Promise<Outcome> {
    const base = `/api/rounds/${entry.round}/sites/${entry.site}`;
    const headers: Record<string, string> = { 'x-csrf-token': this.csrf, 'x-requested-with': 'fetch' };
    let res: Response;
    try {
      if (entry.kind === 'photo') {
        const form = new FormData();
        form.append('clientId', entry.clientId);
        form.append('standard', entry.standard);
        form.append('photo', entry.blob, entry.name);
        res = await fetch(`${base}/photos`, { method: 'POST', headers, body: form });
      } else {
        const body: SaveBatch | SubmitRequest =
          entry.kind === 'changes'
            ? { batchId: entry.batchId, baseRevision: entry.baseRevision, changes: entry.changes }
            : { submitId: entry.submitId, baseRevision: entry.baseRevision };
        res = await fetch(`${base}/${entry.kind === 'changes' ? 'changes' : 'submit'}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      }
    } catch {
      return { kind: 'network' };
    }
    if (res.status === 401) return { kind: 'login' };
    if (res.status >= 500 || res.status === 408 || res.status === 429) return { kind: 'network' };
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok) return { kind: 'ok', body };
    const refusal = body as Partial<RefusalReply>;
    const blockers = refusal.blockers ?? [];
    const detail = blockers.length ? `（${blockers.map((b) => `${b.code} ${b.reason}`).join('；')}）` : '';
    return {
      kind: 'refused',
      status: res.status,
      message: `${String(refusal.error ?? KIND_REFUSED)}${detail}`,
    };
  }
}
