/**
 * The display versions and thumbnails of uploaded photos, made after the upload is acknowledged.
 *
 * An upload is checked (decoded to the last byte) and its original kept before its row is committed;
 * the caption band and the two JPEGs people look at are made here, from the original, so a tablet is
 * not kept waiting for them and a burst of sheets is not slowed by them. The database is the queue
 * (photos.versions_ready = 0), so what a crash or a stop interrupted is picked up at the next start.
 *
 * While uploads are coming in, versions are made on the background lane (off-thread.ts: a worker thread at
 * the lowest scheduling priority, two photos side by side), so they take the CPU time the requests leave
 * and never the time they want; once no upload has come for QUIET_MS, on the normal workers, eight side by
 * side. Without the lane (not Linux, or PHOTO_WORKER=0): when no request is being served (two side by
 * side), or one a second whatever the load, so the work never starves. A view that needs a version not
 * made yet makes it at once (`ensure`): nobody ever sees a missing picture, only, right after a burst, a
 * slightly slower one.
 */
import { atomicallyTogether, type Db } from '../db/connection.ts';
import { captionOf, markVersions, waitingVersions, type WaitingVersions } from '../db/repos/photos.ts';
import { isWholeJpeg, photoPaths } from './files.ts';
import { hasBackgroundLane, renderVersionsOffThread } from './off-thread.ts';

/**
 * Photos made at once when the server is idle: two (two cores), or, once no upload has come in for
 * QUIET_MS, eight. They go to the two photo workers (off-thread.ts, whichever has less waiting), whose
 * threads run the caption band's JavaScript (its DCT and text are most of a photo's time now that
 * versions are written without fsync: no disk wait is left to overlap), so eight keep both queues full:
 * with one worker, the catch-up after the bench's burst had its thread 98 % busy and the main thread
 * 97 % idle. Between the requests of a burst the server is idle for moments only: eight then took CPU
 * from the burst (84 against 101 sheets/s, alternating, when versions still had their fsyncs).
 */
const IDLE_PARALLEL = 2;
const QUIET_PARALLEL = 8;
const QUIET_MS = 500;
/** Photos on the background lane at once while uploads are coming in. */
const BACKGROUND_PARALLEL = 2;
/** While busy (and without the background lane), one photo's versions are made at least this often. */
const BUSY_PACE_MS = 1000;
/** How often a busy server is looked at again to see whether it has become idle. */
const BUSY_POLL_MS = 20;
/** How often the queue is looked at when nothing has announced work. */
const IDLE_POLL_MS = 2000;
/**
 * Waiting photos read from the queue at once. One query a photo, each with the list of those being made,
 * was a measurable share of the main thread's time in a burst of uploads; the few read ahead are checked
 * again when their turn comes (ensure: made already, it only marks them).
 */
const READ_AHEAD = 8;

export interface VersionsOptions {
  db: Db;
  uploadDir: string;
  /** true when no request is being served */
  idle: () => boolean;
  logError: (message: string) => void;
}

/** A photo's versions being made: the files, then their mark in the database. */
interface InFlight {
  made: Promise<void>;
  marked: Promise<void>;
}

export class PhotoVersions {
  private readonly inFlight = new Map<string, InFlight>();
  private timer: NodeJS.Timeout | undefined;
  private working = 0;
  /**
   * waiting photos being made now or whose mark is not committed yet, by files, so two steps never take
   * the same one
   */
  private readonly taken = new Set<string>();
  private closed = false;
  private lastMade = 0;
  private lastKick = 0;
  /** waiting photos read from the queue and not started yet, oldest first */
  private ahead: WaitingVersions[] = [];
  private settledWaiters: (() => void)[] = [];

  constructor(private readonly opts: VersionsOptions) {}

  /** Starts the background work (what an earlier run left waiting is made first). */
  start(): void {
    this.schedule(0);
  }

  /** Something may have been queued (an upload committed): look soon rather than at the next poll. */
  kick(): void {
    this.lastKick = Date.now();
    if (this.closed || this.working >= IDLE_PARALLEL) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(0);
  }

  /**
   * Makes whichever of the photo's thumbnail and display version is missing or not whole, now (a view
   * needs it), and resolves once that is recorded.
   * Concurrent calls for the same files share one piece of work.
   */
  ensure(
    photo: { sha256: string; display_key: string; caption?: string | null },
    background = false,
  ): Promise<void> {
    return this.begin(photo, background).marked;
  }

