/**
 * storePhoto and renderVersions on photo worker threads (worker.ts), with the same results and the same
 * refusals as calling them here. Two workers for the process (two cores), each started at first use and
 * again if it ever dies; they do not keep the process alive. Uploads go to the first; versions to
 * whichever has less waiting, so the versions left after a burst of uploads are made on both cores
 * (on one, the catch-up kept one thread 98 % busy and the main thread 97 % idle). A third, the
 * background lane, runs at the lowest scheduling priority (Linux: nice 19 for its thread alone): the
 * versions made while requests are being served go there, so they take only CPU time nothing else wants.
 * `startPhotoWorker(false)` (PHOTO_WORKER=0) runs them on the main thread instead.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { PhotoRejected, PhotoTooLarge, renderVersions, storePhoto, WatermarkFontMissing } from './store.ts';
import type { StoredPhoto, Watermark } from './store.ts';
import type { WorkerError, WorkerRequest } from './worker.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Job = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** the two workers at normal priority, then the background lane */
const WORKERS = 3;
const BACKGROUND = 2;
/**
 * A photo worker's young generation, in MB. V8 starts marking the old one as soon as the room left under
 * its limit is less than the young generation could promote; with the default (16 MB semi-spaces) a
 * worker whose old generation is ≈ 9 MB of a 24 MB limit marked again right after every collection: a
 * full collection every 18 photos of a catch-up. At 8 MB, one every 60 and ≈ 15 % more photos a second
 * (tmp harness: 604–632 against 531–548 a second on two workers).
 */
const YOUNG_GENERATION_MB = 8;
/**
 * V8 applies a process's --max-semi-space-size over a worker's resourceLimits: a start command given that
 * flag (an operator's, or a trial's) would give every photo worker its semi-spaces instead of the 8 MB
 * above. V8 reads the flag when it makes a heap, so setting it back to 0 (V8's own sizing) before the
 * first worker leaves the main thread's heap as it was made and gives each worker the limits asked for.
 */
setFlagsFromString('--max-semi-space-size=0');
const workers: (Worker | null)[] = new Array<Worker | null>(WORKERS).fill(null);
/** each worker's jobs waiting for an answer, by id */
const pendings: Map<number, Pending>[] = Array.from({ length: WORKERS }, () => new Map());
let nextId = 1;

function rebuild(e: WorkerError): Error {
  if (e.kind === 'rejected')
    return e.status === 413 ? new PhotoTooLarge(e.message) : new PhotoRejected(e.message);
  if (e.kind === 'font') return new WatermarkFontMissing(e.message);
  return new Error(e.message);
}

function failAll(pending: Map<number, Pending>, err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function theWorker(k: number): Worker {
  const running = workers[k];
  if (running) return running;
  const pending = pendings[k]!;
  const w = new Worker(new URL('./worker-boot.mjs', import.meta.url), {
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    workerData: { lowPriority: k === BACKGROUND },
  });
  w.on('message', (m: { id: number; ok?: unknown; error?: WorkerError }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.error) p.reject(rebuild(m.error));
    else p.resolve(m.ok);
  });
  const gone = (err: Error) => {
    if (workers[k] === w) workers[k] = null;
    failAll(pending, err);
  };
  w.on('error', (err) => gone(err));
  w.on('exit', (code) => gone(new Error(`照片处理线程意外退出（${code}）`)));
  w.unref();
  workers[k] = w;
  return w;
}

function run<T>(k: number, job: Job): Promise<T> {
  const w = theWorker(k);
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pendings[k]!.set(id, { resolve: resolve as (v: unknown) => void, reject });
    w.ref(); // someone is waiting for an answer
    w.postMessage({ ...job, id });
  });
}

/** The normal worker with the fewest jobs waiting (the last of equals: the first takes the uploads). */
function leastBusy(): number {
  let best = BACKGROUND - 1;
  for (let k = BACKGROUND - 2; k >= 0; k--) if (pendings[k]!.size < pendings[best]!.size) best = k;
  return best;
}

/** The heap limit of photo worker `k`, in bytes, as V8 set it (tests: the young generation asked for). */
export function workerHeapLimit(k = 0): Promise<number> {
  return run<number>(k, { op: 'heap' });
}

/** How many jobs each worker has waiting for an answer (tests, diagnostics). */
export function waitingPerWorker(): number[] {
  return pendings.map((p) => p.size);
}

/** false: photos are handled on the calling thread (startPhotoWorker(false)) */
let enabled = true;

/** storePhoto (store.ts), on the first photo worker thread. */
export function storePhotoOffThread(
  uploadDir: string,
  buf: Buffer,
  watermark: Watermark,
): Promise<StoredPhoto> {
  if (!enabled) return storePhoto(uploadDir, buf, watermark);
  return run<StoredPhoto>(0, { op: 'store', uploadDir, buf, watermark });
}

/**
 * renderVersions (store.ts), on the normal photo worker thread with the least to do, or with `background`
 * on the background lane (when there is one: hasBackgroundLane).
 */
export function renderVersionsOffThread(
  uploadDir: string,
  photo: { sha256: string; displayKey: string; caption: string[] | null },
  background = false,
): Promise<void> {
  if (!enabled) return renderVersions(uploadDir, photo);
  const k = background && hasBackgroundLane() ? BACKGROUND : leastBusy();
  return run<null>(k, { op: 'render', uploadDir, photo }).then(() => undefined);
}

/**
 * Whether versions can be made at the lowest priority: on worker threads, on Linux (where a thread's
 * nice value is its own). Elsewhere the background lane would compete with requests as an equal.
 */
export function hasBackgroundLane(): boolean {
  return enabled && process.platform === 'linux';
}

/**
 * Starts the workers now (a server at start), so the first upload does not wait for one to load; with
 * `on` false (config.photoWorker) photos are handled on the calling thread from then on.
 */
export function startPhotoWorker(on = true): void {
  enabled = on;
  if (on) for (let k = 0; k < WORKERS; k++) theWorker(k);
}

/** Ends the workers (a test or a server that is stopping); the next use starts new ones. */
export async function stopPhotoWorker(): Promise<void> {
  const running = workers.filter((w): w is Worker => w !== null);
  workers.fill(null);
  await Promise.all(running.map((w) => w.terminate()));
}
