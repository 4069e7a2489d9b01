/**
 * A sheet's answers on this device: what the page shows (the server's answers with the device's unsent
 * ones on top), what the server will hold once the queue has run (an edit back to it sends nothing),
 * and the edits of the last moment not yet in the queue. Those are mirrored to localStorage at once
 * (synchronous: closing the tab loses nothing; offline.ts rescues what a closed page left) and go into
 * the queue as one batch of the protocol (protocol/sheet.ts) a moment after the last edit.
 */
import type { AnswerChange } from '../protocol/sheet.ts';
import type { MomentEdits, Offline } from './offline.ts';
import type { SheetRef } from './photos.ts';
import { addEntry } from './queue.ts';
import { sameAnswer } from './sheet-cards.ts';
import { uid } from './uid.ts';

export class SheetEdits {
  /** what the page shows */
  readonly answers = new Map<string, AnswerChange>();
  /** what the server will hold once the queue has run */
  readonly known = new Map<string, AnswerChange>();
  /** the edits of the last moment, not yet queued */
  readonly pending: Map<string, AnswerChange>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly key: string;

  constructor(
    private readonly offline: Offline,
    private readonly ref: SheetRef,
    /** the sheet revision the device has seen: the next batch's baseRevision */
    public revision: number,
  ) {
    this.key = `cc:${offline.user}:sheet:${ref.round}:${ref.site}`;
    const left = JSON.parse(localStorage.getItem(this.key) ?? 'null') as MomentEdits | null;
    this.pending = new Map((left?.changes ?? []).map((c) => [c.standard, c]));
  }

  persist(): void {
    if (!this.pending.size) return localStorage.removeItem(this.key);
    const edits: MomentEdits = {
      siteName: this.ref.siteName,
      revision: this.revision,
      changes: [...this.pending.values()],
    };
    localStorage.setItem(this.key, JSON.stringify(edits));
  }

  /** An answer as the server has it (at load, or after it refused the device's). */
  served(c: AnswerChange): void {
    this.answers.set(c.standard, c);
    this.known.set(c.standard, c);
  }

  /** An edit: shown at once, queued a moment later unless it is what the server will hold anyway. */
  edit(c: AnswerChange): void {
    this.answers.set(c.standard, c);
    if (sameAnswer(c, this.known.get(c.standard))) this.pending.delete(c.standard);
    else this.pending.set(c.standard, c);
    this.persist();
    this.schedule();
  }

  /** An edit not valid as it stands (its card says why): nothing of it is saved. */
  drop(code: string): void {
    this.pending.delete(code);
    this.persist();
  }

  schedule(delay = 700): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.enqueue(), delay);
  }

  /** Moves the edits of the last moment into the queue as one batch, then lets the sync send it. */
  async enqueue(): Promise<void> {
    clearTimeout(this.timer);
    for (const c of [...this.pending.values()])
      if (sameAnswer(c, this.known.get(c.standard))) this.pending.delete(c.standard);
    if (!this.pending.size) return this.persist();
    const changes = [...this.pending.values()];
    await addEntry({
      kind: 'changes',
      user: this.offline.user,
      ...this.ref,
      createdAt: Date.now(),
      batchId: uid(),
      baseRevision: this.revision,
      changes,
    });
    for (const c of changes) {
      this.known.set(c.standard, c);
      if (this.pending.get(c.standard) === c) this.pending.delete(c.standard);
    }
    this.persist();
    this.offline.changed();
    void this.offline.sync.kick();
  }
}
