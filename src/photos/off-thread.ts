/**
 * storePhoto and renderVersions on the photo worker thread (worker.ts), with the same results and the
 * same refusals as calling them here. One worker for the process, started at first use and again if it
 * ever dies; it does not keep the process alive. `startPhotoWorker(false)` (PHOTO_WORKER=0) runs them on
 * the main thread instead.
 */
import { Worker } from 'node:worker_threads';
import { PhotoRejected, PhotoTooLarge, renderVersions, storePhoto, WatermarkFontMissing } from './store.ts';
import type { StoredPhoto, Watermark } from './store.ts';
import type { WorkerError, WorkerRequest } from './worker.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Job = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function rebuild(e: WorkerError): Error {
  if (e.kind === 'rejected')
    return e.status === 413 ? new PhotoTooLarge(e.message) : new PhotoRejected(e.message);
  if (e.kind === 'font') return new WatermarkFontMissing(e.message);
  return new Error(e.message);
}

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function theWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./worker-boot.mjs', import.meta.url));
  w.on('message', (m: { id: number; ok?: unknown; error?: WorkerError }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.error) p.reject(rebuild(m.error));
    else p.resolve(m.ok);
  });
  const gone = (err: Error) => {
    if (worker === w) worker = null;
    failAll(err);
  };
  w.on('error', (err) => gone(err));
  w.on('exit', (code) => gone(new Error(`照片处理线程意外退出（${code}）`)));
  w.unref();
  worker = w;
  return w;
}

function run<T>(job: Job): Promise<T> {
  const w = theWorker();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    w.ref(); // someone is waiting for an answer
    w.postMessage({ ...job, id });
  });
}

/** false: photos are handled on the calling thread (startPhotoWorker(false)) */
let enabled = true;

/** storePhoto (store.ts), on the photo worker thread. */
export function storePhotoOffThread(
  uploadDir: string,
  buf: Buffer,
  watermark: Watermark,
): Promise<StoredPhoto> {
  if (!enabled) return storePhoto(uploadDir, buf, watermark);
  return run<StoredPhoto>({ op: 'store', uploadDir, buf, watermark });
}

/** renderVersions (store.ts), on the photo worker thread. */
export function renderVersionsOffThread(
  uploadDir: string,
  photo: { sha256: string; displayKey: string; caption: string[] | null },
): Promise<void> {
  if (!enabled) return renderVersions(uploadDir, photo);
  return run<null>({ op: 'render', uploadDir, photo }).then(() => undefined);
}

/**
 * Starts the worker now (a server at start), so the first upload does not wait for it to load; with
 * `on` false (config.photoWorker) photos are handled on the calling thread from then on.
 */
export function startPhotoWorker(on = true): void {
  enabled = on;
  if (on) theWorker();
}

/** Ends the worker (a test or a server that is stopping); the next use starts a new one. */
export async function stopPhotoWorker(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}