  /**
   * Starts ensure's work: `made` settles when the files are made (or found whole), `marked` when the
   * outcome is committed to the database.
   */
  private begin(
    photo: { sha256: string; display_key: string; caption?: string | null },
    background: boolean,
  ): InFlight {
    const key = `${photo.sha256}:${photo.display_key}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const caption = photo.caption ?? captionOf(this.opts.db, photo.sha256, photo.display_key);
    const paths = photoPaths(this.opts.uploadDir, photo.sha256, photo.display_key);
    // whole, not merely there: versions are written without fsync, and a power cut can leave one cut short
    if (isWholeJpeg(paths.thumb) && (caption === null || isWholeJpeg(paths.display)))
      return { made: Promise.resolve(), marked: this.mark(photo.sha256, photo.display_key, 1) };
    const made = renderVersionsOffThread(
      this.opts.uploadDir,
      {
        sha256: photo.sha256,
        displayKey: photo.display_key,
        caption: caption === null ? null : (JSON.parse(caption) as string[]),
      },
      background,
    );
    // its failure is reported through `marked`
    made.catch(() => {});
    const marked = made
      .then(
        () => this.mark(photo.sha256, photo.display_key, 1),
        async (err: unknown) => {
          await this.mark(photo.sha256, photo.display_key, -1);
          throw err;
        },
      )
      .finally(() => this.inFlight.delete(key));
    const work = { made, marked };
    this.inFlight.set(key, work);
    return work;
  }

  /** Resolves when nothing is waiting (tests, and the benchmark's catch-up figure). */
  settled(): Promise<void> {
    if (this.closed || waitingVersions(this.opts.db).length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.settledWaiters.push(resolve);
      this.kick();
    });
  }

  /** Stops the background work; a version being made is finished but not recorded. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  /**
   * Records the outcome in the next group commit (connection.ts), with the requests' writes of the same
   * moment rather than in a commit of its own; resolves once committed.
   */
  private mark(sha256: string, displayKey: string, state: 1 | -1): Promise<void> {
    if (this.closed) return Promise.resolve();
    return atomicallyTogether(this.opts.db, () => {
      if (!this.closed) markVersions(this.opts.db, sha256, displayKey, state);
    });
  }

  /** The oldest waiting photo not being made, from those read ahead or else from the queue. */
  private nextWaiting(): WaitingVersions | undefined {
    for (let next = this.ahead.shift(); next; next = this.ahead.shift()) {
      const key = `${next.sha256}:${next.display_key}`;
      if (!this.taken.has(key) && !this.inFlight.has(key)) return next;
    }
    this.ahead = waitingVersions(this.opts.db, [...this.taken], READ_AHEAD);
    return this.ahead.shift();
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.step();
    }, ms);
    // the background work alone does not keep a process alive; someone waiting for it does
    if (this.settledWaiters.length === 0) this.timer.unref();
  }

  private quiet(): boolean {
    return Date.now() - this.lastKick >= QUIET_MS;
  }

  private parallel(): number {
    return this.quiet() ? QUIET_PARALLEL : IDLE_PARALLEL;
  }

  /**
   * Starts as many waiting photos as there are free places (`parallel()`), all at once: one a timer
   * tick kept fewer than two in flight on average during the bench's catch-up (≈ 410 photos a second
   * with a fifth of both cores idle). While uploads come in or requests are served, on the background
   * lane (BACKGROUND_PARALLEL), or without it one at most, and only at the busy pace.
   */
  private step(): void {
    while (!this.closed && this.working < this.parallel()) {
      const idle = this.opts.idle();
      const lane = hasBackgroundLane() && !(idle && this.quiet());
      if (
        lane
          ? this.working >= BACKGROUND_PARALLEL
          : !idle && (this.working > 0 || Date.now() - this.lastMade < BUSY_PACE_MS)
      )
        return this.schedule(BUSY_POLL_MS);
      const next = this.nextWaiting();
      if (!next) {
        // nothing being made and no mark outstanding (every photo being made is taken)
        if (this.taken.size === 0) for (const resolve of this.settledWaiters.splice(0)) resolve();
        return this.schedule(IDLE_POLL_MS);
      }
      void this.make(next, lane);
      if (!lane && !idle) return;
    }
  }

  /**
   * Makes one waiting photo's versions (on the background lane: `background`), then looks for more. The
   * place is free again once the files are made: waiting for the mark's group commit as well left the
   * lane idle for a turn of the busy event loop after every photo. The photo stays taken until its mark
   * is committed, so no read of the queue returns it meanwhile.
   */
  private async make(next: WaitingVersions, background = false): Promise<void> {
    const key = `${next.sha256}:${next.display_key}`;
    this.working++;
    this.taken.add(key);
    const failed = (err: unknown) => {
      if (!this.closed)
        this.opts.logError(
          `照片 ${next.sha256.slice(0, 12)} 的显示版本和缩略图生成失败：${(err as Error).message}`,
        );
    };
    try {
      const work = this.begin(next, background);
      void work.marked.then(undefined, failed).finally(() => {
        this.taken.delete(key);
        // someone waits for the queue to empty: this mark may have been the last thing outstanding
        if (this.settledWaiters.length > 0 && this.working === 0) this.step();
      });
      await work.made.catch(() => {});
    } catch (err) {
      failed(err);
      this.taken.delete(key);
    } finally {
      this.working--;
      this.lastMade = Date.now();
    }
    // the freed place is filled now, not at the next timer tick: a worker whose queue ran dry waits for
    // nothing but this thread
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.step();
  }
}
